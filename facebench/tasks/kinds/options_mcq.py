"""Multiple choice where every question carries its own options (FaceXBench).

The loader puts the question's option texts in the sample meta (``options``, in the released
order) and the correct option's text in the target; the options are shown as A, B, C... and
replace the task's ``classes`` as the parser's answer space (:class:`~facebench.tasks.task.Item`
``options``). ``kind_options``:

- ``group_keys``: sample meta keys to report accuracy by (FaceXBench: ``category``,
  ``sub_category``, ``num_images``, as its ``aggregate_results.py`` does);
- ``rotate``: show the options cyclically shifted by a number drawn per question (seeded by the
  task and the question id; recorded in the request meta as ``rotation``), as Face-Human-Bench's
  ``eval.py`` does; off by default (FaceXBench shows them as released).

Metrics: ``accuracy`` pooled over all questions (FaceXBench's "Total Accuracy"), per group key a
mapping ``accuracy_by_<key>`` and one scalar ``accuracy_<key>_<value>`` per value (pooled within
the group). An unparseable answer is wrong and stays in the denominator (the public scorer's
``None`` never equals the answer); an error row is no answer and is left out. The floor is the
chance level: the mean of 1 / (number of options) over the questions.
"""

from __future__ import annotations

import random
import re
from typing import Any

from facebench.errors import ConfigError
from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction, Sample

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def slug(value: Any) -> str:
    return re.sub(r"\W+", "_", str(value).strip().lower()).strip("_")


def _ratio(hits: float, n: int) -> float | None:
    return hits / n if n else None


class OptionsMCQKind(TaskKind):
    def items(self, task, sample: Sample, style):
        from facebench.tasks.task import Item

        options = [str(o) for o in sample.meta.get("options") or ()]
        if len(options) < 2 or len(options) > len(LETTERS) or sample.target not in options:
            raise ConfigError(
                f"task {task.name}: sample {sample.id} needs 2-26 options in its meta and a "
                f"target among them (got {len(options)} options)"
            )
        variables: dict[str, Any] = {}
        if task.config.kind_options.get("rotate"):
            shift = random.Random(f"{task.name}:{sample.id}").randrange(len(options))
            options = options[shift:] + options[:shift]
            variables["rotation"] = shift
        variables["choices"] = list(zip(LETTERS, options))
        variables["answer_letter"] = LETTERS[options.index(sample.target)]
        return [Item(key=sample.id, target=sample.target, variables=variables, options=tuple(options))]

    def score(self, task, target: Any, parsed: Any) -> float | None:
        return float(parsed is not None and parsed == target)

    @staticmethod
    def hit(p: Prediction) -> float:
        return float(p.valid and p.parsed == p.target)

    @staticmethod
    def chance(p: Prediction) -> float:
        options = p.meta.get("options") or ()
        return 1.0 / len(options) if options else 0.0

    def _groups(self, task) -> list[str]:
        return list(task.config.kind_options.get("group_keys", ()))

    def _pooled(self, task, predictions: list[Prediction], value) -> dict[str, Any]:
        """``accuracy`` and the per-group accuracies of ``value(p)`` (a hit, or the chance)."""
        out: dict[str, Any] = {"accuracy": _ratio(sum(map(value, predictions)), len(predictions))}
        for key in self._groups(task):
            values = sorted({str(p.meta.get(key)) for p in predictions})
            by = {
                v: _ratio(sum(value(p) for p in predictions if str(p.meta.get(key)) == v),
                          sum(1 for p in predictions if str(p.meta.get(key)) == v))
                for v in values
            }
            out[f"accuracy_by_{key}"] = by
            out.update({f"accuracy_{key}_{slug(v)}": a for v, a in by.items()})
        return out

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        answers = self.answered(predictions)
        out = self._pooled(task, answers, self.hit)
        # a group whose every question was an error row keeps its key, with None
        for key in self._groups(task):
            for v in {str(p.meta.get(key)) for p in predictions}:
                out[f"accuracy_by_{key}"].setdefault(v, None)
                out.setdefault(f"accuracy_{key}_{slug(v)}", None)
        out["format_valid_rate"] = _ratio(sum(p.valid for p in answers), len(answers))
        out["n_answered"] = len(answers)
        return out

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        if metric != "accuracy":
            return None
        return [(p.sample_id, "", "all", self.hit(p), 1.0) for p in self.answered(predictions)]

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        if not predictions:
            return {}
        out = self._pooled(task, predictions, self.chance)
        return {k: v for k, v in out.items() if isinstance(v, (int, float))}
