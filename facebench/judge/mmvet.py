"""MM-Vet grading: the protocol of MM-Vet's own evaluator.

Source: yuweihao/MM-Vet, ``mm-vet_evaluator.py`` (and ``mm-vet_evaluator.ipynb``) at commit
acde843e02dae30047bb456ee4a8ab28dee7e0ae, Apache License 2.0. What is taken from it:

- the query: its grading prompt and layout, word for word (``tasks/rubrics/mmvet_grading.v2.jinja``);
- the judge: ``gpt-4-0613`` (the evaluator's default ``--gpt_model``, the grader of the published
  numbers; ``model_adapters/judge-gpt-4-0613.yaml``), ``max_tokens=3``, no seed;
- the score: ``float(reply.split(" ")[0].strip())``, accepted only in [0, 1] (:func:`parse_score`);
- the re-ask rule: a reply that does not parse is asked again with "Predict the correctness of
  the answer (digit): " appended; the first re-ask is still at temperature 0.0 and each re-ask
  raises it by 0.5 for the next, so the calls run at 0.0, 0.0, 0.5, 1.0, 1.5
  (:func:`temperature`), and when the fifth reply does not parse either the evaluator's score is
  0.0. (It then sends one more request, at 2.0, whose reply it never reads: ``try_time > 5``
  sets the score before parsing. facebench does not send that request; no score depends on it.)
- repeats: every item graded ``repeats`` times ("we set it as 5 in the paper"); per repeat a
  capability's score is 100 x sum / count; reported as the mean over repeats, with the population
  std of the overall score across repeats.

What facebench adds, always reported in the summary:

- a grading whose replies never parse is *unrated*; the aggregation policy says what it counts
  as: ``zero`` (default, the evaluator's 0.0) or ``skip`` (left out of the denominators);
- a grading whose call *failed* (transport error, 5xx after the adapter's retries, a server that
  went down after the health check) is an *error*, never a score. (The evaluator itself retries
  such calls until they succeed.) While any grading has errored the summary is incomplete: every
  score is null, the error count is given, and the tables and the leaderboard leave it out.
  Errors are not cached, so the same command asks again only those gradings;
- items whose *model* answer is an error are not graded at all: the run must be completed first.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from facebench.engine.store import write_jsonl
from facebench.errors import FacebenchError
from facebench.judge.client import Judge, JudgeCall, Progress, ask_until_parsed, models_seen
from facebench.judge.folder import (
    Answer,
    judge_cache,
    judge_dir,
    load_run,
    refuse_model_errors,
    write_result,
)
from facebench.judge.rubrics import Rubric, get_rubric
from facebench.judge.schema import CAPABILITIES

Policy = Literal["zero", "skip"]
#: the grader of MM-Vet's published numbers (the evaluator's default ``--gpt_model``)
PUBLISHED_JUDGE = "gpt-4-0613"
#: the evaluator's ``max_tokens``
MAX_TOKENS = 3
#: calls per grading: the first ask and four re-asks (see the module docstring)
MAX_ATTEMPTS = 5


def parse_score(text: str) -> tuple[float, str] | None:
    """The evaluator's extraction: the text before the first space, stripped, as a float in [0, 1].

    ``content.split(" ")[0].strip()`` then ``float``: so ``"0.5\\n"`` and ``"1e-1"`` are scores,
    ``" 0.5"`` (a leading space) and ``"Score: 0.5"`` are not. One deviation: ``nan`` passes the
    evaluator's range test (every comparison with NaN is false) and would poison every mean, so it
    is rejected here.
    """
    try:
        score = float(text.split(" ")[0].strip())
    except ValueError:
        return None
    if math.isnan(score) or score > 1.0 or score < 0.0:
        return None
    return score, "official"


def temperature(attempt: int) -> float:
    """The evaluator's temperature for call ``attempt`` (0 = the first ask): 0, 0, 0.5, 1.0, 1.5."""
    return 0.0 if attempt == 0 else min(2.0, 0.5 * (attempt - 1))


