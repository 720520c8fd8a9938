"""Action-unit detection: per-AU F1 and mean F1 (DISFA, BP4D, EmotioNet).

Targets and predictions per sample:

* a target is an iterable of the AU codes present (``{1, 12}``), or a mapping
  ``{code: 0/1}`` where ``None`` or ``9`` marks a cell that was not annotated (BP4D): such cells
  are left out of that AU's counts;
* a prediction is an iterable of present codes, or ``None`` when the answer was unparseable.

Invalid predictions count as wrong on **every** AU (never dropped, never read as "no AU"): a
false negative where the AU is present, a false positive where it is absent.

F1 per AU is ``2TP / (2TP + FP + FN)``. When ``2TP + FP + FN = 0`` (no positive target and no
positive prediction, e.g. an AU that never occurs in a fold) F1 is undefined: with
``no_positive="exclude"`` (default) the AU is reported as ``None`` and left out of the mean;
``no_positive="zero"`` reproduces EmoLA's ``get_acc_F1``, which scores F1 = 0 whenever TP = 0.
Either way an AU with no annotated sample at all (nothing was answered) has F1 ``None``: a
score over zero samples is not a score.

Folds (subject-exclusive 3-fold DISFA/BP4D): :func:`au_f1_folds` computes the mean F1 per fold
and reports their average, plus each AU's F1 averaged over folds - the per-fold-then-average
protocol of the AU literature (Face-LLaVA App. F.3). A fold with no sample makes the averages
``None`` (as :func:`facebench.metrics.average_folds`): a mean over fewer folds is another number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

NoPositive = Literal["exclude", "zero"]
_UNANNOTATED = (None, 9)


def _matrices(
    y_true: Sequence[Any], y_pred: Sequence[Iterable[int] | None], codes: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Truth (n, k) in {-1 masked, 0, 1}; prediction (n, k) in {0, 1}, invalid rows wrong."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    col = {int(c): j for j, c in enumerate(codes)}
    n, k = len(y_true), len(codes)
    truth = np.zeros((n, k), dtype=np.int8)
    pred = np.zeros((n, k), dtype=np.int8)
    for i, target in enumerate(y_true):
        if isinstance(target, Mapping):
            for code, value in target.items():
                j = col.get(int(code))
                if j is not None:
                    truth[i, j] = -1 if value in _UNANNOTATED else int(bool(value))
        else:
            for code in target:
                j = col.get(int(code))
                if j is not None:
                    truth[i, j] = 1
    invalid = np.zeros(n, dtype=bool)
    for i, p in enumerate(y_pred):
        if p is None:
            invalid[i] = True
            continue
        for code in p:
            j = col.get(int(code))
            if j is not None:
                pred[i, j] = 1
    pred[invalid] = np.where(truth[invalid] == 1, 0, 1)
    return truth, pred


def per_au_f1(
    y_true: Sequence[Any],
    y_pred: Sequence[Iterable[int] | None],
    codes: Sequence[int],
    no_positive: NoPositive = "exclude",
) -> dict[int, float | None]:
    """F1 of each AU in ``codes`` (rule for undefined F1 in the module docstring)."""
    truth, pred = _matrices(y_true, y_pred, codes)
    annotated = truth >= 0
    tp = ((truth == 1) & (pred == 1)).sum(0)
    fp = ((truth == 0) & (pred == 1) & annotated).sum(0)
    fn = ((truth == 1) & (pred == 0)).sum(0)
    seen = annotated.any(0)
    out: dict[int, float | None] = {}
    for j, code in enumerate(codes):
        denom = 2 * tp[j] + fp[j] + fn[j]
        if not seen[j]:
            out[int(code)] = None
        elif no_positive == "zero" and tp[j] == 0:
            out[int(code)] = 0.0
        else:
            out[int(code)] = float(2 * tp[j] / denom) if denom else None
    return out


def f1_mean(
    y_true: Sequence[Any],
    y_pred: Sequence[Iterable[int] | None],
    codes: Sequence[int],
    no_positive: NoPositive = "exclude",
) -> float | None:
    """Mean of the defined per-AU F1 values; ``None`` if none is defined."""
    return _mean(per_au_f1(y_true, y_pred, codes, no_positive).values())


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def au_f1_folds(
    folds: Mapping[str, tuple[Sequence[Any], Sequence[Iterable[int] | None]]],
    codes: Sequence[int],
    no_positive: NoPositive = "exclude",
) -> dict[str, Any]:
    """Per-fold per-AU F1 and mean F1, their average over folds, and per-AU fold means."""
    per_fold = {}
    for name, (y_true, y_pred) in folds.items():
        per_au = per_au_f1(y_true, y_pred, codes, no_positive)
        per_fold[name] = {"f1_mean": _mean(per_au.values()), "per_au_f1": per_au}
    empty = any(len(y_true) == 0 for y_true, _ in folds.values())
    per_au_mean = {
        int(c): None if empty else _mean(f["per_au_f1"][int(c)] for f in per_fold.values())
        for c in codes
    }
    return {
        "f1_mean": None if empty else _mean(f["f1_mean"] for f in per_fold.values()),
        "per_au_f1": per_au_mean,
        "per_fold": per_fold,
    }
