"""Single-label classification metrics: accuracy, per-class recall, UAR, WAR, confusion matrix.

Invalid predictions (``None``: unparseable answers) **count as wrong and are never dropped**:
they stay in every denominator. In the confusion matrix they get their own last column,
``invalid``, so a reader sees how many answers of each true class could not be read. A
prediction that is not one of ``labels`` is also wrong and lands in ``invalid``. Error rows
(failed model calls) are not predictions and are never passed here (the scoring kinds drop
them); with no sample every rate is ``None``.

UAR is the unweighted mean of per-class recall over the labels that occur in ``y_true``
(a class with no test sample has no recall; averaging a 0 for it would punish the model for
the test set's composition). WAR is recall weighted by support, i.e. accuracy over samples
whose target is in ``labels`` (DFEW/Crema-D convention, Face-LLaVA App. F.3).
The arithmetic is scikit-learn's (``confusion_matrix``, ``recall_score``) on integer codes,
imported when first needed: importing scikit-learn takes ~2 s, which every ``facebench``
command would otherwise pay (``facebench score`` of a CelebA run never needs it).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

INVALID = "invalid"


def accuracy(y_true: Sequence[Any], y_pred: Sequence[Any]) -> float | None:
    """Share of predictions equal to the target; ``None`` predictions are wrong.

    Works for any comparable values (class names, tuples of AUs, yes/no). ``None`` when empty.
    """
    _check(y_true, y_pred)
    if not len(y_true):
        return None
    return float(np.mean([p is not None and p == t for t, p in zip(y_true, y_pred)]))


def _check(y_true: Sequence[Any], y_pred: Sequence[Any]) -> None:
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")


def _encode(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable | None], labels: Sequence[Hashable]
) -> tuple[np.ndarray, np.ndarray]:
    """Targets and predictions as label indices; index ``len(labels)`` means invalid."""
    _check(y_true, y_pred)
    index = {label: i for i, label in enumerate(labels)}
    unknown = [t for t in y_true if t not in index]
    if unknown:
        raise ValueError(f"targets not in labels: {sorted(set(map(str, unknown)))[:5]}")
    invalid = len(labels)
    t = np.fromiter((index[v] for v in y_true), dtype=np.int64, count=len(y_true))
    p = np.fromiter(
        (index.get(v, invalid) if v is not None else invalid for v in y_pred),
        dtype=np.int64,
        count=len(y_pred),
    )
    return t, p


def confusion_matrix(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable | None], labels: Sequence[Hashable]
) -> dict[str, Any]:
    """Counts with rows = true labels (in ``labels`` order), columns = labels + ``invalid``."""
    from sklearn.metrics import confusion_matrix as _sk_confusion

    t, p = _encode(y_true, y_pred, labels)
    k = len(labels)
    matrix = _sk_confusion(t, p, labels=list(range(k + 1)))[:k] if len(t) else np.zeros((k, k + 1))
    return {
        "labels": list(labels),
        "columns": [*labels, INVALID],
        "matrix": matrix.astype(int).tolist(),
    }


def per_class_recall(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable | None], labels: Sequence[Hashable]
) -> dict[Hashable, float | None]:
    """Recall of each label; ``None`` for a label with no sample in ``y_true``."""
    t, p = _encode(y_true, y_pred, labels)
    out: dict[Hashable, float | None] = {}
    for i, label in enumerate(labels):
        mask = t == i
        out[label] = float(np.mean(p[mask] == i)) if mask.any() else None
    return out


def _recall(y_true, y_pred, labels, average: str) -> float | None:
    from sklearn.metrics import recall_score

    t, p = _encode(y_true, y_pred, labels)
    present = sorted(set(t.tolist()))
    if not present:
        return None
    return float(recall_score(t, p, labels=present, average=average, zero_division=0))


def uar(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable | None], labels: Sequence[Hashable]
) -> float | None:
    """Unweighted average recall (macro recall over labels present in ``y_true``)."""
    return _recall(y_true, y_pred, labels, "macro")


def war(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable | None], labels: Sequence[Hashable]
) -> float | None:
    """Weighted average recall (support-weighted; equals accuracy over these samples)."""
    return _recall(y_true, y_pred, labels, "weighted")
