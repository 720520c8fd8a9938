"""Reading user-filled manifests (CSV or JSONL): rows with their line numbers.

Datasets without a public layout (the Face-MLLM zero-shot attribute set, EmotioNet's local
copies) are described by a manifest the user writes; see ``docs/manifests.md``. Errors name
the manifest and the line, since that is the file the user must fix.

Image paths are relative to the manifest's folder and must stay inside the dataset folder
(:func:`facebench.loaders.paths.inside_root`); absolute paths need the loader option
``allow_absolute_paths: true``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from facebench.errors import DatasetError
from facebench.loaders.common import require_file
from facebench.loaders.paths import inside_root
from facebench.loaders.text import read_text, read_text_lines


def find_manifest(root: Path, name: str | None, defaults: tuple[str, ...], what: str) -> Path:
    """``root/name`` (or ``name`` if absolute), else the first of ``defaults`` under ``root``."""
    root = Path(root)
    if name:
        path = Path(name) if Path(name).is_absolute() else root / name
        return require_file(path, what)
    for default in defaults:
        if (root / default).is_file():
            return root / default
    raise DatasetError(f"missing {what} (looked for {', '.join(defaults)})", root / defaults[0])


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) of a ``.csv`` (header row first) or ``.jsonl`` manifest."""
    if path.suffix.lower() == ".jsonl":
        for number, line in read_text_lines(path):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"not valid JSON: {exc.msg}", path, number) from exc
            if not isinstance(row, dict):
                raise DatasetError("each line must be a JSON object", path, number)
            yield number, row
    elif path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
        if not reader.fieldnames:
            raise DatasetError("empty CSV manifest (no header row)", path, 1)
        for row in reader:
            if None in row:
                raise DatasetError("more cells than header columns", path, reader.line_num)
            if not any((v or "").strip() for v in row.values()):
                continue
            yield reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items()}
    else:
        raise DatasetError("a manifest must be a .csv or .jsonl file", path)


def media_path(
    manifest: Path, value: str, root: Path, line: int | None = None, allow_absolute: bool = False
) -> str:
    """An image path of a manifest: relative to the manifest's folder, inside the dataset.

    The dataset folder is ``root`` (the loader's), or the manifest's own folder when the
    loader option ``manifest`` names a file outside ``root``. A path leading out of it, or an
    absolute path without ``allow_absolute`` (loader option ``allow_absolute_paths``), is a
    :class:`DatasetError` naming the manifest and line.
    """
    folder = manifest.parent
    if not folder.resolve().is_relative_to(Path(root).resolve()):
        root = folder
    return str(inside_root(root, value, manifest, line, base=folder, allow_absolute=allow_absolute))
