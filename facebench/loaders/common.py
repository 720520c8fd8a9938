"""Small helpers shared by the loaders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.text import read_text_lines


def require_file(path: Path, what: str) -> Path:
    if not path.is_file():
        raise DatasetError(f"missing {what}", path)
    return path


def require_dir(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise DatasetError(f"missing {what} folder", path)
    return path


def find_subdir(root: Path, name: str) -> Path:
    """``root/name`` if it exists, else ``root`` itself (users point at either level)."""
    return root / name if (root / name).is_dir() else root


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(1-based line number, stripped line) for every non-empty line of a UTF-8 text file.

    Bad bytes are a :class:`DatasetError` naming the file and line (see
    :mod:`facebench.loaders.text`).
    """
    for number, line in read_text_lines(path):
        line = line.strip()
        if line:
            yield number, line
