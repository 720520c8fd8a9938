"""GPT-rated reasoning (Face-LLaVA Sec. 5.3, App. F.4, Fig. 17, Table 10).

Each cached answer of a task is shown to the judge with its image (or 8 uniformly sampled video
frames) and the ground-truth label, and rated 1-10 on three criteria. The judge must reply with
one JSON object. Parsing is strict; one local repair (code fences, text around the object,
trailing commas) is tried before asking again at a higher temperature, and an answer whose
replies never parse is recorded as *unrated*: it never becomes a number in a mean.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path
from typing import Any

from facebench.engine.store import write_jsonl
from facebench.judge.client import (
    Judge,
    JudgeCall,
    Outcome,
    Progress,
    ask_until_parsed,
    models_seen,
)
from facebench.judge.folder import Answer, judge_cache, judge_dir, load_run, write_result
from facebench.judge.rubrics import Rubric, reasoning_rubric
from facebench.judge.schema import CRITERIA

RETRY_NOTE = (
    "\n\nYour previous reply could not be read as the JSON object described above. "
    "Reply again with that JSON object only."
)
NUM_FRAMES = 8


# -- parsing -------------------------------------------------------------------------------------


def _valid_rating(value: Any) -> int | None:
    """A whole number 1-10, as a JSON integer or a string of digits ("7"); nothing else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= 10 else None


