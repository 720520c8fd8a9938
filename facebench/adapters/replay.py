"""``replay``: serve responses produced elsewhere from a JSONL file.

Each line is ``{"task": ..., "id": ..., "response": ...}`` with ``id`` as written by
``facebench export``. A request with no line in the file becomes an error row, so a partial
file scores what it has and says what is missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from facebench.adapters.base import Adapter, AdapterSettings
from facebench.errors import ConfigError
from facebench.types import Request, Response


class ReplaySettings(AdapterSettings):
    path: Path
    batch_size: int = 1024


class ReplayAdapter(Adapter):
    """Answers from a JSONL file of responses produced elsewhere (``--model-arg path=FILE``)."""

    name = "replay"
    Settings = ReplaySettings
    accepts_video = True

    @cached_property
    def table(self) -> dict[tuple[str, str], str]:
        path = self.settings.path
        if not path.is_file():
            raise ConfigError(f"replay file not found: {path}")
        table: dict[tuple[str, str], str] = {}
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    key = (str(row["task"]), str(row["id"]))
                    response = row["response"]
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise ConfigError(
                        f"{path}:{number}: expected a JSON object with task, id, response ({exc})"
                    ) from exc
                if not isinstance(response, str):
                    raise ConfigError(f"{path}:{number}: 'response' must be a string")
                table[key] = response
        return table

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
