"""Headline-metric intervals: the rows reproduce every task's reported metric exactly; intervals
and paired comparisons behave as a bootstrap must."""

from __future__ import annotations

import json

import pytest

from facebench.engine.paired import compare_models
from facebench.engine.runner import load_run
from facebench.metrics.headline import headline_ci, headline_estimate, paired_headline
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
