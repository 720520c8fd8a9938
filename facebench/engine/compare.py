"""How many cached answers the ``strict`` and ``reference`` parsing modes read differently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from facebench.engine.store import ResponseCache, read_jsonl
from facebench.tasks.registry import get_task


def compare_modes(folder: Path) -> dict[str, Any]:
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    task = get_task(run.get("task_source") or run["task"])
    cache = ResponseCache(folder / "responses.jsonl")
    n = different = 0
    examples = []
    for it in read_jsonl(folder / "items.jsonl"):
        row = cache.get(it["fp"])
        if row is None or row.get("error"):
            continue
        meta = it["request"]["meta"]
        strict = task.parse(row["response"], meta, "strict")
        reference = task.parse(row["response"], meta, "reference")
        n += 1
        if strict.value != reference.value:
            different += 1
            if len(examples) < 5:
                examples.append({"id": it["id"], "strict": strict.value, "reference": reference.value})
    return {"n": n, "n_different": different, "examples": examples}
