"""Headline-metric intervals: the rows reproduce every task's reported metric exactly; intervals
and paired comparisons behave as a bootstrap must; intervals computed together (worker threads,
one BLAS thread for exact sums) are the numbers of one interval computed alone."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from facebench.engine.paired import compare_models
from facebench.engine.runner import load_run
from facebench.metrics.bootstrap import _interval, _weights
from facebench.metrics.headline import (
    Layout,
    _estimate,
    _statistic,
    headline_ci,
    headline_estimate,
    paired_headline,
)
from facebench.metrics.intervals import IntervalPool, _exact, layout_cis
from facebench.tasks.registry import task_names


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    from typer.testing import CliRunner

    from facebench.cli import app

    out = tmp_path_factory.mktemp("runs")
    for seed in ("0", "1"):
        result = CliRunner().invoke(app, ["run", "--model", "random", "--model-arg", f"seed={seed}",
                                          "--name", f"r{seed}", "--tasks", "all", "--output", str(out)])
        assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("task", [t for t in task_names() if t != "mmvet"])
def test_rows_reproduce_the_reported_headline_metric(demo_runs, task):
    folder = demo_runs / "r0" / "facebench" / task
    metrics = json.loads((folder / "metrics.json").read_text())
    primary = metrics["primary_metric"]
    _, t, predictions = load_run(folder)
    rows = t.kind.headline_rows(t, predictions, primary)
    assert rows is not None, f"{task}: no interval for {primary}"
    assert headline_estimate(rows) == pytest.approx(metrics["metrics"][primary])
    ci = metrics["confidence_intervals"][primary]
    assert ci["low"] <= metrics["metrics"][primary] <= ci["high"]


def test_interval_by_hand_cases():
    # 3 units, accuracy 2/3; every resample lies in [0, 1] and the interval is seeded
    rows = [("a", "", "all", 1.0, 1.0), ("b", "", "all", 1.0, 1.0), ("c", "", "all", 0.0, 1.0)]
    ci = headline_ci(rows, seed=3)
    assert ci["estimate"] == pytest.approx(2 / 3)
    assert 0.0 <= ci["low"] < 2 / 3 < ci["high"] <= 1.0
    assert headline_ci(rows, seed=3) == ci
    # UAR over classes present: class x recall 1/2, class y recall 1 -> 0.75
    uar = [("a", "", "x", 1.0, 1.0), ("b", "", "x", 0.0, 1.0), ("c", "", "y", 1.0, 1.0)]
    assert headline_estimate(uar) == pytest.approx(0.75)
    # fold mean: fold 1 accuracy 1, fold 2 accuracy 0 -> 0.5 whatever the fold sizes
    folds = [("a", "1", "all", 1.0, 1.0), ("b", "2", "all", 0.0, 1.0), ("c", "2", "all", 0.0, 1.0)]
    assert headline_estimate(folds) == pytest.approx(0.5)
    # F1 as a ratio of sums: TP=1, FP=1, FN=0 -> 2/3; a class with no positives is skipped
    f1 = [("a", "", "AU1", 2.0, 2.0), ("b", "", "AU1", 0.0, 1.0), ("a", "", "AU2", 0.0, 0.0)]
    assert headline_estimate(f1) == pytest.approx(2 / 3)


def test_clustered_units_widen_nothing_when_all_agree():
    rows = [(f"u{i}", "", "all", 1.0, 1.0) for i in range(50)]
    ci = headline_ci(rows)
    assert ci["low"] == ci["high"] == 1.0


def test_paired_comparison_detects_a_real_difference():
    good = [(f"u{i}", "", "all", 1.0 if i % 10 else 0.0, 1.0) for i in range(200)]
    bad = [(f"u{i}", "", "all", 1.0 if i % 2 else 0.0, 1.0) for i in range(200)]
    r = paired_headline(good, bad, seed=1)
    assert r["estimate"] == pytest.approx(0.9 - 0.5)
    assert r["low"] > 0 and r["p_value"] < 0.01
    same = paired_headline(good, good)
    assert same["estimate"] == 0 and same["p_value"] == 1.0


def test_compare_command_on_two_runs(demo_runs):
    r = compare_models(demo_runs / "r0/facebench/rafdb", demo_runs / "r1/facebench/rafdb")
    m0 = json.loads((demo_runs / "r0/facebench/rafdb/metrics.json").read_text())["metrics"]["accuracy"]
    m1 = json.loads((demo_runs / "r1/facebench/rafdb/metrics.json").read_text())["metrics"]["accuracy"]
    assert r["estimate"] == pytest.approx(m0 - m1)
    assert r["low"] <= r["estimate"] <= r["high"] and 0 < r["p_value"] <= 1


def _alone(layout: Layout, seed: int) -> dict:
    """An interval as it was computed before :class:`IntervalPool`: on its own, in this thread,
    with the BLAS defaults, two products per block."""
    n = len(layout.units)
    if not n:
        return {"estimate": None, "low": None, "high": None, "n_units": 0}
    estimate = _estimate(layout)
    if estimate is None or n < 2:
        return {"estimate": estimate, "low": None, "high": None, "n_units": n}
    stats = np.concatenate([_statistic(w @ layout.num, w @ layout.den, layout.col_fold)
                            for w in _weights(np.random.default_rng(seed), n, 1000)])
    stats = stats[~np.isnan(stats)]
    low, high = _interval(stats, 0.95) if stats.size else (None, None)
    return {"estimate": estimate, "low": low, "high": high, "n_units": n}


def test_intervals_computed_together_are_the_intervals_computed_alone():
    rng = random.Random(7)
    accuracy = [(f"u{i // 4}", "", f"k{i % 4}", float(rng.random() < 0.6), 1.0) for i in range(12000)]
    f1_folds = [(f"u{i // 2}", str(i % 3), "all", 2.0 * rng.randint(0, 1), 2.0) for i in range(6000)]
    errors = [(f"u{i // 3}", "", f"k{i % 3}", rng.random() * 7, 1.0) for i in range(9000)]  # MAE-like
    one_unit = [("a", "", "all", 1.0, 1.0)]
    no_denominator = [("a", "", "x", 0.0, 0.0), ("b", "", "x", 0.0, 0.0)]
    layouts = [Layout.of(r) for r in (accuracy, f1_folds, errors, one_unit, no_denominator)]
    assert _exact(layouts[0]) and _exact(layouts[1]) and not _exact(layouts[2])
    group = layouts[0].of_units(np.arange(len(layouts[0].units)) % 3 == 0)
    jobs = [(layout, seed) for seed, layout in enumerate(layouts)] + [(group, 5), (layouts[0], 9)]
    assert layout_cis(jobs) == [_alone(layout, seed) for layout, seed in jobs]


def test_an_interval_pool_leaves_nothing_running_when_the_caller_fails():
    rows = [(f"u{i}", "", "all", float(i % 2), 1.0) for i in range(500)]
    with pytest.raises(RuntimeError), IntervalPool() as pool:
        pool.submit(Layout.of(rows), 0)
        raise RuntimeError("the caller failed")
    assert layout_cis([(Layout.of(rows), 0)]) == [_alone(Layout.of(rows), 0)]


def test_draws_made_before_the_rows_give_the_same_intervals():
    rng = random.Random(3)
    rows = [(f"u{i // 5}", "", f"k{i % 5}", float(rng.random() < 0.4), 1.0) for i in range(10000)]
    whole = Layout.of(rows)
    half = whole.of_units(np.arange(len(whole.units)) % 2 == 1)
    jobs = [(whole, 0), (half, 0), (half, 4)]
    with IntervalPool() as pool:
        for layout, seed in jobs:
            pool.prefetch(len(layout.units), seed)
        pool.prefetch(777, 0)  # a count no layout has: drawn for nothing, harmless
        first = pool.submit(whole, 0)
        pool.settle()  # the other draws are done before their layouts come
        rest = [pool.submit(layout, seed) for layout, seed in jobs[1:]]
    assert [f.result() for f in [first, *rest]] == [_alone(layout, seed) for layout, seed in jobs]
