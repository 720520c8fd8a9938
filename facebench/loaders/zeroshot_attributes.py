"""A zero-shot facial-attribute manifest (Face-MLLM Sec. 5.1.2; the original set is not public).

One row per question variant (format: ``docs/manifests.md``). Fields: ``image`` (relative to
the manifest), ``category`` (e.g. ``eyelid type``), ``label`` (the annotated value, e.g.
``double eyelid``), ``options`` (the category's values; a JSON list, or ``|``-separated in CSV),
``question`` (the variant's wording) and optional ``description`` (the feature description
shown before it) and ``id``. In JSONL, ``questions`` (a list) gives several variants in one
row. Each variant becomes one sample ``<id>/q<k>``: the protocol scores questions, not images.

Image paths must resolve inside the dataset folder (no ``..`` or links out of it); absolute
paths need the loader option ``allow_absolute_paths: true``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebench.errors import DatasetError
from facebench.loaders.manifest import find_manifest, media_path, read_rows
from facebench.types import Sample

DEFAULT_MANIFESTS = ("manifest.jsonl", "manifest.csv")
REQUIRED = ("image", "category", "label", "options")


def _options(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split("|")
    if not isinstance(value, list):
        return []
    return [str(v).strip() for v in value if str(v).strip()]


def _questions(row: dict[str, Any]) -> list[str]:
    value = row.get("questions", row.get("question"))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(q).strip() for q in value if str(q).strip()]


def load(
    root: Path, manifest: str | None = None, allow_absolute_paths: bool = False
) -> list[Sample]:
    """One sample per question variant of the manifest (target = the annotated label).

    Image paths must stay inside the dataset folder; ``allow_absolute_paths`` accepts
    absolute ones (see :func:`facebench.loaders.manifest.media_path`).
    """
    path = find_manifest(Path(root), manifest, DEFAULT_MANIFESTS, "zero-shot attribute manifest")
    samples: list[Sample] = []
    variants: dict[str, int] = {}
    for number, row in read_rows(path):
        missing = [f for f in REQUIRED if not row.get(f)]
        if missing:
            raise DatasetError(f"row lacks field(s) {', '.join(missing)}", path, number)
        options, questions = _options(row["options"]), _questions(row)
        label, category = str(row["label"]).strip(), str(row["category"]).strip()
        if len(set(options)) < 2 or len(set(options)) != len(options):
            raise DatasetError(f"options must list 2+ distinct values, got {row['options']!r}", path, number)
        if label not in options:
            raise DatasetError(f"label {label!r} is not one of the options {options}", path, number)
        if not questions:
            raise DatasetError("row has no question (field 'question' or list 'questions')", path, number)
        image = str(row["image"])
        media = media_path(path, image, Path(root), number, allow_absolute_paths)
        base = str(row.get("id") or Path(image).with_suffix("").as_posix())
        for question in questions:
            variants[base] = variants.get(base, 0) + 1
            samples.append(
                Sample(
                    id=f"{base}/q{variants[base]}",
                    media=(media,),
                    target=label,
                    meta={
                        "category": category,
                        "options": options,
                        "question": question,
                        "description": str(row.get("description") or "").strip(),
                        "annotation": base,
                        "line": number,
                    },
                )
            )
    if not samples:
        raise DatasetError("manifest has no rows", path)
    return samples
