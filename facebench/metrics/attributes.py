"""Attribute recognition (CelebA, LFWA): per-attribute accuracy and their mean (mAcc).

Two shapes of input, one rule: ``None`` predictions count as wrong and stay in the
denominator.

* :func:`per_attribute_accuracy`: one prediction per *image* (a description parsed into the
  set of attributes present). A target is a mapping ``{attribute: bool}`` (or ``-1/1`` as in
  ``list_attr_celeba.txt``) or the iterable of present attributes; a prediction is the
  iterable of present attributes, or ``None`` (wrong on all 40 attributes).
* :func:`grouped_accuracy`: one yes/no *question* per (image, attribute) (Face-MLLM's LFWA);
  ``groups`` names the attribute of each question.

mAcc is the unweighted mean of the per-attribute accuracies (CelebA/LFWA convention).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np


def _present(target: Any, attributes: Sequence[str]) -> set[str]:
    if isinstance(target, Mapping):
        return {a for a in attributes if a in target and target[a] not in (None, False, 0, -1)}
    return set(target) & set(attributes)


def per_attribute_accuracy(
    y_true: Sequence[Any], y_pred: Sequence[Iterable[str] | None], attributes: Sequence[str]
) -> dict[str, float | None]:
    """Accuracy of each attribute over images (rules in the module docstring)."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    if not y_true:
        return {a: None for a in attributes}
    col = {a: j for j, a in enumerate(attributes)}
    n, k = len(y_true), len(attributes)
    correct = np.zeros((n, k), dtype=bool)
    for i, (t, p) in enumerate(zip(y_true, y_pred)):
        if p is None:
            continue
        truth = np.zeros(k, dtype=bool)
        guess = np.zeros(k, dtype=bool)
        truth[[col[a] for a in _present(t, attributes)]] = True
        guess[[col[a] for a in set(p) if a in col]] = True
        correct[i] = truth == guess
    return {a: float(correct[:, j].mean()) for j, a in enumerate(attributes)}


def grouped_accuracy(
    groups: Sequence[Hashable], y_true: Sequence[Any], y_pred: Sequence[Any]
) -> dict[Hashable, float]:
    """Accuracy per group of questions (e.g. per attribute); ``None`` predictions are wrong."""
    if not len(groups) == len(y_true) == len(y_pred):
        raise ValueError("groups, y_true and y_pred differ in length")
    hits: dict[Hashable, list[bool]] = defaultdict(list)
    for g, t, p in zip(groups, y_true, y_pred):
        hits[g].append(p is not None and p == t)
    return {g: float(np.mean(h)) for g, h in hits.items()}


def mean_accuracy(per_attribute: Mapping[Any, float | None]) -> float | None:
    """mAcc: the unweighted mean of the per-attribute accuracies (``None`` entries skipped)."""
    vals = [v for v in per_attribute.values() if v is not None]
    return float(np.mean(vals)) if vals else None
