"""The staged run: prepare -> infer -> score -> aggregate.

Each stage reads the previous stage's file and writes its own, under
``<output>/<model>/<task>/``:

- ``items.jsonl``       every request of the run with its fingerprint and target (prepare)
- ``responses.jsonl``   append-only response cache, keyed by fingerprint (infer)
- ``predictions.jsonl`` parsed and scored answers (score)
- ``metrics.json``      the task's metrics and the run manifest (aggregate)
- ``run.json``          how the run was asked for (task, style, seed, mode, adapter)

So ``facebench score`` re-parses and re-scores a finished run from its files, with no model
and no dataset, and an interrupted ``facebench run`` resumes from the cache.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facebench.adapters.base import Adapter
from facebench.engine.manifest import build_manifest
from facebench.engine.preflight import check_request_media
from facebench.engine.store import ResponseCache, gc_paused, read_jsonl, write_json, write_jsonl
from facebench.errors import FacebenchError
from facebench.metrics.headline import headline_ci
from facebench.parsing.context import Mode
from facebench.resources import demo_root
from facebench.tasks.registry import get_task
from facebench.tasks.task import Task
from facebench.types import Prediction, Request, Response, Sample

Progress = Callable[[str, int, int], None]


@dataclass
class RunOptions:
    """Everything about a run except the model and the task list."""

    output: Path = Path("results")
    data_root: Path | None = None
    #: task name -> dataset folder, overriding ``data_root/<task data_dir>``
    data: dict[str, Path] = field(default_factory=dict)
    limit: int | None = None
    seed: int = 0
    #: a style for every task, or per task (``{"rafdb": "open"}``); None -> task default
    styles: dict[str, str] = field(default_factory=dict)
    default_style: str | None = None
    mode: Mode = "strict"
    #: None: each task's default (off unless its YAML says so)
    face_crop: bool | None = None

    def style_for(self, task: Task) -> str | None:
        style = self.styles.get(task.name, self.default_style)
        if style is not None and style not in task.config.styles:
            if task.name in self.styles:
                task.style(style)  # raises a clear error
            return None  # a global --prompt applies only to tasks that have that style
        return style

    def data_dir(self, task: Task) -> Path:
        if task.name in self.data:
            return Path(self.data[task.name])
        if self.data_root is not None:
            return Path(self.data_root) / task.config.data_dir
        return demo_root() / task.config.data_dir


def task_dir(output: Path, model: str, task: str) -> Path:
    return Path(output) / model / task


def select_samples(samples: list[Sample], limit: int | None, seed: int) -> list[Sample]:
    """A seeded subset (same on every machine), kept in dataset order."""
    if limit is None or limit >= len(samples):
        return samples
    chosen = set(random.Random(seed).sample(range(len(samples)), limit))
    return [s for i, s in enumerate(samples) if i in chosen]


def request_fingerprint(adapter_fp: str, task_fp: str, request: Request) -> str:
    """Cache key: adapter + settings, task config + template, prompt/media, item, generation."""
    payload = json.dumps(
        {
            "adapter": adapter_fp,
            "task": task_fp,
            "id": request.key,
            "messages": request.to_dict(derived=False)["messages"],
            "generation": request.generation.to_dict(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


# -- stage 1 -------------------------------------------------------------------------------------
def prepare(task: Task, adapter: Adapter, opts: RunOptions, model: str) -> list[dict[str, Any]]:
    """Load the dataset, build every request, write ``items.jsonl`` and ``run.json``."""
    style = opts.style_for(task)
    samples = select_samples(task.load_samples(opts.data_dir(task)), opts.limit, opts.seed)
    adapter_fp, task_fp = adapter.fingerprint(), task.fingerprint(style)
    items = []
    for request, target, sample in task.build_requests(samples, style, opts.seed, opts.face_crop):
        items.append(
            {
                "fp": request_fingerprint(adapter_fp, task_fp, request),
                "id": request.key,
                "sample_id": request.sample_id,
                "target": target,
                "sample_meta": sample.meta,
                "request": request.to_dict(derived=False),
            }
        )
    folder = task_dir(opts.output, model, task.name)
    write_jsonl(folder / "items.jsonl", items)
    write_json(
        folder / "run.json",
        {
            "task": task.name,
            "task_source": str(task.source) if task.source else None,
            "model": model,
            "style": task.style(style)[0],
            "seed": opts.seed,
            "limit": opts.limit,
            "data_dir": str(opts.data_dir(task)),
            "adapter": adapter.name,
            "adapter_fingerprint": adapter_fp,
            "task_fingerprint": task_fp,
        },
    )
    return items


# -- stage 2 -------------------------------------------------------------------------------------
def infer(
    adapter: Adapter,
    items: list[dict[str, Any]],
    cache: ResponseCache,
    progress: Progress | None = None,
) -> tuple[int, int]:
    """Ask the model every item not yet cached; returns (asked, errors)."""
    todo = [it for it in items if it["fp"] not in cache]
    batch_size = max(1, adapter.settings.batch_size)
    asked = errors = 0
    checked: dict[tuple[str, str], str | None] = {}
    done = len(items) - len(todo)
    if progress:
        progress("infer", done, len(items))
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        requests = [Request.from_dict(it["request"]) for it in batch]
        responses: list[Response | None] = [None] * len(batch)
        sendable = []
        for i, req in enumerate(requests):
            problem = check_request_media(req, checked)
            if problem:
                responses[i] = Response(error=problem)
            else:
                sendable.append(i)
        if sendable:
            answers = adapter.generate([requests[i] for i in sendable])
            if len(answers) != len(sendable):
                raise FacebenchError(
                    f"adapter {adapter.name} returned {len(answers)} responses for "
                    f"{len(sendable)} requests"
                )
            for i, answer in zip(sendable, answers):
                responses[i] = answer
        rows = []
        for it, resp in zip(batch, responses):
            assert resp is not None
            errors += resp.error is not None
            rows.append(
                {
                    "fp": it["fp"],
                    "task": it["request"]["task"],
                    "id": it["id"],
                    "response": resp.text,
                    "error": resp.error,
                    "prompt_tokens": resp.prompt_tokens,
                    "completion_tokens": resp.completion_tokens,
                    "time": time.time(),
                }
            )
        cache.append(rows)
        asked += len(batch)
        if progress:
            progress("infer", done + asked, len(items))
    return asked, errors


# -- stage 3 -------------------------------------------------------------------------------------
def score(task: Task, items: list[dict[str, Any]], cache: ResponseCache, mode: Mode) -> list[Prediction]:
    """Parse and score every item's cached response; a missing response is an error row."""
    predictions = []
    for it in items:
        row = cache.get(it["fp"])
        meta = {**it["request"]["meta"], **_sample_meta(it)}
        if row is None:
            text, error = "", "no response (run the infer stage)"
        else:
            text, error = row.get("response") or "", row.get("error")
        if error:
            parsed, rule = None, "error"
        else:
            result = task.parse(text, it["request"]["meta"], mode)
            parsed, rule = result.value, result.rule
        target = _restore(it["target"])
        predictions.append(
            Prediction(
                id=it["id"],
                sample_id=it["sample_id"],
                response=text,
                parsed=parsed,
                rule=rule,
                target=target,
                score=task.kind.score(task, target, parsed) if not error else None,
                error=error,
                meta=meta,
            )
        )
    return predictions


