"""Helpers for the judge and report tests (a module of its own: test files import it by name)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

KEY = "sk-judge-SECRET-9f8e7d6c5b4a"
KEY_ENV = "FB_JUDGE_TEST_KEY"


def _image(path: Path, seed: int) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(path)
    return str(path)


def _frames(folder: Path, n: int = 12) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        Image.fromarray(np.full((24, 24, 3), 20 * i, dtype=np.uint8)).save(folder / f"{i:04d}.jpg")
    return str(folder)


def write_run(output: Path, model: str, task: str, items: list[dict]) -> Path:
    """A finished task run. ``items``: dicts with id, target, response (None = failed),
    optional media (path), video (bool), meta (sample meta), question."""
    folder = output / model / "facebench" / task
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "run.json").write_text(json.dumps({"task": task, "model": model, "style": "open",
                                                 "protocol": "facebench", "variant": "facebench"}))
    with (folder / "items.jsonl").open("w") as it, (folder / "responses.jsonl").open("w") as rs:
        for n, item in enumerate(items):
            parts = []
            if item.get("media"):
                parts.append({"type": "video" if item.get("video") else "image", "value": item["media"]})
            parts.append({"type": "text", "value": item.get("question", "Describe the face.")})
            request = {"task": task, "id": item["id"], "sample_id": item["id"],
                       "messages": [{"role": "user", "content": parts}], "generation": {},
                       "choices": [], "meta": {}}
            fp = f"fp{n:04d}"
            it.write(json.dumps({"fp": fp, "id": item["id"], "sample_id": item["id"],
                                 "target": item["target"], "sample_meta": item.get("meta", {}),
                                 "request": request}) + "\n")
            resp = item.get("response")
            rs.write(json.dumps({"fp": fp, "id": item["id"], "response": resp or "",
                                 "error": None if resp is not None else "model failed"}) + "\n")
    return folder


def rating_reply(mc: int | str, lc: int | str, c: int | str, reason: str = "ok") -> str:
    """A judge reply in the format of Face-LLaVA Fig. 8 (reasoning rubrics version 2):
    criterion "1" media consistency, "2" ground-truth consistency, "3" completeness."""
    return json.dumps({"rating": {"1": mc, "2": lc, "3": c}, "reason": reason})



def with_health(fn):
    """Wrap a test responder so the judge's health-check probe gets a plain "OK"."""

    def responder(body: dict) -> str:
        from tests.openai_server import last_user_text

        if last_user_text(body) == "Reply with the word OK.":
            return "OK"
        return fn(body)

    return responder
