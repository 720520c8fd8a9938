"""MM-Vet: ``mm-vet.json`` + ``images/``.

``mm-vet.json`` maps a question id to ``{"imagename", "capability": [...], "question",
"answer"}`` (218 items). The answer is kept as the target for the GPT judge that grades
MM-Vet; the capabilities go in the sample meta (``capability`` as a list and
``capability_key`` as the sorted, comma-joined combination MM-Vet reports on).
"""

from __future__ import annotations

import json
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir, require_file
from facebench.types import Sample

CAPABILITIES = ("rec", "ocr", "know", "gen", "spat", "math")


def load(root: Path) -> list[Sample]:
    """Every MM-Vet item in file order; the root may be the folder or its ``mm-vet`` parent."""
    root = find_subdir(Path(root), "mm-vet")
    path = require_file(root / "mm-vet.json", "MM-Vet question file")
    images = require_dir(root / "images", "MM-Vet image")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetError(f"not valid JSON: {exc.msg}", path, exc.lineno) from exc
    if not isinstance(data, dict) or not data:
        raise DatasetError("expected a JSON object of question id -> item", path)
    samples = []
    for key, item in data.items():
        missing = [f for f in ("imagename", "capability", "question", "answer") if f not in item]
        if missing:
            raise DatasetError(f"item {key!r} lacks {', '.join(missing)}", path)
        caps = item["capability"]
        if not isinstance(caps, list) or not caps or any(c not in CAPABILITIES for c in caps):
            raise DatasetError(
                f"item {key!r}: capability must be a list of {', '.join(CAPABILITIES)}, got {caps!r}",
                path,
            )
        samples.append(
            Sample(
                id=str(key),
                media=(str(images / item["imagename"]),),
                target=str(item["answer"]),
                meta={
                    "capability": list(caps),
                    "capability_key": ",".join(sorted(caps)),
                    "question": str(item["question"]),
                },
            )
        )
    return samples
