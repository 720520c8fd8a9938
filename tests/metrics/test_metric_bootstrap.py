"""Bootstrap CI and paired comparison: seeded, vectorised, sane coverage."""

from __future__ import annotations

import numpy as np
import pytest

import facebench.metrics as M


def test_seeded_and_reproducible() -> None:
    scores = np.random.default_rng(1).integers(0, 2, 500)
    a = M.bootstrap_ci(scores, seed=3)
    assert a == M.bootstrap_ci(scores, seed=3)
    assert a != M.bootstrap_ci(scores, seed=4)


def test_ci_matches_normal_approximation() -> None:
    scores = np.random.default_rng(0).integers(0, 2, 2000).astype(float)
    ci = M.bootstrap_ci(scores, n_resamples=2000)
    se = scores.std() / np.sqrt(scores.size)
    assert ci["estimate"] == pytest.approx(scores.mean())
    assert ci["low"] == pytest.approx(scores.mean() - 1.96 * se, abs=0.006)
    assert ci["high"] == pytest.approx(scores.mean() + 1.96 * se, abs=0.006)


def test_constant_scores_give_a_point_interval() -> None:
    assert M.bootstrap_ci([1.0] * 50) == {"estimate": 1.0, "low": 1.0, "high": 1.0}
    assert M.bootstrap_ci([]) == {"estimate": None, "low": None, "high": None}


def test_large_input_is_blocked_not_materialised() -> None:
    ci = M.bootstrap_ci(np.ones(300_000), n_resamples=200)
    assert ci["low"] == ci["high"] == 1.0


def test_paired_bootstrap() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 2, 1000).astype(float)
    better = M.paired_bootstrap(np.maximum(a, rng.integers(0, 2, 1000)), a)
    assert better["estimate"] > 0 and better["low"] > 0 and better["p_value"] < 0.01
    same = M.paired_bootstrap(a, a)
    assert same["estimate"] == 0 and same["p_value"] == 1.0
    with pytest.raises(ValueError):
        M.paired_bootstrap([1, 0], [1])


def test_generic_metric_bootstrap_and_paired() -> None:
    labels = ["a", "b"]
    t = ["a", "b"] * 100
    good = list(t)
    bad = ["a"] * 200
    uar = lambda y, p: M.uar(y, p, labels)
    ci = M.bootstrap_metric(uar, t, bad, n_resamples=200)
    assert ci["estimate"] == 0.5 and ci["low"] == ci["high"] == 0.5
    cmp = M.paired_bootstrap_metric(uar, t, good, bad, n_resamples=200)
    assert cmp["estimate"] == 0.5 and cmp["p_value"] < 0.05
    # predictions that are tuples (AU sets) survive resampling intact
    f1 = lambda y, p: M.f1_mean(y, p, [1, 2])
    au = M.bootstrap_metric(f1, [(1,), (2,)] * 20, [(1,), (1, 2)] * 20, n_resamples=50)
    assert 0 < au["low"] <= au["estimate"] <= au["high"] <= 1
