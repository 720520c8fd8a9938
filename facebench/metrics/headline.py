"""Bootstrap intervals for a task's headline metric, and paired comparison of two models.

Every headline metric of the two papers is a *mean over folds of a mean over keys of a ratio
of sums*: accuracy (one key, correct / answered), UAR (key = true class), mAcc (key =
attribute), mean F1 (key = AU, 2TP / (2TP + FP + FN)), MAE (abs. error / valid answers),
Table 4's mean accuracy (key = category), each optionally averaged over folds. So a kind
describes its headline metric as rows ``(unit, fold, key, numerator, denominator)`` and one
vectorised routine resamples *units* (the dataset's samples: an image with its 40 attribute
questions, a video with its chunks) as multinomial counts, so the interval respects the
clustering of questions within a sample. A key whose denominator is 0 in a resample is left
out of that resample's mean, as the metric itself leaves out an absent class or an AU with no
positives.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from facebench.metrics.bootstrap import _interval, _paired_result, _weights

Row = tuple[str, str, str, float, float]  # unit, fold, key, numerator, denominator


def _layout(rows: Sequence[Row], units: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(num, den) matrices of shape (units, fold-key columns) and each column's fold index."""
    unit_index = {u: i for i, u in enumerate(units)}
    columns: dict[tuple[str, str], int] = {}
    for _, fold, key, _, _ in rows:
        columns.setdefault((fold, key), len(columns))
    folds = {f: i for i, f in enumerate(dict.fromkeys(f for f, _ in columns))}
    n = len(rows)
    # one flat cell index per row, summed with bincount (per-row numpy item updates were most
    # of the interval's time on a 331,000-row run)
    cell = np.fromiter((unit_index[r[0]] * len(columns) + columns[(r[1], r[2])] for r in rows),
                       dtype=np.int64, count=n)
    size = len(units) * len(columns)
    num = np.bincount(cell, weights=np.fromiter((r[3] for r in rows), dtype=float, count=n),
                      minlength=size).reshape(len(units), len(columns))
    den = np.bincount(cell, weights=np.fromiter((r[4] for r in rows), dtype=float, count=n),
                      minlength=size).reshape(len(units), len(columns))
    col_fold = np.array([folds[f] for f, _ in columns], dtype=int)
    return num, den, col_fold


def _statistic(num: np.ndarray, den: np.ndarray, col_fold: np.ndarray) -> np.ndarray:
    """Mean over folds of the mean over keys of num/den, row-wise (B resamples)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    per_fold = []
    for f in range(col_fold.max() + 1 if col_fold.size else 0):
        block = ratio[:, col_fold == f]
        defined = ~np.isnan(block)
        count = defined.sum(axis=1)
        total = np.where(defined, block, 0).sum(axis=1)
        per_fold.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
    stacked = np.stack(per_fold, axis=1)
    defined = ~np.isnan(stacked)
    count = defined.sum(axis=1)
    return np.where(count > 0, np.where(defined, stacked, 0).sum(axis=1) / np.maximum(count, 1), np.nan)


def headline_estimate(rows: Sequence[Row]) -> float | None:
    """The metric itself from its rows (equals the task's reported value)."""
    units = list(dict.fromkeys(r[0] for r in rows))
    if not units:
        return None
    num, den, col_fold = _layout(rows, units)
    value = _statistic(num.sum(0, keepdims=True), den.sum(0, keepdims=True), col_fold)[0]
    return None if np.isnan(value) else float(value)


def headline_ci(
    rows: Sequence[Row], n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> dict[str, float | int | None]:
    """Percentile bootstrap interval of the headline metric, resampling units."""
    units = list(dict.fromkeys(r[0] for r in rows))
    if not units:
        return {"estimate": None, "low": None, "high": None, "n_units": 0}
    num, den, col_fold = _layout(rows, units)
    value = _statistic(num.sum(0, keepdims=True), den.sum(0, keepdims=True), col_fold)[0]
    estimate = None if np.isnan(value) else float(value)
    if estimate is None or len(units) < 2:
        return {"estimate": estimate, "low": None, "high": None, "n_units": len(units)}
    stats = np.concatenate(
        [_statistic(w @ num, w @ den, col_fold) for w in _weights(np.random.default_rng(seed), len(units), n_resamples)]
    )
    stats = stats[~np.isnan(stats)]
    low, high = _interval(stats, confidence) if stats.size else (None, None)
    return {"estimate": estimate, "low": low, "high": high, "n_units": len(units)}


def paired_headline(
    rows_a: Sequence[Row],
    rows_b: Sequence[Row],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float | int | None]:
    """Metric(a) - metric(b) on the units both were evaluated on, same resamples for both."""
    shared = set(r[0] for r in rows_a) & set(r[0] for r in rows_b)
    units = [u for u in dict.fromkeys(r[0] for r in rows_a) if u in shared]
    rows_a = [r for r in rows_a if r[0] in shared]
    rows_b = [r for r in rows_b if r[0] in shared]
    a, b = headline_estimate(rows_a), headline_estimate(rows_b)
    if a is None or b is None or len(units) < 2:
        return {"estimate": None, "low": None, "high": None, "p_value": None, "n_units": len(units)}
    na, da, fa = _layout(rows_a, units)
    nb, db, fb = _layout(rows_b, units)
    diffs = np.concatenate(
        [
            _statistic(w @ na, w @ da, fa) - _statistic(w @ nb, w @ db, fb)
            for w in _weights(np.random.default_rng(seed), len(units), n_resamples)
        ]
    )
    diffs = diffs[~np.isnan(diffs)]
    if not diffs.size:  # no resample defined the metric for both: a difference, no interval
        return {"estimate": a - b, "low": None, "high": None, "p_value": None,
                "n_units": len(units)}
    return {**_paired_result(a - b, diffs, confidence), "n_units": len(units)}
