"""Reading annotation files as text: bad bytes are a one-line error naming the file and line.

Annotation files are UTF-8 (a BOM is dropped). A file saved in another encoding (Latin-1
names, a stray binary byte) would otherwise raise ``UnicodeDecodeError`` from deep inside a
loader, with a traceback and no line number. Every loader reads text through this module.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from facebench.errors import DatasetError


def read_text(path: Path) -> str:
    """The whole file as text; :class:`DatasetError` with the line and byte offset of a bad byte."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DatasetError(f"cannot read the file: {exc.strerror or exc}", path) from exc
    skip = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        return raw[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        line_start = raw.rfind(b"\n", 0, offset) + 1
        raise DatasetError(
            f"not UTF-8 text: byte 0x{raw[offset]:02x} at column {offset - line_start + 1} "
            f"(byte offset {offset}); save the file as UTF-8",
            path,
            raw.count(b"\n", 0, offset) + 1,
        ) from None


def read_text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its line ending) for every line of a text file.

    The whole file is decoded before the first line is given, so a bad byte on line 90,000
    fails before a loader has built any samples.
    """
    text = read_text(path)
    for number, line in enumerate(io.StringIO(text, newline=None), start=1):  # \n, \r\n, \r
        yield number, line.rstrip("\r\n")


def read_json(path: Path) -> Any:
    """A JSON file's value; errors name the file and line (and the column and character)."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"not valid JSON: {exc.msg} "
            f"(line {exc.lineno}, column {exc.colno}, character {exc.pos})",
            path,
            exc.lineno,
        ) from exc