def spaced_answer(answer: str) -> str:
    """``a<AND>b`` -> ``a <AND> b`` as the evaluator shows it to the judge."""
    return answer.replace("<AND>", " <AND> ").replace("<OR>", " <OR> ")


def is_mmvet(answers: list[Answer]) -> bool:
    return bool(answers) and all(isinstance(a.sample_meta.get("capability"), list) for a in answers)


@dataclass(frozen=True)
class Unit:
    answer: Answer
    repeat: int


def query(rubric: Rubric, answer: Answer, retry: bool) -> str:
    """The text sent to the judge for one item (version 1 was stripped; version 2 is byte-exact)."""
    return rubric.render(
        strip=rubric.version == 1,
        question=answer.sample_meta.get("question") or answer.request.prompt,
        answer=spaced_answer(str(answer.target)),
        prediction=answer.response or "",
        retry=retry,
    )


def make_call(rubric: Rubric, unit: Unit, attempt: int, max_tokens: int = MAX_TOKENS) -> JudgeCall:
    return JudgeCall(key=unit.answer.id, rubric=rubric.id, text=query(rubric, unit.answer, attempt > 0),
                     repeat=unit.repeat, attempt=attempt, temperature=temperature(attempt),
                     max_tokens=max_tokens)


# -- aggregation (pure: hand-checkable) ----------------------------------------------------------


def _combo(caps: list[str]) -> str:
    return "_".join(sorted(set(caps)))


def _stats(runs: list[float | None], n: int) -> dict[str, Any]:
    values = [v for v in runs if v is not None]
    return {
        "mean": statistics.fmean(values) if values else None,
        "std": statistics.pstdev(values) if values else None,
        "n": n,
        "runs": runs,
    }


def aggregate(items: list[dict[str, Any]], repeats: int, policy: Policy = "zero") -> dict[str, Any]:
    """Capability, capability-combination and overall scores (x100) from per-item scores.

    ``items``: ``{"capability": [...], "scores": [score or None per repeat]}`` (None: unrated).
    For each repeat a group's score is 100 x (sum of its items' scores) / (number of its items);
    the result is the mean over repeats, and ``std`` the population std over repeats.
    """
    groups: dict[str, list[dict[str, Any]]] = {"overall": items}
    for c in CAPABILITIES:
        groups[f"cap:{c}"] = [it for it in items if c in it["capability"]]
    combo_counts = Counter(_combo(it["capability"]) for it in items)
    for combo in combo_counts:
        groups[f"combo:{combo}"] = [it for it in items if _combo(it["capability"]) == combo]

    def score_runs(members: list[dict[str, Any]]) -> list[float | None]:
        runs: list[float | None] = []
        for r in range(repeats):
            vals = [it["scores"][r] for it in members]
            if policy == "zero":
                vals = [0.0 if v is None else v for v in vals]
            else:
                vals = [v for v in vals if v is not None]
            runs.append(100.0 * sum(vals) / len(vals) if vals else None)
        return runs

    stats = {name: _stats(score_runs(m), len(m)) for name, m in groups.items()}
    combos = sorted(combo_counts, key=lambda k: (-combo_counts[k], k))
    return {
        "policy": policy,
        "repeats": repeats,
        "overall": stats["overall"],
        "capabilities": {c: stats[f"cap:{c}"] for c in CAPABILITIES if stats[f"cap:{c}"]["n"]},
        "combinations": {k: stats[f"combo:{k}"] for k in combos},
    }


def withhold(scores: dict[str, Any]) -> dict[str, Any]:
    """The same structure with every mean, std and per-repeat score set to null (incomplete)."""

    def null(st: dict[str, Any]) -> dict[str, Any]:
        return {**st, "mean": None, "std": None, "runs": None}

    return {
        **scores,
        "overall": null(scores["overall"]),
        "capabilities": {k: null(v) for k, v in scores["capabilities"].items()},
        "combinations": {k: null(v) for k, v in scores["combinations"].items()},
    }


# -- grading a task ------------------------------------------------------------------------------


