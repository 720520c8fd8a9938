"""Where the declarative folders (tasks/, synonyms/, model_adapters/) and the demo data live.

In a wheel they are packaged under ``facebench/_data``; in a source checkout (editable install,
tests) they sit at the repository root. Callers never need to know which.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_path(*parts: str) -> Path:
    """Path of a shipped declarative folder or file, e.g. ``data_path("tasks", "rafdb.yaml")``."""
    packaged = _PACKAGE.joinpath("_data", *parts)
    if packaged.exists():
        return packaged
    return _PACKAGE.parent.joinpath(*parts)


def demo_root() -> Path:
    """Root of the embedded demo data: one sub-folder per task, in each dataset's layout."""
    return _PACKAGE / "demo_data"
