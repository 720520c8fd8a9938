"""GPT-rated reasoning (Face-LLaVA Sec. 5.3, App. F.4, Fig. 8 + Fig. 17, Table 10).

Each answer of a task is shown to the judge with its image (or 8 uniformly sampled video
frames) and the ground-truth label, and rated 1-10 on Fig. 17's three criteria: consistency of
the description with the media, with the ground truth, and completeness of its reasoning (Table
10's three column groups). The prompt is the paper's, reconstructed from Fig. 8 where Fig. 17
leaves text out (``tasks/rubrics/_reasoning_base.v2.jinja`` says what is copied and what is
not); the paper's judge is GPT-4o-mini (``judge-gpt-4o-mini``, pinned to gpt-4o-mini-2024-07-18).

The judge replies ``{"rating": {"1": .., "2": .., "3": ..}, "reason": ..}`` (rubric version 2;
version 1 asked for named keys). Parsing is strict: whole numbers 1-10, as JSON integers or
digit strings. One local repair (code fences, text around the object, trailing commas) is tried
before asking again; the re-ask (a reminder line, temperature +0.5, at most ``max_attempts``
calls) is facebench's own, as the paper describes none. An answer whose replies never parse is
*unrated*: it never becomes a number in a mean. A rating call that *failed* (transport error,
5xx after retries) is an *error*: while any rating has errored the summary is incomplete (every
mean null, the error count given), the tables and the leaderboard leave it out, and the same
command asks again only those. Answers that are themselves model errors are not rated at all.
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
from facebench.judge.folder import (
    Answer,
    judge_cache,
    judge_dir,
    load_run,
    refuse_model_errors,
    write_result,
)
from facebench.judge.rubrics import Rubric, reasoning_rubric
from facebench.judge.schema import CRITERIA, REPLY_KEYS

#: the judge of Face-LLaVA's Table 10 (App. F.4: "we employ GPT4o-mini")
PAPER_JUDGE = "gpt-4o-mini"

#: facebench's own re-ask line (the paper describes no re-ask)
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


def _validate(obj: Any, numbered: bool = True) -> dict[str, Any] | None:
    """Version 2 (``numbered``): ``{"rating": {"1": .., "2": .., "3": ..}}`` as Fig. 8 asks;
    version 1: ``{"media_consistency": .., "label_consistency": .., "completeness": ..}``."""
    if not isinstance(obj, dict):
        return None
    source = obj.get("rating") if numbered else obj
    if not isinstance(source, dict):
        return None
    ratings = {}
    for name in CRITERIA:
        rating = _valid_rating(source.get(REPLY_KEYS[name] if numbered else name))
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


def parse_ratings(text: str, version: int = 2) -> tuple[dict[str, Any], str] | None:
    """``({"ratings": {...}, "reason": ...}, rule)`` with rule ``strict`` or ``repaired``; else None.

    ``version``: the rubric version whose reply format applies (2: numbered keys, 1: named).
    """
    for rule, candidate in (("strict", text.strip()), ("repaired", _repair(text))):
        if candidate is None:
            continue
        try:
            parsed = _validate(json.loads(candidate), numbered=version >= 2)
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
    """Rate every answer of one ``<output>/<model>/<variant>/<task>`` run; write and return the summary."""
    run, answers = load_run(folder)
    refuse_model_errors(folder, answers)
    rubric = reasoning_rubric(task_type, rubric_version)
    if dry_run:
        calls = [make_call(rubric, a, 0) for a in answers]
        write_jsonl(judge_dir(folder) / "dry_run.jsonl",
                    ({"id": c.key, "rubric": c.rubric, "prompt": c.text,
                      "media": [p.value for p in c.media], "fp": judge.fingerprint(c)} for c in calls))
        return {"kind": "reasoning", "task": run["task"], "model": run["model"], "dry_run": True,
                "rubric": rubric.id, "n_calls": len(calls)}
    calls_before = judge.new_calls
    outcomes = ask_until_parsed(
        judge, judge_cache(folder), answers,
        lambda a, attempt: make_call(rubric, a, attempt),
        lambda text: parse_ratings(text, rubric.version), max_attempts, progress,
    )
    rows = [_row(a, o, run, task_type, rubric, judge) for a, o in zip(answers, outcomes)]
    all_calls = [r for o in outcomes for r in o.rows]
    n_error = sum(r["status"] == "error" for r in rows)
    criteria = criterion_stats(rows)
    if n_error:  # incomplete: a mean over the ratings that happened to succeed is not the task's
        criteria = {name: {**st, "mean": None, "std": None} for name, st in criteria.items()}
    summary = {
        "kind": "reasoning",
        "task": run["task"],
        "model": run["model"],
        "task_type": task_type,
        "rubric": rubric.id,
        "rubric_source_hash": rubric.source_hash(),
        "judge": judge.describe(),
        "judge_models": models_seen(all_calls),
        "paper_judge": PAPER_JUDGE,
        "max_attempts": max_attempts,
        "complete": n_error == 0,
        "n_items": len(answers),
        "n_rated": sum(r["status"] == "rated" for r in rows),
        "n_unrated": sum(r["status"] == "unrated" for r in rows),
        "n_error": n_error,
        "n_repaired": sum(r["parse_rule"] == "repaired" for r in rows),
        "criteria": criteria,
        "usage": judge.usage(all_calls),
        "new_calls": judge.new_calls - calls_before,
    }
    write_result(folder, "ratings.jsonl", rows, summary)
    return summary
