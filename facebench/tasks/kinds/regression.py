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
"""

from __future__ import annotations

import statistics
from typing import Any

from facebench import metrics as M
from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction


class RegressionKind(TaskKind):
    def score(self, task, target: Any, parsed: Any) -> float | None:
        """The absolute error of a valid answer; None for an invalid one (not a zero error)."""
        if parsed is None or isinstance(parsed, bool) or not isinstance(parsed, (int, float)):
            return None
        return abs(float(parsed) - float(target))

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        answers = self.answered(predictions)
        out = M.mae_report([float(p.target) for p in answers], [self._value(p) for p in answers])
        out["n_answered"] = len(answers)
        return out

    @staticmethod
    def _value(p: Prediction) -> float | None:
        if not p.valid or isinstance(p.parsed, bool) or not isinstance(p.parsed, (int, float)):
            return None
        return float(p.parsed)

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        if metric != "mae":
            return None
        if self.unanswered_fold(task, predictions):
            return []
        return [
            (p.sample_id, self.fold_of(task, p), "all", abs(v - float(p.target)), 1.0)
            for p in predictions
            if (v := self._value(p)) is not None
        ]

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        targets = [float(p.target) for p in predictions]
        if not targets:
            return {}
        median = statistics.median(targets)
        return {"mae": sum(abs(t - median) for t in targets) / len(targets)}
