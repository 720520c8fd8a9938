"""The interface of a scoring kind."""

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
        """The task's metrics from all its predictions (error rows included, as invalid)."""

    def headline_rows(self, task: Task, predictions: list[Prediction], metric: str) -> list[Row] | None:
        """The metric as ``(unit, fold, key, numerator, denominator)`` rows, for bootstrap CIs.

        See :mod:`facebench.metrics.headline`. None when the kind cannot express ``metric``
        that way (then no interval is reported, rather than a wrong one).
        """
        return None

    @staticmethod
    def fold_of(task: Task, p: Prediction) -> str:
        key = task.config.fold_key
        return str(p.meta.get(key)) if key else ""

    def floor(self, task: Task, predictions: list[Prediction]) -> dict[str, Any]:
        """Metrics of a constant majority-class predictor on the same targets (a chance floor).

        Empty when the kind has no meaningful floor.
        """
        return {}
