"""Reading a finished task run for judging, and writing judge results next to it.

The judge works from files alone (``run.json``, ``items.jsonl``, ``responses.jsonl``): no
model and no dataset loader, exactly like ``facebench score``. Results go to
``<output>/<model>/<variant>/<task>/judge/``: ``responses.jsonl`` (the judge-call cache),
``ratings.jsonl`` or ``gradings.jsonl`` (one row per item) and ``summary.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facebench.engine.store import ResponseCache, read_jsonl, write_json, write_jsonl
from facebench.errors import FacebenchError
from facebench.types import Part, Request

JUDGE_DIR = "judge"


@dataclass(frozen=True)
class Answer:
    """One item of a task run: the request, the target and the model's cached answer."""

    id: str
    sample_id: str
    request: Request
    target: Any
    sample_meta: dict[str, Any]
    #: the model's answer text; None when the item has no successful response
    response: str | None

    @property
    def media(self) -> tuple[Part, ...]:
        return tuple(p for m in self.request.messages for p in m.content if p.type != "text")

    @property
    def modality(self) -> str:
        return "video" if any(p.type == "video" for p in self.media) else "image"


def load_run(folder: Path) -> tuple[dict[str, Any], list[Answer]]:
    """``run.json`` and every item with its cached response (None if missing or failed)."""
    run_file = folder / "run.json"
    if not run_file.is_file():
        raise FacebenchError(f"{folder}: no run.json; not a facebench task output folder")
    run = json.loads(run_file.read_text(encoding="utf-8"))
    cache = ResponseCache(folder / "responses.jsonl")
    answers = []
    for it in read_jsonl(folder / "items.jsonl"):
        row = cache.get(it["fp"])
        ok = row is not None and row.get("error") is None
        answers.append(
            Answer(
                id=it["id"],
                sample_id=it["sample_id"],
                request=Request.from_dict(it["request"]),
                target=it["target"],
                sample_meta=it.get("sample_meta") or {},
                response=(row.get("response") or "") if ok and row is not None else None,
            )
        )
    return run, answers


def refuse_model_errors(folder: Path, answers: list[Answer]) -> None:
    """Raise unless every item has an answer: a model error is not an answer to be graded.

    Grading one would turn a failed model call into a score (MM-Vet's evaluator would count it
    0.0), so the run must be completed first; ``facebench run`` asks again only the failed items.
    """
    failed = [a.id for a in answers if a.response is None]
    if failed:
        shown = ", ".join(failed[:5]) + (f" and {len(failed) - 5} more" if len(failed) > 5 else "")
        raise FacebenchError(
            f"{folder}: {len(failed)} of {len(answers)} items have no answer, only a model error "
            f"({shown}); the judge does not grade model errors. Rerun the same `facebench run` "
            f"command to retry them (answered items are cached), then judge again. Nothing was "
            f"sent to the judge."
        )


def judge_dir(folder: Path) -> Path:
    return folder / JUDGE_DIR


def judge_cache(folder: Path) -> ResponseCache:
    return ResponseCache(judge_dir(folder) / "responses.jsonl")


def write_result(folder: Path, rows_name: str, rows: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    out = judge_dir(folder)
    write_jsonl(out / rows_name, rows)
    write_json(out / "summary.json", summary)


def task_folders(output: Path, tasks: list[str] | None, model: str | None) -> list[Path]:
    """``<output>/<model>/<variant>/<task>`` folders holding a run, filtered by task and model."""
    from facebench.engine.layout import run_folders

    folders = run_folders(output, model)
    if tasks:
        folders = [f for f in folders if f.name in tasks]
    return folders
