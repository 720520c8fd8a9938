"""Format-valid rate: the share of answers a parser could read (Face-MLLM Fig. 4).

Reported next to every headline metric, per task and per model, because a model that answers
in an unreadable format loses accuracy for a different reason than one that answers wrongly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from typing import Any


def format_valid_rate(y_pred: Sequence[Any]) -> float | None:
    """Share of predictions that are not ``None``; ``None`` when there are none."""
    if not len(y_pred):
        return None
    return sum(p is not None for p in y_pred) / len(y_pred)


def format_valid_by(
    groups: Sequence[Hashable], y_pred: Sequence[Any]
) -> dict[Hashable, float | None]:
    """Format-valid rate per group (e.g. per model, per task, per (model, task) pair)."""
    if len(groups) != len(y_pred):
        raise ValueError("groups and y_pred differ in length")
    buckets: dict[Hashable, list[Any]] = defaultdict(list)
    for g, p in zip(groups, y_pred):
        buckets[g].append(p)
    return {g: format_valid_rate(ps) for g, ps in buckets.items()}
