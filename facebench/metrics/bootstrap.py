"""Bootstrap confidence intervals and paired model comparison.

* :func:`bootstrap_ci` - for metrics that are a mean of per-sample scores (accuracy = mean of
  0/1 correctness, MAE = mean of absolute errors, mAcc over per-question scores...). Fully
  vectorised: resample *counts* are drawn as multinomials in blocks, so 1,000 resamples of
  300,000 samples need no (1000 x 300000) index matrix.
* :func:`bootstrap_metric` - any metric function of (y_true, y_pred) such as UAR or mean F1;
  resamples indices and calls the function per resample.
* :func:`paired_bootstrap` / :func:`paired_bootstrap_metric` - two models on the *same*
  samples; each resample uses the same indices for both, so the difference's CI reflects
  only how the models differ. The two-sided p-value is ``2 * min(P(d* <= 0), P(d* >= 0))``
  with the usual +1 smoothing, capped at 1.

All take ``seed`` (default 0) and return plain dicts: ``estimate``, ``low``, ``high`` (and
``p_value`` for comparisons). Percentile intervals at ``confidence`` (default 0.95).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

_BLOCK = 4_000_000  # resample cells per block (memory bound)


def _weights(rng: np.random.Generator, n: int, n_resamples: int, block: int = _BLOCK) -> Any:
    """Blocks of resample count matrices (rows sum to n), about ``block`` cells each. The
    rows are the same whatever the block size (the generator draws them one after another);
    what a block's product is can depend on its shape where the sums round."""
    rows = max(1, block // max(n, 1))
    done = 0
    p = np.full(n, 1.0 / n)
    while done < n_resamples:
        b = min(rows, n_resamples - done)
        yield rng.multinomial(n, p, size=b)
        done += b


def _interval(stats: np.ndarray, confidence: float) -> tuple[float, float]:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    return float(low), float(high)


def _resampled_means(
    columns: np.ndarray, n_resamples: int, seed: int
) -> np.ndarray:
    """Means of each column of ``columns`` (n, m) under the same resamples -> (B, m)."""
    rng = np.random.default_rng(seed)
    n = columns.shape[0]
    out = [w @ columns / n for w in _weights(rng, n, n_resamples)]
    return np.concatenate(out, axis=0)


def bootstrap_ci(
    scores: Sequence[float],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float | None]:
    """CI of the mean of per-sample ``scores`` (invalid samples must already be scored)."""
    x = np.asarray(scores, dtype=float)
    if x.size == 0:
        return {"estimate": None, "low": None, "high": None}
    stats = _resampled_means(x[:, None], n_resamples, seed)[:, 0]
    low, high = _interval(stats, confidence)
    return {"estimate": float(x.mean()), "low": low, "high": high}


def paired_bootstrap(
    scores_a: Sequence[float],
    scores_b: Sequence[float],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float | None]:
    """Mean(a) - mean(b) with its CI and two-sided p-value, same resamples for both."""
    a, b = np.asarray(scores_a, dtype=float), np.asarray(scores_b, dtype=float)
    if a.shape != b.shape:
        raise ValueError("paired scores must have the same length")
    if a.size == 0:
        return {"estimate": None, "low": None, "high": None, "p_value": None}
    stats = _resampled_means(np.stack([a, b], axis=1), n_resamples, seed)
    return _paired_result(float(a.mean() - b.mean()), stats[:, 0] - stats[:, 1], confidence)


def _paired_result(diff: float, d: np.ndarray, confidence: float) -> dict[str, float | None]:
    low, high = _interval(d, confidence)
    n = d.size
    p = 2 * min((np.sum(d <= 0) + 1) / (n + 1), (np.sum(d >= 0) + 1) / (n + 1))
    return {"estimate": diff, "low": low, "high": high, "p_value": float(min(1.0, p))}


MetricFn = Callable[[Sequence[Any], Sequence[Any]], float | None]


def _indices(n: int, n_resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(n_resamples, n))


def bootstrap_metric(
    metric: MetricFn,
    y_true: Sequence[Any],
    y_pred: Sequence[Any],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float | None]:
    """CI of any ``metric(y_true, y_pred)``; resamples where it is ``None`` are skipped."""
    estimate = metric(y_true, y_pred)
    if not len(y_true):
        return {"estimate": estimate, "low": None, "high": None}
    t, p = list(y_true), list(y_pred)
    stats = []
    for idx in _indices(len(t), n_resamples, seed):
        v = metric([t[i] for i in idx], [p[i] for i in idx])
        if v is not None:
            stats.append(v)
    if not stats:
        return {"estimate": estimate, "low": None, "high": None}
    low, high = _interval(np.asarray(stats, dtype=float), confidence)
    return {"estimate": estimate, "low": low, "high": high}


def paired_bootstrap_metric(
    metric: MetricFn,
    y_true: Sequence[Any],
    pred_a: Sequence[Any],
    pred_b: Sequence[Any],
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float | None]:
    """metric(a) - metric(b) on shared resamples, with CI and two-sided p-value."""
    if not len(y_true) == len(pred_a) == len(pred_b):
        raise ValueError("y_true, pred_a and pred_b differ in length")
    ma, mb = metric(y_true, pred_a), metric(y_true, pred_b)
    if ma is None or mb is None:
        return {"estimate": None, "low": None, "high": None, "p_value": None}
    t, a, b = list(y_true), list(pred_a), list(pred_b)
    diffs = []
    for idx in _indices(len(t), n_resamples, seed):
        ts = [t[i] for i in idx]
        va, vb = metric(ts, [a[i] for i in idx]), metric(ts, [b[i] for i in idx])
        if va is not None and vb is not None:
            diffs.append(va - vb)
    if not diffs:
        return {"estimate": ma - mb, "low": None, "high": None, "p_value": None}
    return _paired_result(ma - mb, np.asarray(diffs, dtype=float), confidence)
