"""``replay``: serve responses produced elsewhere from a JSONL file.

Each line is ``{"task": ..., "id": ..., "response": ...}`` with ``id`` as written by
``facebench export``. A request with no line in the file becomes an error row, so a partial
file scores what it has and says what is missing.

The file is user input, read once when the adapter is built: a line that is not UTF-8 or
not such a JSON object stops the build with an error naming ``file:line``, before any task
runs, rather than failing task after task. The same ``(task, id)`` on two lines is a
warning naming both lines, and the **later line wins**, as when corrected answers are
appended to a file.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from facebench.adapters.base import Adapter, AdapterSettings
from facebench.errors import ConfigError
from facebench.types import Request, Response

log = logging.getLogger(__name__)

#: duplicates warned about one by one; the rest are counted in one more warning
MAX_DUPLICATE_WARNINGS = 10


class ReplaySettings(AdapterSettings):
    path: Path
    batch_size: int = 1024


def read_replay(path: Path) -> dict[tuple[str, str], str]:
    """``(task, id) -> response`` of a replay file; ConfigError naming ``path:line``."""
    if not path.is_file():
        raise ConfigError(f"replay file not found: {path}")
    table: dict[tuple[str, str], str] = {}
    line_of: dict[tuple[str, str], int] = {}
    duplicates: list[str] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ConfigError(f"{path}:{number}: not UTF-8 text (byte {raw[exc.start]:#04x})") from exc
            if not line.strip():
                continue
            key, response = _parse_line(line, path, number)
            if key in line_of:
                duplicates.append(
                    f"{path}: task {key[0]!r} id {key[1]!r} is on lines {line_of[key]} and "
                    f"{number}; line {number} is used"
                )
            table[key], line_of[key] = response, number
    for message in duplicates[:MAX_DUPLICATE_WARNINGS]:
        log.warning("%s", message)
    if len(duplicates) > MAX_DUPLICATE_WARNINGS:
        log.warning("%s: %d more duplicate ids; the later line wins each time",
                    path, len(duplicates) - MAX_DUPLICATE_WARNINGS)
    return table


def _parse_line(line: str, path: Path, number: int) -> tuple[tuple[str, str], str]:
    try:
        row = json.loads(line)
        key = (str(row["task"]), str(row["id"]))
        response = row["response"]
    except (ValueError, RecursionError, KeyError, TypeError, IndexError) as exc:
        # ValueError covers JSONDecodeError and an integer too long to convert
        detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        raise ConfigError(
            f"{path}:{number}: expected a JSON object with task, id, response ({detail})"
        ) from exc
    if not isinstance(response, str):
        raise ConfigError(f"{path}:{number}: 'response' must be a string")
    return key, response


class ReplayAdapter(Adapter):
    """Answers from a JSONL file of responses produced elsewhere (``--model-arg path=FILE``)."""

    name = "replay"
    Settings = ReplaySettings
    accepts_video = True

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings, **overrides)
        self.table = read_replay(self.settings.path)

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        out = []
        for r in requests:
            text = self.table.get((r.task, r.key))
            if text is None:
                out.append(Response(error=f"no response for task {r.task!r} id {r.key!r} in {self.settings.path}"))
            else:
                out.append(Response(text=text))
        return out

    def fingerprint_settings(self) -> dict[str, Any]:
        # the file's content, not its name, decides the answers
        path = self.settings.path
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.is_file() else "missing"
        return {"content": digest}
