"""On-disk files of a run: the append-only response cache and whole-file JSONL/JSON writes.

Responses are the expensive part of an evaluation (GPU time, API money), so each one is
appended to ``responses.jsonl`` the moment it arrives, with one ``write`` per response: once
that returns the line is in the operating system's hands, so Ctrl-C or ``kill -9`` of facebench
loses nothing that was answered (only what was still in flight). ``fsync`` (which guards
against the *machine* going down) runs at most once a second and when the cache is closed, so
saving never throttles a fast model. A line cut short by a crash is skipped on the next read,
and the next append starts on a fresh line.

Every file a run writes gets the same permissions (``0666`` less the umask, as ``open`` gives):
the whole-file writers go through ``mkstemp``, whose private ``0600`` would otherwise make
``metrics.json`` unreadable to a group that can read ``responses.jsonl``.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

# orjson: JSONL rows are read and written by the hundred thousand when a run is re-scored;
# it is several times faster than the json module on both. Non-string keys (AU codes) and
# other values (paths, numpy scalars) are written as json.dumps(default=str) would.
_DUMP_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_LINE_OPTIONS = _DUMP_OPTIONS | orjson.OPT_APPEND_NEWLINE


def dumps_line(row: Any) -> bytes:
    """One JSONL line (UTF-8, newline-terminated)."""
    return orjson.dumps(row, default=str, option=_LINE_OPTIONS)


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: permissions of every results file (what a plain ``open(path, "w")`` would give)
FILE_MODE = _default_mode()

#: seconds between fsyncs of the response cache while answers stream in
FSYNC_INTERVAL = 1.0


_held_locks: dict[Path, int] = {}


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold ``<folder>/.lock`` exclusively: one process writes a task folder at a time.

    A second ``facebench run`` (or ``score``) on the same folder fails at once with a clear
    message instead of rewriting ``items.jsonl`` under the first. Re-entrant within a process;
    the operating system drops the lock when the holder dies, so a killed run never leaves a
    stale lock behind.
    """
    import fcntl

    from facebench.errors import FacebenchError

    key = Path(folder).resolve()
    if _held_locks.get(key):
        _held_locks[key] += 1
        try:
            yield
        finally:
            _held_locks[key] -= 1
        return
    key.mkdir(parents=True, exist_ok=True)
    fd = os.open(key / ".lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise FacebenchError(
                f"{folder} is being written by another facebench process (pid {holder}); "
                f"wait for it to finish, or write to another --output"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held_locks[key] = 1
        try:
            yield
        finally:
            _held_locks.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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


def read_jsonl(
    path: Path,
    keep: Callable[[bytes], bool] | None = None,
    decode: Callable[[bytes], Any] = orjson.loads,
) -> Iterator[Any]:
    """Rows of a JSONL file; a blank line is skipped, and so is a truncated or corrupt line (a
    crash mid-write), with a warning.

    ``keep``: a test on the raw line, so a reader that needs few rows does not parse the rest.
    ``decode``: what a line becomes (a reader that needs a few fields of each row can cut them
    out, :func:`facebench.engine.items.scoring_items`); it raises ``ValueError`` (orjson's
    ``JSONDecodeError`` is one) for a line it cannot read. Blank lines are told apart only
    when a line does not decode: stripping every line copied it.
    """
    if not path.exists():
        return
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if keep is not None and not keep(line):
                continue
            try:
                row = decode(line)
            except ValueError:
                if line.strip():
                    print(f"warning: {path}:{number}: skipping an incomplete line", file=sys.stderr)
                continue
            yield row


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write a whole JSONL file atomically (temp file + rename): readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.fchmod(fd, FILE_MODE)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
            # rows may be a generator that fails (or is interrupted) midway
            fh.writelines(map(dumps_line, rows))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.fchmod(fd, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")
    os.replace(tmp, path)


class ResponseCache:
    """``responses.jsonl`` of one model and task, keyed by request fingerprint.

    Only successful responses count as cached: an error row is kept for the record but the
    request is asked again on the next run (the image may have been fixed, the API may be up).
    :meth:`add` may be called from several threads (an adapter's event loop and the engine's
    media checks); a lock keeps lines whole.

    ``compact`` keeps, per fingerprint, only what scoring reads (:meth:`answer`: the text, the
    error, the frames shown) instead of the whole row: a 331,000-answer cache then holds a
    few dozen bytes plus the text per answer, not a dict of eight fields. :meth:`get` still
    returns a row (rebuilt from those fields).
    """

    def __init__(self, path: Path, compact: bool = False) -> None:
        self.path = path
        self.compact = compact
        self.done: dict[str, Any] = {}
        self.errors: dict[str, Any] = {}
        self._fh: Any = None
        self._lock = threading.Lock()
        self._last_sync = 0.0
        done, errors = self.done, self.errors
        for row in read_jsonl(path):
            fp = row.get("fp")
            if not fp:
                continue
            error = row.get("error")
            # compact: answer_of(row), written out (once per answer of a 331,000-answer run)
            kept = (row.get("response") or "", error, row.get("frames_shown")) if compact else row
            if error is None:
                done[fp] = kept
                if errors:
                    errors.pop(fp, None)
            elif fp not in done:
                errors[fp] = kept

    def __contains__(self, fp: str) -> bool:
        return fp in self.done

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, fp: str) -> dict[str, Any] | None:
        """The successful row for a fingerprint, else the latest error row, else None (in
        compact mode: the row's ``fp``, ``response``, ``error`` and ``frames_shown`` only)."""
        kept = self.done.get(fp) or self.errors.get(fp)
        if kept is None or not self.compact:
            return kept
        text, error, frames = kept
        row = {"fp": fp, "response": text, "error": error}
        if frames:
            row["frames_shown"] = frames
        return row

    def answer(self, fp: str) -> tuple[str, str | None, dict[str, int] | None] | None:
        """(text, error, frames shown) of the successful row, else of the latest error row."""
        kept = self.done.get(fp) or self.errors.get(fp)
        if kept is None or self.compact:
            return kept
        return answer_of(kept)

    def _open(self) -> Any:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+b", buffering=0)  # noqa: SIM115 - held until close()
            fh.seek(0, os.SEEK_END)
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":  # the previous writer died mid-line
                    fh.write(b"\n")
            self._fh = fh
        return self._fh

    def add(self, row: dict[str, Any]) -> None:
        """Save one response now: one unbuffered write, so a killed process keeps it."""
        line = dumps_line(row)
        with self._lock:
            fh = self._open()
            fh.write(line)
            now = time.monotonic()
            if now - self._last_sync >= FSYNC_INTERVAL:
                os.fsync(fh.fileno())
                self._last_sync = now
            self._remember(row)

    def append(self, rows: list[dict[str, Any]]) -> None:
        """Save several responses with one write (then fsync)."""
        if not rows:
            return
        with self._lock:
            fh = self._open()
            fh.write(b"".join(dumps_line(r) for r in rows))
            os.fsync(fh.fileno())
            for r in rows:
                self._remember(r)

    def _remember(self, row: dict[str, Any]) -> None:
        kept = answer_of(row) if self.compact else row
        if row.get("error") is None:
            self.done[row["fp"]] = kept
            self.errors.pop(row["fp"], None)
        else:
            self.errors[row["fp"]] = kept

    def close(self) -> None:
        """fsync and close the file; the cache can still be read (and reopened by a write)."""
        with self._lock:
            if self._fh is not None:
                os.fsync(self._fh.fileno())
                self._fh.close()
                self._fh = None


def answer_of(row: dict[str, Any]) -> tuple[str, str | None, dict[str, int] | None]:
    """What scoring reads of a response row: (text, error, frames shown)."""
    return (row.get("response") or "", row.get("error"), row.get("frames_shown"))

