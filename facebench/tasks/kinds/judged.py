"""Free-text answers graded later by a judge model (MM-Vet).

facebench collects the responses now; the score needs a GPT grader against the reference
answer, which is a separate stage (``facebench judge``). Until then the metrics say so plainly
(``needs_judge: true``, ``score: null``) and count what there is to grade, instead of putting
a number on the leaderboard that no one computed.

Here ``n_answered`` counts the answers there is something to grade (no error, non-empty text);
``n_unanswered`` the rest, error rows included; ``format_valid_rate`` is over the answers
(error rows are no answers, as in every kind), ``None`` when every request failed.

``kind_options.group_key`` (e.g. ``capability_key``) adds per-group counts, and a list-valued
``kind_options.tag_key`` (e.g. ``capability``) per-tag counts, so a user sees the coverage of
a ``--limit`` subset before paying for grading.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from facebench.tasks.kinds.base import TaskKind
from facebench.types import Prediction


class JudgedKind(TaskKind):
    def score(self, task, target: Any, parsed: Any) -> float | None:
        """No per-answer score without the judge."""
        return None

    def aggregate(self, task, predictions: list[Prediction]) -> dict[str, Any]:
        opts = task.config.kind_options
        answers = self.answered(predictions)
        answered = [p for p in answers if p.valid and str(p.parsed).strip()]
        out: dict[str, Any] = {
            "needs_judge": True,
            "score": None,
            "n_answered": len(answered),
            "n_unanswered": len(predictions) - len(answered),
            "format_valid_rate": len(answered) / len(answers) if answers else None,
        }
        if opts.get("tag_key"):
            key = opts["tag_key"]
            out["n_per_tag"] = dict(sorted(Counter(t for p in predictions for t in p.meta.get(key, ())).items()))
        if opts.get("group_key"):
            key = opts["group_key"]
            out["n_per_group"] = dict(sorted(Counter(str(p.meta.get(key)) for p in predictions).items()))
        return out
