"""Multi-label detection: facial attributes (CelebA, LFWA) and action units (DISFA, BP4D, EmotioNet).

A sample's target is ``{class: bool}`` over the classes it is annotated for. Two ways of asking:

- ``expand: per_class``: one yes/no question per class (Face-MLLM's LFWA/EmotioNet style);
  the parser gives "yes"/"no" per question.
- ``expand: sample``: one open question ("describe the face", "which AUs are active"); the
  parser gives the set of classes mentioned (attribute synonyms or AU codes).

Either way the answers become per-(sample, class) binary decisions. An unparseable answer is
the wrong decision for that class (a miss if present, a false alarm if absent): it is never
dropped, so a model cannot gain by refusing. An error row (the model call failed) is no answer
and makes no decision: it is left out, a class none of whose questions was answered reports
``None`` (and is left out of the class mean), and ``n_answered`` counts the answers. With a
fold, a fold with no answer makes the fold means ``None``. Metrics per class and their mean:
``macc`` (mean per-class accuracy, CelebA/LFWA), ``f1_mean`` (mean per-AU F1) and
``accuracy`` (pooled over all (sample, class) decisions, Face-MLLM's EmotioNet "AU Acc"); with a
``fold_key``, the metrics are computed per fold and averaged over folds, except
``format_valid_rate``: a share of all answers, pooled over the folds (Face-MLLM Fig. 4).
"""

from __future__ import annotations

from typing import Any

from facebench import metrics as M
from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction


