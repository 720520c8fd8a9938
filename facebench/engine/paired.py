"""``facebench compare``: is model A better than model B on a task, beyond resampling noise?

Both models' cached answers are re-scored from their run folders (no model needed) and the
task's headline metric is compared with a paired bootstrap over the samples both answered
(:func:`facebench.metrics.headline.paired_headline`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebench.engine.runner import load_run
from facebench.errors import FacebenchError
from facebench.metrics.headline import paired_headline
from facebench.parsing.context import Mode
from facebench.types import Prediction


def compare_models(
    folder_a: Path, folder_b: Path, seed: int = 0, mode: Mode | None = None
) -> dict[str, Any]:
    """Paired comparison of two task folders (same task, same protocol variant)."""
    run_a, task, preds_a = load_run(Path(folder_a), mode)
    run_b, _, preds_b = load_run(Path(folder_b), mode)
    task_name, model_a, model_b = task.name, run_a["model"], run_b["model"]
    metric = task.config.primary_metric
    rows_a = task.kind.headline_rows(task, preds_a, metric)
    rows_b = task.kind.headline_rows(task, preds_b, metric)
    if rows_a is None or rows_b is None:
        raise FacebenchError(f"task {task_name}: no paired bootstrap for its metric {metric!r}")
    result = paired_headline(rows_a, rows_b, seed=seed)
    return {"task": task_name, "metric": metric, "model_a": model_a, "model_b": model_b,
            "lower_is_better": metric in task.config.lower_is_better, **result,
            "mcnemar": mcnemar(preds_a, preds_b)}


def mcnemar(preds_a: list[Prediction], preds_b: list[Prediction]) -> dict[str, Any] | None:
    """McNemar's exact test on the questions both models answered, each scored right or wrong.

    Counts the discordant pairs (A right and B wrong, and the reverse) and gives the two-sided
    exact binomial p-value of a 50/50 split. None where scores are not 0/1 (MAE, F1 over AUs);
    questions about the same image (CelebA's 40) are taken as independent here, which the
    paired bootstrap beside it does not assume.
    """
    from scipy.stats import binomtest

    b = {p.id: p.score for p in preds_b if p.error is None and p.score is not None}
    pairs = [(p.score, b[p.id]) for p in preds_a if p.error is None and p.score is not None and p.id in b]
    if not pairs or any(x not in (0, 1, 0.0, 1.0) for pair in pairs for x in pair):
        return None
    a_only = sum(1 for x, y in pairs if x == 1 and y == 0)
    b_only = sum(1 for x, y in pairs if x == 0 and y == 1)
    discordant = a_only + b_only
    p_value = binomtest(a_only, discordant, 0.5).pvalue if discordant else 1.0
    return {"n_pairs": len(pairs), "a_right_b_wrong": a_only, "a_wrong_b_right": b_only,
            "p_value": float(p_value)}
