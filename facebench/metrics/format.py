"""Format-valid rate: the share of answers a parser could read (Face-MLLM Fig. 4).

Reported next to every headline metric, per task and per model, because a model that answers
in an unreadable format loses accuracy for a different reason than one that answers wrongly.

Fig. 4 gives one probability per model: a share of *all* its answers, so a rate over several
tasks (or folds, or questions) is pooled, valid answers over answers, never a mean of rates
(:func:`format_valid_over_results`): a mean over tasks would weigh RAF-DB's 3,068 answers
like LFWA's 275,200. Error rows (no answer from the model) are in neither count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
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


def format_valid_over_results(
    results: Iterable[Mapping[str, Any]],
) -> dict[str, float | int | None]:
    """The format-valid rate over every answer of several tasks' ``metrics.json`` results.

    Each result counts ``n - n_error`` answers, ``n_invalid`` of them unparseable (the counts
    the runner writes for every task); returns ``{"format_valid_rate", "n_answers", "n_valid"}``.
    """
    answers = valid = 0
    for res in results:
        answered = int(res["n"]) - int(res.get("n_error", 0))
        answers += answered
        valid += answered - int(res.get("n_invalid", 0))
    return {
        "format_valid_rate": valid / answers if answers else None,
        "n_answers": answers,
        "n_valid": valid,
    }
