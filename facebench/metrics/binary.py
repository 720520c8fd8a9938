"""F1 of per-label binary decisions, for tasks that already resolved every (sample, label).

The multilabel kind turns answers into one yes/no decision per annotated (sample, label),
with invalid answers already made the wrong decision; this computes F1 from those decisions
with the same undefined-F1 rule as :mod:`facebench.metrics.action_units` (no positive target
and no positive prediction -> ``None``, left out of the mean).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def binary_f1(y_true: Sequence[bool], y_pred: Sequence[bool]) -> float | None:
    t = np.asarray(y_true, dtype=bool)
    p = np.asarray(y_pred, dtype=bool)
    tp = int((t & p).sum())
    denom = 2 * tp + int((~t & p).sum()) + int((t & ~p).sum())
    return 2 * tp / denom if denom else None


def per_label_f1(
    decisions: Mapping[str, tuple[Sequence[bool], Sequence[bool]]],
) -> dict[str, float | None]:
    """label -> F1 from ``{label: (y_true, y_pred)}``."""
    return {label: binary_f1(t, p) for label, (t, p) in decisions.items()}


def mean_f1(per_label: Mapping[str, float | None]) -> float | None:
    """Mean of the defined F1 values; ``None`` when none is defined."""
    values = [v for v in per_label.values() if v is not None]
    return float(np.mean(values)) if values else None
