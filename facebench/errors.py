"""Errors a user can act on. Each names the file, line, sample or key at fault."""

from __future__ import annotations

from pathlib import Path


class FacebenchError(Exception):
    """Base class: the CLI prints these as one clear line instead of a traceback."""


class DatasetError(FacebenchError):
    """A dataset tree is missing a file or has a malformed line."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}"
            where += ": "
        super().__init__(where + message)
        self.path = str(path) if path is not None else None
        self.line = line


class ConfigError(FacebenchError):
    """A task definition or model card is invalid."""
