"""MM-Vet: ``mm-vet.json`` + ``images/``.

``mm-vet.json`` maps a question id to ``{"imagename", "capability": [...], "question",
"answer"}`` (218 items). The answer is kept as the target for the GPT judge that grades
MM-Vet; the capabilities go in the sample meta (``capability`` as a list and
``capability_key`` as the sorted, comma-joined combination MM-Vet reports on).

The file is checked item by item, since a hand-edited or re-packed copy is where things go
wrong: an item that is not an object, a missing or mistyped field, or an ``imagename`` that
leads outside ``images/`` is a :class:`DatasetError` naming the file and the item's key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir, require_file
from facebench.loaders.paths import inside_root
from facebench.loaders.text import read_json
from facebench.types import Sample

CAPABILITIES = ("rec", "ocr", "know", "gen", "spat", "math")
FIELDS = ("imagename", "capability", "question", "answer")


def _preview(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_item(key: str, item: Any, path: Path) -> dict[str, Any]:
    """The item as a dict with the four fields of the right types, else a DatasetError."""
    if not isinstance(item, dict):
        raise DatasetError(
            f"item {key!r} is a JSON {type(item).__name__} ({_preview(item)}), expected an "
            f"object with {', '.join(FIELDS)}",
            path,
        )
    missing = [f for f in FIELDS if f not in item]
    if missing:
        raise DatasetError(f"item {key!r} lacks {', '.join(missing)}", path)
    for field in ("imagename", "question"):
        if not isinstance(item[field], str) or not item[field].strip():
            raise DatasetError(
                f"item {key!r}: {field} must be a non-empty string, got {_preview(item[field])}", path
            )
    if not isinstance(item["answer"], (str, int, float)) or isinstance(item["answer"], bool):
        raise DatasetError(
            f"item {key!r}: answer must be a string, got {_preview(item['answer'])}", path
        )
    caps = item["capability"]
    if not isinstance(caps, list) or not caps or any(c not in CAPABILITIES for c in caps):
        raise DatasetError(
            f"item {key!r}: capability must be a list of {', '.join(CAPABILITIES)}, got {caps!r}",
            path,
        )
    return item


def load(root: Path) -> list[Sample]:
    """Every MM-Vet item in file order; the root may be the folder or its ``mm-vet`` parent."""
    root = find_subdir(Path(root), "mm-vet")
    path = require_file(root / "mm-vet.json", "MM-Vet question file")
    images = require_dir(root / "images", "MM-Vet image")
    data = read_json(path)
    if not isinstance(data, dict) or not data:
        raise DatasetError("expected a JSON object of question id -> item", path)
    samples = []
    for key, raw in data.items():
        item = _check_item(key, raw, path)
        caps = item["capability"]
        image = inside_root(images, item["imagename"], path, item=f"item {key!r}")
        samples.append(
            Sample(
                id=str(key),
                media=(str(image),),
                target=str(item["answer"]),
                meta={
                    "capability": list(caps),
                    "capability_key": ",".join(sorted(caps)),
                    "question": str(item["question"]),
                },
            )
        )
    return samples