def _status(outs: list[Any]) -> str:
    if any(o.error for o in outs):
        return "error"
    if all(o.value is not None for o in outs):
        return "graded"
    return "unrated" if all(o.value is None for o in outs) else "partly_unrated"


def grade_task(folder: Path, judge: Judge, *, repeats: int = 5, max_attempts: int = MAX_ATTEMPTS,
               policy: Policy = "zero", max_tokens: int = MAX_TOKENS, dry_run: bool = False,
               rubric_version: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Grade every answer of an MM-Vet run ``repeats`` times; write and return the summary."""
    if repeats < 1 or max_attempts < 1:
        raise FacebenchError("repeats and max_attempts must be at least 1")
    run, answers = load_run(folder)
    if not is_mmvet(answers):
        raise FacebenchError(f"{folder}: items carry no 'capability' list; not an MM-Vet run")
    refuse_model_errors(folder, answers)
    rubric = get_rubric("mmvet_grading", rubric_version)
    units = [Unit(a, r) for a in answers for r in range(repeats)]
    if dry_run:
        calls = [make_call(rubric, u, 0, max_tokens) for u in units if u.repeat == 0]
        write_jsonl(judge_dir(folder) / "dry_run.jsonl",
                    ({"id": c.key, "rubric": c.rubric, "prompt": c.text} for c in calls))
        return {"kind": "mmvet", "task": run["task"], "model": run["model"], "dry_run": True,
                "rubric": rubric.id, "n_calls": len(units)}
    calls_before = judge.new_calls
    outcomes = ask_until_parsed(
        judge, judge_cache(folder), units,
        lambda u, attempt: make_call(rubric, u, attempt, max_tokens), parse_score,
        max_attempts, progress,
    )
    by_item: dict[str, list[Any]] = {a.id: [None] * repeats for a in answers}
    for unit, out in zip(units, outcomes):
        by_item[unit.answer.id][unit.repeat] = out
    rows = []
    for a in answers:
        outs = by_item[a.id]
        scores = [o.value for o in outs]
        rows.append({
            "id": a.id,
            "task": run["task"],
            "model": run["model"],
            "capability": list(a.sample_meta["capability"]),
            "question": a.sample_meta.get("question"),
            "answer": a.target,
            "prediction": a.response,
            "status": _status(outs),
            "scores": scores,
            "mean": statistics.fmean(scores) if all(s is not None for s in scores) else None,
            "attempts": [o.attempts for o in outs],
            "raw": [[r.get("response") for r in o.rows] for o in outs],
            "errors": [o.error for o in outs if o.error],
            "judge_models": sorted({r["model"] for o in outs for r in o.rows if r.get("model")}),
            "rubric": rubric.id,
        })
    all_calls = [r for o in outcomes for r in o.rows]
    n_error = sum(o.error is not None for o in outcomes)
    scores = aggregate(rows, repeats, policy)
    judge_models = models_seen(all_calls)
    summary = {
        "kind": "mmvet",
        "task": run["task"],
        "model": run["model"],
        "rubric": rubric.id,
        "rubric_source_hash": rubric.source_hash(),
        "judge": judge.describe(),
        "judge_models": judge_models,
        "published_judge": PUBLISHED_JUDGE,
        "same_judge_as_published": judge_models == [PUBLISHED_JUDGE],
        "score_rule": "mm-vet_evaluator: float(reply.split(' ')[0].strip()) in [0, 1]",
        "temperatures": [temperature(a) for a in range(max_attempts)],
        "max_attempts": max_attempts,
        "complete": n_error == 0,
        "n_items": len(answers),
        "n_gradings": len(units),
        "n_graded": sum(o.value is not None for o in outcomes),
        "n_unrated_gradings": sum(o.value is None and o.error is None for o in outcomes),
        "n_error_gradings": n_error,
        **(scores if n_error == 0 else withhold(scores)),
        "usage": judge.usage(all_calls),
        "new_calls": judge.new_calls - calls_before,
    }
    write_result(folder, "gradings.jsonl", rows, summary)
    return summary
