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
            "lower_is_better": metric in task.config.lower_is_better, **result}
