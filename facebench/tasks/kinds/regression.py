"""Regression of a number per sample (age estimation on AgeDB, UTKFace, MORPH II).

One question per sample; the parser gives a number or nothing. An unparseable answer cannot be
"wrong by some amount" without inventing an age, so it is **excluded from the MAE and counted**:
the metrics are ``mae`` (over the valid answers), ``n_valid``, ``n_invalid`` and
``format_valid_rate``, always reported together so a model that refuses hard faces cannot
look better unnoticed. (``facebench.metrics.mae`` also offers imputing policies; the task
reports the one that invents nothing.) An error row is no answer at all: it is in none of these
counts but the runner's ``n_error``; ``n_answered`` = ``n_valid`` + ``n_invalid``, and with no
valid answer ``mae`` is ``None``.

The floor is the MAE of always answering the median target age of the evaluated samples: the
best constant predictor under absolute error.

``kind_options: {integer_ages: truncate | round}`` scores the *integer* part of each answer, for
protocols whose paper reports "the mean absolute error between the ground truth and the predicted
integer ages" (Face-LLaVA App. F.3): ``truncate`` drops the fraction (27.5 -> 27, what a digit
regex such as ``\\d+`` reads from "27.5"), ``round`` rounds half up (27.5 -> 28). The parsed value
in ``predictions.jsonl`` stays as read; only the error uses the integer. Unset: the value as read.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any

from facebench import metrics as M
from facebench.errors import ConfigError
from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction

#: ``kind_options.integer_ages`` -> how a parsed age becomes an integer
INTEGER_AGES: dict[str, Callable[[float], int]] = {
    "truncate": math.trunc,
    "round": lambda v: math.floor(v + 0.5),
}


def _as_age(task, value: Any) -> float | None:
    """A valid parsed number under the task's ``integer_ages`` rule; None when not a number."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    rule = task.config.kind_options.get("integer_ages")
    if rule is None:
        return float(value)
    if rule not in INTEGER_AGES:
        raise ConfigError(
            f"task {task.name}: kind_options.integer_ages must be one of "
            f"{', '.join(INTEGER_AGES)}, not {rule!r}"
        )
    return float(INTEGER_AGES[rule](float(value)))


class RegressionKind(TaskKind):
    def score(self, task, target: Any, parsed: Any) -> float | None:
        """The absolute error of a valid answer; None for an invalid one (not a zero error)."""
        value = _as_age(task, parsed)
        return None if value is None else abs(value - float(target))

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        answers = self.answered(predictions)
        values = [self._value(task, p) for p in answers]
        out = M.mae_report([float(p.target) for p in answers], values)
        out["n_answered"] = len(answers)
        return out

    @staticmethod
    def _value(task, p: Prediction) -> float | None:
        return _as_age(task, p.parsed) if p.valid else None

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        if metric != "mae":
            return None
        if self.unanswered_fold(task, predictions):
            return []
        return [
            (p.sample_id, self.fold_of(task, p), "all", abs(v - float(p.target)), 1.0)
            for p in predictions
            if (v := self._value(task, p)) is not None
        ]

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        targets = [float(p.target) for p in predictions]
        if not targets:
            return {}
        median = statistics.median(targets)
        return {"mae": sum(abs(t - median) for t in targets) / len(targets)}
