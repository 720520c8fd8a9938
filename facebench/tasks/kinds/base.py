"""The interface of a scoring kind, and the one rule every kind shares about error rows.

An error row (``Prediction.error`` set: the server was down, the media could not be read, no
response was cached) is not an answer. It is never parsed, never scored and never enters a
metric's denominator: kinds compute their metrics over :meth:`TaskKind.answered`, so a run whose
every request failed reports ``None`` (JSON null), not an accuracy of 0. How an *unparseable*
answer counts stays each kind's rule (wrong for accuracy, excluded and counted for MAE). Every
kind reports ``n_answered``, the answers its metrics stand on; the runner counts ``n_error``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

from facebench.metrics.headline import Row
from facebench.types import Prediction, Sample

if TYPE_CHECKING:
    from facebench.tasks.config import StyleConfig
    from facebench.tasks.task import Item, Task


class TaskKind(ABC):
    """Forms the questions of a sample, scores one parsed answer, aggregates a task's metrics."""

    def items(self, task: Task, sample: Sample, style: StyleConfig) -> list[Item]:
        """The questions asked about one sample.

        ``expand: sample`` -> one question keyed by the sample id. ``expand: per_class`` -> one
        yes/no question per class the sample is annotated for (CelebA attributes, AUs), keyed
        ``<sample id>/<class>``; the sample's target is then a ``{class: bool}`` mapping and a
        class missing from it (e.g. BP4D's 9 = not annotated) is not asked.
        """
        from facebench.tasks.task import Item

        if style.expand == "sample":
            return [Item(key=sample.id, target=sample.target, variables={})]
        labels: dict[str, bool] = sample.target
        return [
            Item(
                key=f"{sample.id}/{cls}",
                target="yes" if labels[cls] else "no",
                variables={
                    "class_key": cls,
                    "class_name": task.display(cls),
                    "class_description": task.config.class_descriptions.get(cls, ""),
                },
            )
            for cls in task.config.classes
            if cls in labels
        ]

    @abstractmethod
    def score(self, task: Task, target: Any, parsed: Any) -> float | None:
        """Per-answer score (1/0 for correct/incorrect, an error for ages...).

        ``parsed`` is None for an unparseable answer; kinds decide how that counts (for
        accuracy it is wrong; for MAE it is excluded and counted in ``n_invalid``).
        """

    @abstractmethod
    def aggregate(self, task: Task, predictions: list[Prediction]) -> dict[str, Any]:
        """The task's metrics from all its predictions, computed over the answered ones only.

        A metric over zero answered predictions is ``None``, never 0 (see the module docstring).
        """

    @staticmethod
    def answered(predictions: list[Prediction]) -> list[Prediction]:
        """The predictions that are answers (no error); the list itself when none is an error.

        Returning the same list object keeps identity-keyed memos (multilabel) working.
        """
        if all(p.error is None for p in predictions):
            return predictions
        return [p for p in predictions if p.error is None]

    def unanswered_fold(self, task: Task, predictions: list[Prediction]) -> bool:
        """True when the whole set, or one fold of it, has no answered prediction.

        A fold-mean metric is then ``None`` (:func:`facebench.metrics.average_folds`), so
        ``headline_rows`` gives no rows: an interval around a number that was not reported
        would be an interval for a different metric (the mean over the other folds).
        """
        if not task.config.fold_key and type(self).fold_of is TaskKind.fold_of:
            # one fold: unanswered unless some prediction is answered (usually the first)
            return not any(p.error is None for p in predictions)
        folds: dict[str, bool] = {}
        for p in predictions:
            fold = self.fold_of(task, p)
            folds[fold] = folds.get(fold, False) or p.error is None
        return not folds or not all(folds.values())

    def headline_rows(self, task: Task, predictions: list[Prediction], metric: str) -> list[Row] | None:
        """The metric as ``(unit, fold, key, numerator, denominator)`` rows, for bootstrap CIs.

        See :mod:`facebench.metrics.headline`. None when the kind cannot express ``metric``
        that way (then no interval is reported, rather than a wrong one). Error rows give no
        row; an empty list means the metric is ``None`` (nothing, or one fold, unanswered).
        """
        return None

    @staticmethod
    def fold_of(task: Task, p: Prediction) -> str:
        key = task.config.fold_key
        return str(p.meta.get(key)) if key else ""

    def floor(self, task: Task, predictions: list[Prediction]) -> dict[str, Any]:
        """Metrics of a constant majority-class predictor on the same targets (a chance floor).

        Computed from the targets of every prediction, error rows included: the floor belongs to
        the evaluated set, not to how many answers one model returned. Empty when the kind has
        no meaningful floor.
        """
        return {}