class MultiLabelKind(TaskKind):
    def score(self, task, target: Any, parsed: Any) -> float | None:
        if isinstance(target, str):  # a per-class yes/no question
            return float(parsed == target)
        # an open answer: share of annotated classes decided correctly
        decisions = self._decisions_open(task, target, parsed)
        return sum(p == t for _, p, t in decisions) / len(decisions) if decisions else None

    def decision_rows(self, task, predictions: list[Prediction]) -> list[tuple[str, str, str, bool, bool]]:
        """(sample, fold, class, truth, decision) with every invalid answer made the wrong decision.

        Metrics, floor and interval all need these rows for the same prediction list; they are
        built once per list (331,000 answers for a Face-MLLM-sized run).
        """
        return self._memo(task, predictions)[0]

    def decisions(self, task, predictions: list[Prediction]) -> dict[str, tuple[list[bool], list[bool]]]:
        """class -> (y_true, y_pred), in the task's class order (built once per list, too)."""
        return self._memo(task, predictions)[1]

    def _memo(self, task, predictions: list[Prediction]) -> tuple[list[tuple[str, str, str, bool, bool]],
                                                                   dict[str, tuple[list[bool], list[bool]]]]:
        memo = getattr(self, "_rows_memo", None)
        if memo is not None and memo[0] is predictions and memo[1] == len(predictions):
            return memo[2]
        out = []
        append = out.append
        table: dict[str, tuple[list[bool], list[bool]]] = {c: ([], []) for c in task.config.classes}
        # one fold and the base rule: every fold is "" (no call per prediction)
        fold_of = None if not task.config.fold_key and type(self).fold_of is TaskKind.fold_of else self.fold_of
        fold = ""
        for p in predictions:
            if fold_of is not None:
                fold = fold_of(task, p)
            target = p.target
            if isinstance(target, str):  # a per-class yes/no question
                truth = target == "yes"
                decision = (not truth) if p.error is not None or p.parsed is None else p.parsed == "yes"
                cls = p.meta["class_key"]
                append((p.sample_id, fold, cls, truth, decision))
                column = table[cls]
                column[0].append(truth)
                column[1].append(decision)
                continue
            for cls, guess, truth in self._decisions_open(task, target, p.parsed if p.valid else None):
                decision = (not truth) if guess is None else guess
                append((p.sample_id, fold, cls, truth, decision))
                column = table[cls]
                column[0].append(truth)
                column[1].append(decision)
        built = (out, {c: v for c, v in table.items() if v[0]})
        self._rows_memo = (predictions, len(predictions), built)
        return built

    def headline_rows(self, task, predictions: list[Prediction], metric: str):
        if metric not in ("macc", "accuracy", "f1_mean"):
            return None
        if self.unanswered_fold(task, predictions):
            return []
        rows = self.decision_rows(task, self.answered(predictions))
        if metric == "macc":
            return [(u, f, c, 1.0 if t == d else 0.0, 1.0) for u, f, c, t, d in rows]
        if metric == "accuracy":
            return [(u, f, "all", 1.0 if t == d else 0.0, 1.0) for u, f, c, t, d in rows]
        if metric == "f1_mean":  # F1 = 2TP / (2TP + FP + FN): a ratio of per-answer sums
            return [(u, f, c, 2.0 * (t and d), 2.0 * (t and d) + (t != d)) for u, f, c, t, d in rows]
        return None

    def _decisions_open(self, task, target: dict[str, bool], parsed: Any) -> list[tuple[str, bool | None, bool]]:
        present = None if parsed is None else {self._class_of(task, v) for v in parsed}
        return [
            (cls, None if present is None else cls in present, bool(truth))
            for cls, truth in target.items()
        ]

    @staticmethod
    def _class_of(task, value: Any) -> str:
        """Parsers give AU codes as ints; AU tasks name their classes ``AU<code>``."""
        return f"AU{value}" if isinstance(value, int) else str(value)

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        fold_key = task.config.fold_key
        if not fold_key:
            return self._metrics(task, predictions)
        by_fold: dict[str, list[Prediction]] = {}
        for p in predictions:
            by_fold.setdefault(str(p.meta.get(fold_key)), []).append(p)
        result = M.average_folds({f: self._metrics(task, ps) for f, ps in sorted(by_fold.items())})
        result["format_valid_rate"] = M.format_valid_rate(
            [p.parsed if p.valid else None for p in self.answered(predictions)]
        )
        return result

    @staticmethod
    def _asked(task, predictions: list[Prediction]) -> list[str]:
        """The classes asked about in ``predictions``, answered or not, in the task's order."""
        asked: set[str] = set()
        for p in predictions:
            asked.update([p.meta["class_key"]] if isinstance(p.target, str) else p.target)
        return [c for c in task.config.classes if c in asked]

    def _metrics(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        answers = self.answered(predictions)
        table = self.decisions(task, answers)
        # a class asked but never answered keeps its key, with None (not dropped, not 0)
        classes = list(table) if answers is predictions else self._asked(task, predictions)
        wanted = set(task.config.metrics)
        out: dict[str, Any] = {}
        if "macc" in wanted:
            per = {c: M.accuracy(*table[c]) if c in table else None for c in classes}
            defined = [v for v in per.values() if v is not None]
            out["macc"] = sum(defined) / len(defined) if defined else None
            out["per_class_accuracy"] = per
        if "accuracy" in wanted:  # pooled over every (sample, class) decision: Face-MLLM's AU Acc
            pooled_true = [v for t, _ in table.values() for v in t]
            pooled_pred = [v for _, p in table.values() for v in p]
            out["accuracy"] = M.accuracy(pooled_true, pooled_pred) if table else None
        if "f1_mean" in wanted:
            f1 = M.per_label_f1(table)
            per = {c: f1.get(c) for c in classes}
            out["f1_mean"] = M.mean_f1(per)
            out["per_class_f1"] = per
        out["format_valid_rate"] = M.format_valid_rate(
            [p.parsed if p.valid else None for p in answers]
        )
        out["n_answered"] = len(answers)
        return out

    def floor(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        """Each class answered with its majority value over the evaluated samples."""
        table = self.decisions(task, predictions)
        out: dict[str, Any] = {}
        if "macc" in task.config.metrics and table:
            accs = [max(sum(t), len(t) - sum(t)) / len(t) for t, _ in table.values()]
            out["macc"] = sum(accs) / len(accs)
        if "accuracy" in task.config.metrics and table:
            out["accuracy"] = sum(max(sum(t), len(t) - sum(t)) for t, _ in table.values()) / sum(
                len(t) for t, _ in table.values()
            )
        if "f1_mean" in task.config.metrics and table:
            # for F1 the useful constant is "always present" (F1 of a constant-negative is 0)
            per = M.per_label_f1({c: (t, [True] * len(t)) for c, (t, _) in table.items()})
            out["f1_mean"] = M.mean_f1(per)
        return out
