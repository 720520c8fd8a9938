"""Multi-fold protocols (DFEW 5-fold, DISFA/BP4D 3-fold, Crema-D): per-fold and mean.

The papers report each fold and the unweighted mean over folds (not a pooled metric), so
:func:`average_folds` averages each fold's metrics: numbers are averaged, dicts of numbers
(per-class recall, per-AU F1) are averaged key by key (``None`` entries skipped: a class with
no test sample in a fold has no recall there), confusion matrices are summed, and counts
(keys ``n_*``, such as ``n_answered``) are summed; the folds themselves are kept under
``per_fold``.

A fold with no answered sample (its ``n_answered`` is 0: every request of it failed) makes
every average ``None``: the mean over the remaining folds is a different number from the
protocol's mean over all folds, and reporting it as the task's metric would hide the gap.
Its own metrics stay under ``per_fold`` (all ``None``), next to the folds that have answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _mean(values: list[Any]) -> float | None:
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def average_folds(per_fold: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Mean of each metric over folds, plus ``per_fold`` and ``n_folds`` (rules above)."""
    folds = list(per_fold.values())
    missing = any(f.get("n_answered") == 0 for f in folds)
    out: dict[str, Any] = {}
    keys = [k for k in (folds[0] if folds else {}) if all(k in f for f in folds)]
    for key in keys:
        values = [f[key] for f in folds]
        if key.startswith("n_") and all(_is_number(v) for v in values):
            out[key] = int(sum(values))
        elif all(v is None or _is_number(v) for v in values):
            out[key] = None if missing else _mean(values)
        elif all(isinstance(v, Mapping) and "matrix" in v for v in values):
            total = np.sum([np.asarray(v["matrix"]) for v in values], axis=0)
            out[key] = {**values[0], "matrix": total.astype(int).tolist()}
        elif all(isinstance(v, Mapping) for v in values):
            sub = [k for k in values[0] if all(k in v for v in values)]
            if all(_is_number(v[k]) or v[k] is None for v in values for k in sub):
                out[key] = {k: None if missing else _mean([v[k] for v in values]) for k in sub}
    out["n_folds"] = len(folds)
    out["per_fold"] = {name: dict(m) for name, m in per_fold.items()}
    return out
