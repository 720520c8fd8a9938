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
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from facebench.metrics.bootstrap import _paired_result, _weights

Row = tuple[str, str, str, float, float]  # unit, fold, key, numerator, denominator


def _units(rows: Sequence[Row]) -> list[str]:
    """The rows' units in order of first appearance (the order resamples index them by)."""
    return list(dict.fromkeys(map(itemgetter(0), rows)))


@dataclass(frozen=True)
class Layout:
    """Headline rows as matrices: ``num`` and ``den`` summed per (unit, column), a column per
    (fold, key) pair, and each column's fold; units, columns and folds are numbered in order of
    first appearance. Each row's unit and column are kept too, so the layout of a subset of
    the units (a fairness slice's group) is cut from this one (:meth:`of_units`) instead of
    being laid out from the rows again."""

    units: list[str]
    num: np.ndarray
    den: np.ndarray
    col_fold: np.ndarray
    row_unit: np.ndarray
    row_col: np.ndarray

    @staticmethod
    def of(rows: Sequence[Row], units: list[str] | None = None) -> Layout:
        """The layout of ``rows``; ``units`` (default: the rows' own) must hold every row's unit."""
        units = _units(rows) if units is None else units
        unit_index = {u: i for i, u in enumerate(units)}
        columns: dict[tuple[str, str], int] = {}
        n = len(rows)
        row_unit = np.fromiter((unit_index[r[0]] for r in rows), dtype=np.int64, count=n)
        row_col = np.fromiter((columns.setdefault((r[1], r[2]), len(columns)) for r in rows),
                              dtype=np.int64, count=n)
        folds = {f: i for i, f in enumerate(dict.fromkeys(f for f, _ in columns))}
        # one flat cell index per row, summed with bincount (per-row numpy item updates were
        # most of the interval's time on a 331,000-row run)
        cell = row_unit * len(columns) + row_col
        size = len(units) * len(columns)
        num = np.bincount(cell, weights=np.fromiter((r[3] for r in rows), dtype=float, count=n),
                          minlength=size).reshape(len(units), len(columns))
        den = np.bincount(cell, weights=np.fromiter((r[4] for r in rows), dtype=float, count=n),
                          minlength=size).reshape(len(units), len(columns))
        col_fold = np.array([folds[f] for f, _ in columns], dtype=int)
        return Layout(units, num, den, col_fold, row_unit, row_col)

    def of_units(self, keep: np.ndarray) -> Layout:
        """The layout of the rows whose unit is kept (``keep``: a boolean per unit), equal to
        :meth:`of` those rows: every cell sums the same rows in the same order, and units,
        columns and folds keep their order of first appearance among those rows."""
        unit_sel = np.flatnonzero(keep)
        rows = keep[self.row_unit]
        col_sel = _first_appearance(self.row_col[rows])
        fold_sel = _first_appearance(self.col_fold[col_sel])
        fold_number = np.empty(self.col_fold.max() + 1 if self.col_fold.size else 0, dtype=int)
        fold_number[fold_sel] = np.arange(len(fold_sel))
        unit_number = np.cumsum(keep) - 1
        col_number = np.empty(self.num.shape[1], dtype=np.int64)
        col_number[col_sel] = np.arange(len(col_sel))
        return Layout(
            [self.units[i] for i in unit_sel],
            self.num[np.ix_(unit_sel, col_sel)],
            self.den[np.ix_(unit_sel, col_sel)],
            fold_number[self.col_fold[col_sel]],
            unit_number[self.row_unit[rows]],
            col_number[self.row_col[rows]],
        )


def _first_appearance(codes: np.ndarray) -> np.ndarray:
    """The distinct values of ``codes`` in order of first appearance."""
    values, first = np.unique(codes, return_index=True)
    return values[np.argsort(first)]


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
    if not rows:
        return None
    return _estimate(Layout.of(rows))


def _estimate(layout: Layout) -> float | None:
    value = _statistic(layout.num.sum(0, keepdims=True), layout.den.sum(0, keepdims=True),
                       layout.col_fold)[0]
    return None if np.isnan(value) else float(value)


def headline_ci(
    rows: Sequence[Row], n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> dict[str, float | int | None]:
    """Percentile bootstrap interval of the headline metric, resampling units."""
    if not rows:
        return {"estimate": None, "low": None, "high": None, "n_units": 0}
    return layout_ci(Layout.of(rows), n_resamples, confidence, seed)


def layout_ci(
    layout: Layout, n_resamples: int = 1000, confidence: float = 0.95, seed: int = 0
) -> dict[str, float | int | None]:
    """:func:`headline_ci` of the rows ``layout`` was made from
    (:mod:`facebench.metrics.intervals` computes it)."""
    from facebench.metrics.intervals import layout_cis

    return layout_cis([(layout, seed)], n_resamples, confidence)[0]


def paired_headline(
    rows_a: Sequence[Row],
    rows_b: Sequence[Row],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float | int | None]:
    """Metric(a) - metric(b) on the units both were evaluated on, same resamples for both."""
    shared = set(r[0] for r in rows_a) & set(r[0] for r in rows_b)
    units = [u for u in _units(rows_a) if u in shared]
    rows_a = [r for r in rows_a if r[0] in shared]
    rows_b = [r for r in rows_b if r[0] in shared]
    a, b = headline_estimate(rows_a), headline_estimate(rows_b)
    if a is None or b is None or len(units) < 2:
        return {"estimate": None, "low": None, "high": None, "p_value": None, "n_units": len(units)}
    layout_a, layout_b = Layout.of(rows_a, units), Layout.of(rows_b, units)
    na, da, fa = layout_a.num, layout_a.den, layout_a.col_fold
    nb, db, fb = layout_b.num, layout_b.den, layout_b.col_fold
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
