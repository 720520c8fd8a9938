"""Any dataset given as a folder-per-class tree: ``<root>/<split>/<label>/<image>``.

Used by AffectNet (as most users have it: the official CSVs are usually converted to this
tree), and by any classification set a user arranges the same way. The label folder is either
a numeric id or a class name, so both ``val/1/x.jpg`` and ``val/happy/x.jpg`` work:

- ``label_map``: folder name (case-insensitive) -> class, e.g. ``{"1": happiness, happy:
  happiness}``. A folder named exactly like a class (case-insensitive) needs no entry.
- ``split``: the split folder; a list means "the first that exists" (``[val, validation]``),
  because re-distributions name it differently. ``split: .`` reads ``<root>/<label>/``.

A folder that maps to no class is an error naming it and the accepted names: silently dropping
a class would change every metric. Sample ids are ``<label folder>/<image stem>``.
"""

from __future__ import annotations

from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import require_dir
from facebench.loaders.filenames import image_files
from facebench.types import Sample


def _split_dir(root: Path, split: str | list[str]) -> tuple[Path, str]:
    names = [split] if isinstance(split, str) else list(split)
    for name in names:
        if (root / name).is_dir():
            return root / name, name
    tried = ", ".join(str(root / n) for n in names)
    raise DatasetError(f"missing split folder (looked for {tried})", root / names[0])


def load(
    root: Path,
    split: str | list[str] = "test",
    label_map: dict[str, str] | None = None,
    classes: list[str] | None = None,
    ignore: list[str] | None = None,
) -> list[Sample]:
    """Every image of the split, labelled by its folder (see the module docstring).

    ``classes`` (optional) are names accepted as folders without a ``label_map`` entry;
    ``ignore`` lists label folders to leave out on purpose (e.g. ``["7"]`` for AffectNet's
    7-class protocol without contempt).
    """
    root = require_dir(Path(root), "dataset")
    folder, split_name = _split_dir(root, split)
    mapping = {str(k).lower(): str(v) for k, v in (label_map or {}).items()}
    known = set(mapping.values()) | set(classes or ())
    mapping.update({c.lower(): c for c in known if c.lower() not in mapping})
    skipped = {str(i).lower() for i in ignore or ()}
    label_dirs = sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name.lower() not in skipped
    )
    if not label_dirs:
        raise DatasetError("no label folders in the split folder", folder)
    samples: list[Sample] = []
    for label_dir in label_dirs:
        cls = mapping.get(label_dir.name.lower())
        if cls is None:
            raise DatasetError(
                f"label folder {label_dir.name!r} is neither a known id nor a class name; "
                f"accepted: {', '.join(sorted(mapping))}",
                label_dir,
            )
        meta = {"split": split_name, "label_folder": label_dir.name}
        if label_dir.name.isdigit():
            meta["label_id"] = int(label_dir.name)
        for path in image_files(label_dir, recursive=False):
            samples.append(
                Sample(id=f"{label_dir.name}/{path.stem}", media=(str(path),), target=cls, meta=meta)
            )
    if not samples:
        raise DatasetError("no images in any label folder", folder)
    return samples