def _validate(obj: Any) -> dict[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    ratings = {}
    for name in CRITERIA:
        rating = _valid_rating(obj.get(name))
        if rating is None:
            return None
        ratings[name] = rating
    reason = obj.get("reason")
    return {"ratings": ratings, "reason": reason if isinstance(reason, str) else None}


def _repair(text: str) -> str | None:
    """The JSON object inside a reply wrapped in a code fence or prose; trailing commas dropped."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    return re.sub(r",\s*([}\]])", r"\1", text[start : end + 1])


def parse_ratings(text: str) -> tuple[dict[str, Any], str] | None:
    """``({"ratings": {...}, "reason": ...}, rule)`` with rule ``strict`` or ``repaired``; else None."""
    for rule, candidate in (("strict", text.strip()), ("repaired", _repair(text))):
        if candidate is None:
            continue
        try:
            parsed = _validate(json.loads(candidate))
        except json.JSONDecodeError:
            continue
        if parsed is not None:
            return parsed, rule
    return None


# -- prompts -------------------------------------------------------------------------------------


def format_label(target: Any, meta: dict[str, Any] | None = None) -> str:
    """A ground truth in words: AU codes as ``AU1, AU2``, attribute/AU dicts as present/absent,
    a multi-question target as ``age: 52``, a per-class yes/no item as ``Smiling: yes``."""
    meta = meta or {}
    if isinstance(target, dict) and set(target) == {"question", "value"}:
        return f"{target['question']}: {target['value']}"
    if isinstance(target, str) and meta.get("class_name"):
        return f"{meta['class_name']}: {target}"
    if isinstance(target, dict):
        present = [k for k, v in target.items() if v in (True, 1, "yes", "1")]
        absent = [k for k, v in target.items() if v not in (True, 1, "yes", "1")]
        return f"present: {', '.join(present) or 'none'}; absent: {', '.join(absent) or 'none'}"
    if isinstance(target, (list, tuple)):
        if not target:
            return "none"
        return ", ".join(f"AU{x}" if isinstance(x, int) else str(x) for x in target)
    return str(target)


def make_call(rubric: Rubric, answer: Answer, attempt: int) -> JudgeCall:
    """Attempt 0 at temperature 0; each re-ask adds a reminder and raises the temperature 0.5."""
    text = rubric.render(
        modality=answer.modality,
        num_frames=NUM_FRAMES,
        label=format_label(answer.target, answer.request.meta),
        description=answer.response or "",
    )
    return JudgeCall(
        key=answer.id,
        rubric=rubric.id,
        text=text + (RETRY_NOTE if attempt else ""),
        media=answer.media,
        attempt=attempt,
        temperature=min(1.0, 0.5 * attempt),
        max_tokens=300,
        num_frames=NUM_FRAMES,
    )


# -- rating a task -------------------------------------------------------------------------------


def _row(answer: Answer, out: Outcome, run: dict[str, Any], task_type: str, rubric: Rubric,
         judge: Judge) -> dict[str, Any]:
    status = "rated" if out.value is not None else ("error" if out.error else "unrated")
    last = out.rows[-1] if out.rows else {}
    return {
        "id": answer.id,
        "sample_id": answer.sample_id,
        "task": run["task"],
        "model": run["model"],
        "task_type": task_type,
        "rubric": rubric.id,
        "judge": judge.name,
        "judge_model": last.get("model"),
        "status": status,
        "ratings": out.value["ratings"] if out.value else None,
        "reason": out.value["reason"] if out.value else None,
        "parse_rule": out.rule,
        "attempts": out.attempts,
        "raw": [r.get("response") for r in out.rows],
        "error": out.error,
        "prompt_tokens": sum(r.get("prompt_tokens") or 0 for r in out.rows),
        "completion_tokens": sum(r.get("completion_tokens") or 0 for r in out.rows),
    }


def criterion_stats(rows: list[dict[str, Any]]) -> dict[str, dict[str, float | int | None]]:
    """Mean, standard deviation and count of each criterion over the rated rows only."""
    stats = {}
    for name in CRITERIA:
        values = [r["ratings"][name] for r in rows if r["status"] == "rated"]
        stats[name] = {
            "mean": statistics.fmean(values) if values else None,
            "std": statistics.pstdev(values) if len(values) > 1 else (0.0 if values else None),
            "n": len(values),
        }
    return stats


def rate_task(folder: Path, judge: Judge, task_type: str, *, max_attempts: int = 3,
              dry_run: bool = False, rubric_version: int | None = None,
              progress: Progress | None = None) -> dict[str, Any]:
    """Rate every cached answer of one ``<output>/<model>/<task>`` run; write and return the summary."""
    run, answers = load_run(folder)
    rubric = reasoning_rubric(task_type, rubric_version)
    answered = [a for a in answers if a.response is not None]
    if dry_run:
        calls = [make_call(rubric, a, 0) for a in answered]
        write_jsonl(judge_dir(folder) / "dry_run.jsonl",
                    ({"id": c.key, "rubric": c.rubric, "prompt": c.text,
                      "media": [p.value for p in c.media], "fp": judge.fingerprint(c)} for c in calls))
        return {"kind": "reasoning", "task": run["task"], "model": run["model"], "dry_run": True,
                "rubric": rubric.id, "n_calls": len(calls)}
    calls_before = judge.new_calls
    outcomes = ask_until_parsed(
        judge, judge_cache(folder), answered,
        lambda a, attempt: make_call(rubric, a, attempt), parse_ratings, max_attempts, progress,
    )
    rows = [_row(a, o, run, task_type, rubric, judge) for a, o in zip(answered, outcomes)]
    all_calls = [r for o in outcomes for r in o.rows]
    summary = {
        "kind": "reasoning",
        "task": run["task"],
        "model": run["model"],
        "task_type": task_type,
        "rubric": rubric.id,
        "rubric_source_hash": rubric.source_hash(),
        "judge": judge.describe(),
        "judge_models": models_seen(all_calls),
        "max_attempts": max_attempts,
        "n_items": len(answers),
        "n_skipped_no_response": len(answers) - len(answered),
        "n_rated": sum(r["status"] == "rated" for r in rows),
        "n_unrated": sum(r["status"] == "unrated" for r in rows),
        "n_error": sum(r["status"] == "error" for r in rows),
        "n_repaired": sum(r["parse_rule"] == "repaired" for r in rows),
        "criteria": criterion_stats(rows),
        "usage": judge.usage(all_calls),
        "new_calls": judge.new_calls - calls_before,
    }
    write_result(folder, "ratings.jsonl", rows, summary)
    return summary
