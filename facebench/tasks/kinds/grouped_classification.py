"""Classification reported per group of questions and as the mean over groups.

For question sets whose categories have their own answer options (the Face-MLLM zero-shot
attributes: eyelid type, eye shape, nose shape, lip shape; Table 4 reports accuracy per
category and their mean). ``kind_options.group_key`` names the sample meta key that holds the
group (``category``). Metrics:

- ``accuracy``: over all questions;
- ``accuracy_<group>`` (one scalar per group, spaces as ``_``) and ``per_group_accuracy``;
- ``mean_accuracy``: the unweighted mean of the group accuracies (Table 4's "Mean accuracy").

An unparseable answer is wrong and stays in the denominator; an error row is no answer and is
left out (``n_answered`` counts the answers). A group none of whose questions was answered has
accuracy ``None`` (its key stays) and is left out of ``mean_accuracy``, as the bootstrap rows
leave it out; with no answer at all every metric is ``None``. The floor answers every question
with its group's majority label.

When the samples carry their own option list (meta ``options``), every label and option must be
one of the task's ``classes``, since the parser reads answers against those; a manifest that
uses other labels is refused with the sample's line, rather than scored as unparseable.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from facebench import metrics as M
from facebench.errors import ConfigError
from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction, Sample


class GroupedClassificationKind(TaskKind):
    def items(self, task, sample: Sample, style):
        known = set(task.config.classes)
        unknown = [v for v in [sample.target, *sample.meta.get("options", ())] if v not in known]
        if unknown:
            where = f" (manifest line {sample.meta['line']})" if "line" in sample.meta else ""
            raise ConfigError(
                f"task {task.name}: sample {sample.id}{where} uses label(s) "
                f"{', '.join(map(repr, dict.fromkeys(unknown)))} that are not among the task's "
                "classes; add them to `classes` in a copy of the task YAML and run that file"
            )
        return super().items(task, sample, style)

    def score(self, task, target: Any, parsed: Any) -> float | None:
        return float(parsed is not None and parsed == target)

    @staticmethod
    def _group(task, p: Prediction) -> str:
        return str(p.meta.get(task.config.kind_options.get("group_key", "group"), ""))

    @staticmethod
    def slug(group: str) -> str:
        return re.sub(r"\W+", "_", group.strip().lower()).strip("_")

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        answers = self.answered(predictions)
        groups = [self._group(task, p) for p in answers]
        y_true = [p.target for p in answers]
        y_pred = [p.parsed if p.valid else None for p in answers]
        scored = M.grouped_accuracy(groups, y_true, y_pred)
        per_group = {g: scored.get(g) for g in sorted({self._group(task, p) for p in predictions})}
        out: dict[str, Any] = {"accuracy": M.accuracy(y_true, y_pred)}
        out.update({f"accuracy_{self.slug(g)}": v for g, v in per_group.items()})
        out["mean_accuracy"] = M.mean_accuracy(per_group)
        out["per_group_accuracy"] = per_group
        out["format_valid_rate"] = M.format_valid_rate(y_pred)
        out["n_answered"] = len(answers)
        return out

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        if metric not in ("accuracy", "mean_accuracy"):
            return None
        return [
            (
                p.sample_id,
                "",
                "all" if metric == "accuracy" else self._group(task, p),
                float(p.valid and p.parsed == p.target),
                1.0,
            )
            for p in self.answered(predictions)
        ]

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        by_group: dict[str, list[Any]] = {}
        for p in predictions:
            by_group.setdefault(self._group(task, p), []).append(p.target)
        if not by_group:
            return {}
        per_group = {g: Counter(t).most_common(1)[0][1] / len(t) for g, t in sorted(by_group.items())}
        total = sum(len(t) for t in by_group.values())
        out: dict[str, Any] = {"accuracy": sum(per_group[g] * len(t) for g, t in by_group.items()) / total}
        out.update({f"accuracy_{self.slug(g)}": v for g, v in per_group.items()})
        out["mean_accuracy"] = sum(per_group.values()) / len(per_group)
        return out
