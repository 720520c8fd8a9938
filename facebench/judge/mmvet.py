"""MM-Vet grading, following the MM-Vet evaluator's protocol (yuweihao/MM-Vet).

- The judge sees a few-shot table (question | ground truth | prediction | correctness) with the
  ``<AND>``/``<OR>`` rules and completes the last correctness cell: 0.0-1.0.
- The reply's first whitespace-separated token must be a number in [0, 1] (strict). Otherwise
  the judge is asked again with a "score only" line and the temperature raised by 0.5 per
  re-ask, up to ``max_attempts`` times.
- Every item is graded ``repeats`` times (default 5, as in the MM-Vet paper); the capability
  scores are per-repeat percentages (x100), reported as their mean over repeats, with the
  standard deviation of the overall score across repeats (population std, as the evaluator).

Where the reference evaluator turns a reply that never parses into 0.0, facebench records it as
*unrated* and applies an explicit, reported policy at aggregation: ``zero`` (default; reproduces
the published protocol, unrated and unanswered items count as 0) or ``skip`` (left out of the
denominators). The summary always carries the counts, so nothing is hidden.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from facebench.engine.store import write_jsonl
from facebench.errors import FacebenchError
from facebench.judge.client import Judge, JudgeCall, Progress, ask_until_parsed, models_seen
from facebench.judge.folder import Answer, judge_cache, judge_dir, load_run, write_result
from facebench.judge.rubrics import Rubric, get_rubric
from facebench.judge.schema import CAPABILITIES

Policy = Literal["zero", "skip"]
_SCORE = re.compile(r"^(?:0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$")


def parse_score(text: str) -> tuple[float, str] | None:
    """The first token of the reply as a correctness score in [0, 1]; None otherwise."""
    tokens = text.strip().split()
    if not tokens or not _SCORE.match(tokens[0]):
        return None
    return float(tokens[0]), "strict"


def spaced_answer(answer: str) -> str:
    """``a<AND>b`` -> ``a <AND> b`` as the evaluator shows it to the judge."""
    return answer.replace("<AND>", " <AND> ").replace("<OR>", " <OR> ")


def is_mmvet(answers: list[Answer]) -> bool:
    return bool(answers) and all(isinstance(a.sample_meta.get("capability"), list) for a in answers)


@dataclass(frozen=True)
class Unit:
    answer: Answer
    repeat: int


def make_call(rubric: Rubric, unit: Unit, attempt: int, max_tokens: int) -> JudgeCall:
    a = unit.answer
    text = rubric.render(
        question=a.sample_meta.get("question") or a.request.prompt,
        answer=spaced_answer(str(a.target)),
        prediction=a.response or "",
        retry=attempt > 0,
    )
    return JudgeCall(key=a.id, rubric=rubric.id, text=text, repeat=unit.repeat, attempt=attempt,
                     temperature=min(2.0, 0.5 * attempt), max_tokens=max_tokens)


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

    ``items``: ``{"capability": [...], "scores": [score or None per repeat]}``. For each repeat
    a group's score is 100 x (sum of its items' scores) / (number of its items); the result is
    the mean over repeats, and ``std`` the population std over repeats.
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


# -- grading a task ------------------------------------------------------------------------------


def grade_task(folder: Path, judge: Judge, *, repeats: int = 5, max_attempts: int = 5,
               policy: Policy = "zero", max_tokens: int = 3, dry_run: bool = False,
               rubric_version: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Grade every answer of an MM-Vet run ``repeats`` times; write and return the summary."""
    if repeats < 1 or max_attempts < 1:
        raise FacebenchError("repeats and max_attempts must be at least 1")
    run, answers = load_run(folder)
    if not is_mmvet(answers):
        raise FacebenchError(f"{folder}: items carry no 'capability' list; not an MM-Vet run")
    rubric = get_rubric("mmvet_grading", rubric_version)
    answered = [a for a in answers if a.response is not None]
    units = [Unit(a, r) for a in answered for r in range(repeats)]
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
    by_item: dict[str, list[Any]] = {a.id: [None] * repeats for a in answered}
    for unit, out in zip(units, outcomes):
        by_item[unit.answer.id][unit.repeat] = out
    rows = []
    for a in answers:
        outs = by_item.get(a.id)
        scores = [o.value for o in outs] if outs else [None] * repeats
        rows.append({
            "id": a.id,
            "task": run["task"],
            "model": run["model"],
            "capability": list(a.sample_meta["capability"]),
            "question": a.sample_meta.get("question"),
            "answer": a.target,
            "prediction": a.response,
            "status": "no_response" if outs is None else (
                "graded" if all(s is not None for s in scores) else "partly_unrated"),
            "scores": scores,
            "mean": statistics.fmean(scores) if all(s is not None for s in scores) else None,
            "attempts": [o.attempts for o in outs] if outs else [],
            "raw": [[r.get("response") for r in o.rows] for o in outs] if outs else [],
            "errors": [o.error for o in outs if o.error] if outs else [],
            "judge_models": sorted({r["model"] for o in outs or [] for r in o.rows if r.get("model")}),
            "rubric": rubric.id,
        })
    all_calls = [r for o in outcomes for r in o.rows]
    summary = {
        "kind": "mmvet",
        "task": run["task"],
        "model": run["model"],
        "rubric": rubric.id,
        "rubric_source_hash": rubric.source_hash(),
        "judge": judge.describe(),
        "judge_models": models_seen(all_calls),
        "max_attempts": max_attempts,
        "n_items": len(answers),
        "n_no_response": len(answers) - len(answered),
        "n_gradings": len(units),
        "n_unrated_gradings": sum(o.value is None and o.error is None for o in outcomes),
        "n_error_gradings": sum(o.error is not None for o in outcomes),
        **aggregate(rows, repeats, policy),
        "usage": judge.usage(all_calls),
        "new_calls": judge.new_calls - calls_before,
    }
    write_result(folder, "gradings.jsonl", rows, summary)
    return summary
