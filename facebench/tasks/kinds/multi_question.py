"""Several different questions about each sample, each with its own prompt, parser and metrics.

Face-MLLM asks two things about every AgeDB image: the age (a number, MAE) and whether the
person is female (yes/no, accuracy). One task, one dataset pass, two scorings. Each question is
declared in ``kind_options.questions``::

    questions:
      age:                         # question name: prefix of its metrics (age_mae)
        target: age                # key of the sample's target dict
        kind: regression           # the scoring kind of this question
        metrics: [mae]
        styles: {qa: age_qa, open: age_open}   # run style -> this question's style
      gender:
        target: gender
        target_map: {female: "yes", male: "no"}   # dataset value -> answer value
        kind: classification
        classes: ["yes", "no"]
        metrics: [accuracy]
        styles: {qa: gender_qa}

A question's style is an ordinary entry of the task's ``styles`` (template + parser), so it can
also be run alone (``--prompt gender_qa`` asks only the gender question). A run style that is
not itself a question's style asks each question in the question's own style (``Item.style``):
its template, parser and answer space. A question with no style for the run style is not asked.

The question's metrics are those of its kind, computed on its own predictions and prefixed
with its name (``age_mae``, ``age_n_invalid``, ``gender_accuracy``), and likewise its floor.
Error rows are left out by each question's kind, as everywhere (``age_n_answered``); the task's
own ``format_valid_rate`` and ``n_answered`` are over the answers of all questions.
Items are keyed ``<sample id>/<question>`` and their target is ``{"question", "value"}``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from facebench.errors import ConfigError
from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction, Sample


class QuestionConfig(BaseModel):
    """One question of a ``multi_question`` task (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    target: str
    kind: str
    styles: dict[str, str]
    metrics: list[str]
    classes: list[str] = Field(default_factory=list)
    target_map: dict[str, Any] = Field(default_factory=dict)
    kind_options: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class _Question:
    name: str
    config: QuestionConfig
    task: Any  # a Task view with this question's kind, classes and metrics
    kind: TaskKind


class MultiQuestionKind(TaskKind):
    def __init__(self) -> None:
        self._cache: dict[int, dict[str, _Question]] = {}

    def questions(self, task) -> dict[str, _Question]:
        """The declared questions, each with a task view its own kind scores against."""
        cached = self._cache.get(id(task))
        if cached is not None:
            return cached
        from facebench.tasks.kinds import get_kind
        from facebench.tasks.task import Task

        raw = task.config.kind_options.get("questions")
        if not isinstance(raw, dict) or not raw:
            raise ConfigError(f"task {task.name}: kind multi_question needs kind_options.questions")
        out = {}
        for name, spec in raw.items():
            try:
                q = QuestionConfig.model_validate(spec)
            except ValidationError as exc:
                raise ConfigError(f"task {task.name}: question {name!r}: {exc}") from exc
            for style in q.styles.values():
                if style not in task.config.styles:
                    raise ConfigError(
                        f"task {task.name}: question {name!r} uses style {style!r}, "
                        f"which is not one of the task's styles"
                    )
            view = task.config.model_copy(
                update={
                    "kind": q.kind,
                    "classes": q.classes,
                    "metrics": q.metrics,
                    "kind_options": q.kind_options,
                }
            )
            out[name] = _Question(name, q, Task(view, task.source), get_kind(q.kind))
        self._cache[id(task)] = out
        return out

    def items(self, task, sample: Sample, style):
        from facebench.tasks.task import Item

        run_style = next(n for n, s in task.config.styles.items() if s is style)
        items = []
        for name, q in self.questions(task).items():
            if run_style in q.config.styles:
                sub_style = q.config.styles[run_style]
            elif run_style in q.config.styles.values():
                sub_style = run_style
            else:
                continue
            value = sample.target.get(q.config.target) if isinstance(sample.target, dict) else None
            if value is None:
                continue  # not annotated for this sample
            value = q.config.target_map.get(str(value), value)
            items.append(
                Item(
                    key=f"{sample.id}/{name}",
                    target={"question": name, "value": value},
                    variables={"question": name},
                    # asked with the question's own template, parser and answer space
                    style=sub_style,
                )
            )
        return items

    def score(self, task, target: Any, parsed: Any) -> float | None:
        q = self.questions(task)[target["question"]]
        return q.kind.score(q.task, target["value"], parsed)

    def _split(self, task, predictions: list[Prediction]) -> dict[str, list[Prediction]]:
        by_q: dict[str, list[Prediction]] = {name: [] for name in self.questions(task)}
        for p in predictions:
            by_q[p.target["question"]].append(replace(p, target=p.target["value"]))
        return by_q

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, preds in self._split(task, predictions).items():
            if not preds:
                continue
            q = self.questions(task)[name]
            out.update({f"{name}_{k}": v for k, v in q.kind.aggregate(q.task, preds).items()})
        valid = [p.valid for p in self.answered(predictions)]
        out["format_valid_rate"] = sum(valid) / len(valid) if valid else None
        out["n_answered"] = len(valid)
        return out

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        """``age_mae`` -> the ``mae`` rows of the ``age`` question."""
        for name, preds in self._split(task, predictions).items():
            if metric.startswith(f"{name}_"):
                q = self.questions(task)[name]
                return q.kind.headline_rows(q.task, preds, metric[len(name) + 1 :])
        return None

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, preds in self._split(task, predictions).items():
            if preds:
                q = self.questions(task)[name]
                out.update({f"{name}_{k}": v for k, v in q.kind.floor(q.task, preds).items()})
        return out
