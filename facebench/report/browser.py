"""The per-sample browser: a static site over a results folder (``facebench view``, and the
``<report>_samples/`` folder ``facebench report`` writes beside its page).

Every scored row of every run, with its picture or a few sampled video frames as thumbnails,
the prompt, the response, the parsed value, the parser rule that fired, the target and the
score. Read from the files a run leaves behind (``items.jsonl`` for media and prompts,
``predictions.jsonl`` for the rest); nothing needs a server, so the folder opens from disk.

What is written under ``site``::

    index.html              the page (plain JS, no network)
    data/index.js           tasks, their runs ("model [variant]") and chunk counts
    data/<task>/flags.js    one status letter per (run, row): the filters read only this
    data/<task>/<k>.js      the rows, ``chunk_size`` per file, loaded when a page needs them
    thumbs/<key>-<i>.jpg    small JPEG thumbnails, one per picture, ``frames`` per video

Data files are JSON wrapped in one function call (``FB.chunk("rafdb", 0, [...])``) because a
page opened from ``file://`` may load scripts but not ``fetch`` files. Filtering a million rows
reads the flags (one byte per row and run); only the chunks of the page shown are loaded.

A row's status: ``error`` (the model call or its media failed), ``invalid`` (answered, not
parseable), ``wrong`` (scored below full marks: a 0/1 score of 0, or for an absolute-error
score such as age, any error above 0), ``right``, or ``unscored`` (waits for a judge).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facebench.engine.layout import run_folders
from facebench.engine.store import read_jsonl
from facebench.errors import FacebenchError

PAGE = Path(__file__).with_name("browser.html")
FLAG = {"right": "r", "wrong": "w", "invalid": "i", "error": "e", "unscored": "u"}
ABSENT = "-"


def run_key(folder: Path) -> str:
    """``model [variant]``, the name a run has in every report figure and table."""
    return f"{folder.parent.parent.name} [{folder.parent.name}]"


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and "value" in value:
        return _number(value["value"])
    return None


def status(row: dict[str, Any]) -> str:
    """The row's status (see the module docstring)."""
    if row.get("error"):
        return "error"
    if row.get("parsed") is None:
        return "invalid"
    score = row.get("score")
    if score is None:
        return "unscored"
    if _number(row.get("parsed")) is not None and _number(row.get("target")) is not None:
        return "wrong" if float(score) > 0 else "right"  # an absolute error (age in years)
    return "wrong" if float(score) < 1 else "right"


def _prompt(request: dict[str, Any]) -> str:
    parts = []
    for message in request.get("messages") or []:
        texts = [c.get("value", "") for c in message.get("content") or [] if c.get("type") == "text"]
        if texts:
            role = message.get("role", "user")
            parts.append(("" if role == "user" else f"[{role}] ") + "\n".join(texts))
    return "\n\n".join(parts)


def _media(request: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["type"], str(c["value"])) for message in request.get("messages") or []
            for c in message.get("content") or [] if c.get("type") in ("image", "video")]


@dataclass
class _Thumbs:
    """Thumbnails of every distinct media string, written once into ``folder``."""

    folder: Path
    size: int = 160
    frames: int = 4
    done: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def key(self, kind: str, value: str) -> str:
        from facebench.media import parse_ref

        path = Path(parse_ref(value).path)
        try:
            st = path.stat()
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        return hashlib.sha256(f"{kind}\0{value}\0{stamp}\0{self.size}".encode()).hexdigest()[:20]

    def make(self, kind: str, value: str) -> dict[str, Any]:
        """``{"kind", "src", "thumbs": [file names]}``, or with ``"error"`` when unreadable."""
        from facebench import media

        entry: dict[str, Any] = {"kind": kind, "src": value, "thumbs": []}
        key = self.key(kind, value)
        while (self.folder / f"{key}-{len(entry['thumbs'])}.jpg").is_file():  # written by an earlier run
            entry["thumbs"].append(f"{key}-{len(entry['thumbs'])}.jpg")
        if entry["thumbs"]:
            return entry
        plain = media.with_crop(value, None) if "#" in value else value  # show the source frame
        try:
            if kind == "image":
                images = [media.load_image(plain)]
            else:
                try:
                    images = media.sample_frames(plain, self.frames)
                except media.MediaError:  # a clip shorter than `frames`: its first frame
                    images = media.sample_frames(plain, 1)
        except Exception as exc:  # any unreadable file is shown as such, never stops the page
            entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
            return entry
        for i, image in enumerate(images):
            image = image.convert("RGB")
            image.thumbnail((self.size, self.size))
            name = f"{key}-{i}.jpg"
            tmp = self.folder / f".{name}.tmp"
            image.save(tmp, format="JPEG", quality=80)
            tmp.replace(self.folder / name)
            entry["thumbs"].append(name)
        return entry

    def make_all(self, wanted: Iterable[tuple[str, str]], workers: int) -> None:
        todo = [w for w in dict.fromkeys(wanted) if w not in self.done]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            for w, entry in zip(todo, pool.map(lambda kv: self.make(*kv), todo)):
                self.done[w] = entry


