"""On-disk files of a run: the append-only response cache and whole-file JSONL/JSON writes.

Responses are the expensive part of an evaluation (GPU time, API money), so they are appended
to ``responses.jsonl`` as they arrive and fsync'd per batch: Ctrl-C or ``kill -9`` loses at
most the batch in flight. A line cut short by a crash is skipped on the next read, and the next
append starts on a fresh line.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

# orjson: JSONL rows are read and written by the hundred thousand when a run is re-scored;
# it is several times faster than the json module on both. Non-string keys (AU codes) and
# other values (paths, numpy scalars) are written as json.dumps(default=str) would.
_DUMP_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps_line(row: Any) -> bytes:
    """One JSONL line (UTF-8, newline-terminated)."""
    return orjson.dumps(row, default=str, option=_DUMP_OPTIONS | orjson.OPT_APPEND_NEWLINE)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of rows are built.

    Every few hundred new dicts trigger a collection that walks all objects alive, so loading a
    331,000-row run took ~5x longer with it on; rows have no reference cycles to collect.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL file; a truncated or corrupt line (a crash mid-write) is skipped."""
    if not path.exists():
        return
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError:
                print(f"warning: {path}:{number}: skipping an incomplete line", file=sys.stderr)


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write a whole JSONL file atomically (temp file + rename): readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as fh:
        for row in rows:
            fh.write(dumps_line(row))
    os.replace(tmp, path)


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")
    os.replace(tmp, path)


class ResponseCache:
    """``responses.jsonl`` of one model and task, keyed by request fingerprint.

    Only successful responses count as cached: an error row is kept for the record but the
    request is asked again on the next run (the image may have been fixed, the API may be up).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, dict[str, Any]] = {}
        self.errors: dict[str, dict[str, Any]] = {}
        for row in read_jsonl(path):
            fp = row.get("fp")
            if not fp:
                continue
            if row.get("error") is None:
                self.done[fp] = row
                self.errors.pop(fp, None)
            elif fp not in self.done:
                self.errors[fp] = row

    def __contains__(self, fp: str) -> bool:
        return fp in self.done

    def get(self, fp: str) -> dict[str, Any] | None:
        """The successful row for a fingerprint, else the latest error row, else None."""
        return self.done.get(fp) or self.errors.get(fp)

    def append(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as fh:
            fh.seek(0, os.SEEK_END)
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":  # the previous writer died mid-line
                    fh.write(b"\n")
            fh.write(b"".join(dumps_line(r) for r in rows))
            fh.flush()
            os.fsync(fh.fileno())
        for r in rows:
            if r.get("error") is None:
                self.done[r["fp"]] = r
                self.errors.pop(r["fp"], None)
            else:
                self.errors[r["fp"]] = r
