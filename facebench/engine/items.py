"""``items.jsonl`` as the later stages read it: streamed from disk, never all held at once.

A 331,000-question CelebA run has 331,000 request dicts; holding them (and a second copy as
predictions) is what made memory grow by ~8 KiB per question. The prepare stage writes each
item as it is built and keeps only the fingerprints, in order; the infer and score stages read
the file again, line by line. Every item line starts ``{"fp":"<24 hex>"`` (the writer puts the
fingerprint first), so picking the lines a stage needs reads 24 bytes of each line instead of
parsing it; a line in another shape (a hand-edited file) is parsed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from facebench.engine.store import read_jsonl, write_jsonl

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
        if only is None:
            yield from read_jsonl(self.path)
            return

        def wanted(line: bytes) -> bool:
            fp = _line_fp(line)
            return fp is None or fp in only  # a line of another shape is parsed to see

        for row in read_jsonl(self.path, wanted) if only else ():
            if row.get("fp") in only:
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
        fps: list[str] = []

        def counted() -> Iterator[dict[str, Any]]:
            for item in items:
                fps.append(item["fp"])
                yield item

        write_jsonl(path, counted())
        return PreparedItems(path, fps)