def _sample_meta(item: dict[str, Any]) -> dict[str, Any]:
    return item.get("sample_meta", {})


def _restore(value: Any) -> Any:
    """JSON turns tuples into lists; targets compare with parser output (tuples)."""
    return tuple(value) if isinstance(value, list) else value


# -- stage 4 -------------------------------------------------------------------------------------
def aggregate(task: Task, predictions: list[Prediction], run: dict[str, Any], mode: Mode) -> dict[str, Any]:
    metrics = task.kind.aggregate(task, predictions)
    primary = task.config.primary_metric
    rows = task.kind.headline_rows(task, predictions, primary)
    intervals = {}
    if rows is not None:
        ci = headline_ci(rows, seed=int(run.get("seed") or 0))
        intervals[primary] = {"low": ci["low"], "high": ci["high"], "confidence": 0.95,
                              "n_units": ci["n_units"], "resamples": 1000}
    return {
        "task": task.name,
        "model": run["model"],
        "style": run["style"],
        "mode": mode,
        "n": len(predictions),
        "n_invalid": sum(1 for p in predictions if p.error is None and p.parsed is None),
        "n_error": sum(1 for p in predictions if p.error is not None),
        "primary_metric": task.config.primary_metric,
        "lower_is_better": task.config.lower_is_better,
        "metrics": metrics,
        "confidence_intervals": intervals,
        "floor": task.kind.floor(task, predictions),
        "manifest": build_manifest(run),
    }


def load_run(folder: Path, mode: Mode = "strict") -> tuple[dict[str, Any], Task, list[Prediction]]:
    """(run.json, task, predictions) of a run folder, parsed afresh from its response cache."""
    run_file = folder / "run.json"
    if not run_file.is_file():
        raise FacebenchError(f"{folder}: no run.json; not a facebench task output folder")
    run = json.loads(run_file.read_text(encoding="utf-8"))
    task = get_task(run.get("task_source") or run["task"])
    with gc_paused():
        items = list(read_jsonl(folder / "items.jsonl"))
        return run, task, score(task, items, ResponseCache(folder / "responses.jsonl"), mode)


def score_folder(folder: Path, mode: Mode = "strict") -> dict[str, Any]:
    """Stages 3 and 4 from the files of a finished (or interrupted) run: no model, no dataset."""
    with gc_paused():
        return _score_folder(folder, mode)


def _score_folder(folder: Path, mode: Mode) -> dict[str, Any]:
    run, task, predictions = load_run(folder, mode)
    write_jsonl(folder / "predictions.jsonl", (p.to_dict() for p in predictions))
    result = aggregate(task, predictions, run, mode)
    write_json(folder / "metrics.json", result)
    return result


def run_task(
    task: Task, adapter: Adapter, model: str, opts: RunOptions, progress: Progress | None = None
) -> dict[str, Any]:
    """All four stages for one task; resumes from the response cache."""
    items = prepare(task, adapter, opts, model)
    folder = task_dir(opts.output, model, task.name)
    infer(adapter, items, ResponseCache(folder / "responses.jsonl"), progress)
    return score_folder(folder, opts.mode)
