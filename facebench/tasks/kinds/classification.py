"""Single-label classification (expression recognition, real/fake, gender...).

One question per sample; the parsed class is compared with the target. An unparseable answer
is a wrong answer (it stays in the denominator) and is counted separately; an error row is no
answer at all and is left out of every metric (``n_answered`` says how many answers there were).
With a ``fold_key`` the metrics are computed per fold and averaged; a fold with no answer makes
the averages ``None`` (:func:`facebench.metrics.average_folds`). ``format_valid_rate`` is the
exception: a share of all answers, pooled over the folds (Face-MLLM Fig. 4), not a fold mean.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from facebench import metrics as M
from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction


class ClassificationKind(TaskKind):
    def score(self, task, target: Any, parsed: Any) -> float | None:
        return float(parsed is not None and parsed == target)

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        labels = list(task.config.classes)
        result = self._metrics(task, predictions, labels)
        fold_key = task.config.fold_key
        if fold_key:
            by_fold: dict[str, list[Prediction]] = {}
            for p in predictions:
                by_fold.setdefault(str(p.meta.get(fold_key)), []).append(p)
            per_fold = {f: self._metrics(task, ps, labels) for f, ps in sorted(by_fold.items())}
            result = M.average_folds(per_fold)
            result["format_valid_rate"] = M.format_valid_rate(
                [p.parsed if p.valid else None for p in self.answered(predictions)]
            )
        return result

    def _metrics(self, task, predictions: list[Prediction], labels: list[str]) -> dict[str, Any]:
        answers = self.answered(predictions)
        y_true = [p.target for p in answers]
        y_pred = [p.parsed if p.valid else None for p in answers]
        wanted = set(task.config.metrics)
        out: dict[str, Any] = {}
        if "accuracy" in wanted:
            out["accuracy"] = M.accuracy(y_true, y_pred)
        if "war" in wanted:
            out["war"] = M.war(y_true, y_pred, labels)
        if "uar" in wanted:
            out["uar"] = M.uar(y_true, y_pred, labels)
        if "per_class_recall" in wanted:
            out["per_class_recall"] = M.per_class_recall(y_true, y_pred, labels)
        if "confusion_matrix" in wanted:
            out["confusion_matrix"] = M.confusion_matrix(y_true, y_pred, labels)
        out["format_valid_rate"] = M.format_valid_rate(y_pred)
        out["n_answered"] = len(answers)
        return out

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        if metric not in ("accuracy", "war", "uar"):
            return None
        if self.unanswered_fold(task, predictions):
            return []
        labels = set(task.config.classes)
        hits = [
            (p.sample_id, self.fold_of(task, p), p.target, float(p.valid and p.parsed == p.target))
            for p in self.answered(predictions)
            if p.target in labels
        ]
        if metric in ("accuracy", "war"):
            return [(u, f, "all", hit, 1.0) for u, f, _, hit in hits]
        if metric == "uar":
            return [(u, f, str(t), hit, 1.0) for u, f, t, hit in hits]
        return None

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        targets = [p.target for p in predictions]
        if not targets:
            return {}
        majority, _ = Counter(targets).most_common(1)[0]
        constant = [
            Prediction(p.id, p.sample_id, "", majority, "floor", p.target, None, None, p.meta)
            for p in predictions
        ]
        floor = self.aggregate(task, constant)
        floor.pop("format_valid_rate", None)
        floor.pop("n_answered", None)
        return {k: v for k, v in floor.items() if isinstance(v, (int, float))}
