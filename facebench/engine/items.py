"""``items.jsonl`` as the later stages read it: streamed from disk, never all held at once.

A 331,000-question CelebA run has 331,000 request dicts; holding them (and a second copy as
predictions) is what made memory grow by ~8 KiB per question. The prepare stage writes each
item as it is built and keeps only the fingerprints, in order; the infer and score stages read
the file again, line by line. Every item line starts ``{"fp":"<24 hex>"`` (the writer puts the
fingerprint first), so picking the lines a stage needs reads 24 bytes of each line instead of
parsing it; a line in another shape (a hand-edited file) is parsed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from facebench.engine.store import FILE_MODE, dumps_line

_HEAD = b'{"fp":"'
_FP_END = len(_HEAD) + 24


def _line_fp(line: bytes) -> str | None:
    if line.startswith(_HEAD) and line[_FP_END : _FP_END + 1] == b'"':
        return line[len(_HEAD) : _FP_END].decode("ascii")
    return None


@dataclass
class PreparedItems:
    """The items of a prepared run: the file, and each item's fingerprint in file order."""

    path: Path
    fps: list[str]

    def __len__(self) -> int:
        return len(self.fps)

    def rows(self, only: set[str] | None = None) -> Iterator[dict[str, Any]]:
        """Item dicts in file order; with ``only``, just the items whose fingerprint is in it."""
        if only is not None and not only:
            return
        with self.path.open("rb") as fh:
            for number, line in enumerate(fh, start=1):
                if only is not None:
                    fp = _line_fp(line)
                    if fp is not None and fp not in only:
                        continue
                if not line.strip():
                    continue
                try:
                    row = orjson.loads(line)
                except orjson.JSONDecodeError:
                    print(f"warning: {self.path}:{number}: skipping an incomplete line", file=sys.stderr)
                    continue
                if only is None or row.get("fp") in only:
                    yield row

    @staticmethod
    def scan(path: Path) -> PreparedItems:
        """The fingerprints of an existing ``items.jsonl``, read from each line's head."""
        fps = []
        with path.open("rb") as fh:
            for line in fh:
                fp = _line_fp(line)
                if fp is None and line.strip():
                    try:
                        fp = orjson.loads(line).get("fp")
                    except orjson.JSONDecodeError:
                        fp = None
                if fp:
                    fps.append(fp)
        return PreparedItems(path, fps)

    @staticmethod
    def write(path: Path, items: Iterable[dict[str, Any]]) -> PreparedItems:
        """Stream ``items`` (each with ``fp`` as its first key) to ``path`` atomically."""
        import os
        import tempfile

        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.fchmod(fd, FILE_MODE)
        fps: list[str] = []
        try:
            with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
                for item in items:
                    fps.append(item["fp"])
                    fh.write(dumps_line(item))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return PreparedItems(path, fps)