def _js(path: Path, call: str, *args: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ", ".join(json.dumps(a, ensure_ascii=True, separators=(",", ":")) for a in args)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(f"{call}({body});\n", encoding="ascii")
    tmp.replace(path)


def _task_rows(folders: list[Path]) -> tuple[list[str], list[dict[str, Any]]]:
    """(run keys, one row per id in first-seen order with every run's answer)."""
    keys = [run_key(f) for f in folders]
    rows: dict[str, dict[str, Any]] = {}
    for key, folder in zip(keys, folders):
        items = {it["id"]: it for it in read_jsonl(folder / "items.jsonl") if "id" in it}
        for p in read_jsonl(folder / "predictions.jsonl"):
            rid = str(p.get("id"))
            request = (items.get(rid) or {}).get("request") or {}
            row = rows.setdefault(rid, {"id": rid, "sample_id": p.get("sample_id"), "target": p.get("target"),
                                        "media": _media(request), "runs": {}})
            if not row["media"]:
                row["media"] = _media(request)
            row["runs"][key] = {
                "prompt": _prompt(request), "response": p.get("response"), "parsed": p.get("parsed"),
                "rule": p.get("rule"), "score": p.get("score"), "error": p.get("error"),
                "status": status(p),
            }
    return keys, list(rows.values())


def write_browser(output: Path, site: Path, *, chunk_size: int = 100, frames: int = 4,
                  thumb_size: int = 160, workers: int | None = None) -> Path:
    """Write the sample browser of ``output`` into ``site``; returns ``site/index.html``.

    Rerunning into the same folder reuses the thumbnails already there (keyed by the media
    string and its file's size and modification time).
    """
    output, site = Path(output), Path(site)
    by_task: dict[str, list[Path]] = {}
    for folder in run_folders(output):
        if (folder / "predictions.jsonl").is_file():
            by_task.setdefault(folder.name, []).append(folder)
    data = site / "data"
    if data.exists():
        if not (data / "index.js").is_file():
            raise FacebenchError(f"{site} has a data/ folder that facebench did not write; "
                                 f"choose another folder for the sample browser")
        shutil.rmtree(data)  # a task or run that is gone must not linger in the page
    thumbs = _Thumbs(site / "thumbs", size=thumb_size, frames=frames)
    thumbs.folder.mkdir(parents=True, exist_ok=True)
    workers = workers or min(8, os.cpu_count() or 1)
    index: dict[str, Any] = {"output": str(output), "chunk_size": chunk_size, "tasks": []}
    for task, folders in sorted(by_task.items()):
        keys, rows = _task_rows(folders)
        thumbs.make_all(((k, v) for r in rows for k, v in r["media"]), workers)
        flags = {k: "".join(FLAG[r["runs"][k]["status"]] if k in r["runs"] else ABSENT for r in rows)
                 for k in keys}
        _js(data / task / "flags.js", "FB.flags", task, flags)
        for k in range(0, len(rows), chunk_size):
            chunk = []
            for r in rows[k:k + chunk_size]:
                prompts = {run["prompt"] for run in r["runs"].values()}
                shared = prompts.pop() if len(prompts) == 1 else None
                chunk.append({
                    "id": r["id"], "sample_id": r["sample_id"], "target": r["target"], "prompt": shared,
                    "media": [thumbs.done[m] for m in r["media"]],
                    "runs": {key: {f: v for f, v in run.items() if not (f == "prompt" and shared is not None)}
                             for key, run in r["runs"].items()},
                })
            _js(data / task / f"{k // chunk_size}.js", "FB.chunk", task, k // chunk_size, chunk)
        metrics = {}
        for folder in folders:
            path = folder / "metrics.json"
            if path.is_file():
                m = json.loads(path.read_text(encoding="utf-8"))
                metrics[run_key(folder)] = {"primary": m.get("primary_metric"),
                                            "value": (m.get("metrics") or {}).get(m.get("primary_metric")),
                                            "lower_is_better": m.get("lower_is_better") or []}
        index["tasks"].append({"name": task, "n": len(rows), "runs": keys, "metrics": metrics,
                               "n_chunks": -(-len(rows) // chunk_size)})
    _js(data / "index.js", "FB.index", index)
    page = site / "index.html"
    shutil.copyfile(PAGE, page)
    return page
