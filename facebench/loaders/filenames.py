"""Datasets whose labels live in the image file names (AgeDB, UTKFace, MORPH II).

These datasets ship as folders of images named like ``0_MariaCallas_35_f.jpg``; there is no
label file to point at when something is wrong, so the file name *is* the annotation. This
module scans such a folder once, matches each name against the dataset's pattern and turns the
match into a :class:`Sample` with a dataset-specific callback, so each dataset module only
states its pattern and its field meanings.

Names that do not match are a known fact of life (UTKFace has a few files with a field
missing). ``on_malformed`` decides: ``"skip"`` (default) drops them with one
:class:`DatasetWarning` that names them, ``"error"`` raises a :class:`DatasetError` naming the
first one. Either way nothing is silently guessed.

None of these datasets has an official test split that ships with the images. ``subset_file``
(a text file, one image file name or relative path per line; a relative ``subset_file`` is
relative to the dataset folder) restricts the evaluation to a split taken from a paper or a
user's protocol; a listed file that is not in the folder is an error naming the subset file and
line. ``subset_source`` says in one line where that split comes from: a protocol that *requires*
a paper's split (Face-LLaVA's UTKFace and MORPH II test sets) sets both, so a missing split file
is an error that tells the user where to get it, never a silent run on the whole dataset.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from facebench.errors import DatasetError
from facebench.loaders.common import require_dir, require_file, text_lines
from facebench.types import Sample

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")
OnMalformed = Literal["skip", "error"]
#: match of the file name (without folders) -> (target, meta), or None to drop the file
Build = Callable[[re.Match[str], Path], "tuple[Any, dict[str, Any]] | None"]


class DatasetWarning(UserWarning):
    """Files were skipped while reading a dataset (the message names them)."""


def image_files(folder: Path, recursive: bool = True) -> list[Path]:
    """Image files under ``folder`` in a stable (sorted) order; hidden files are ignored."""
    found = folder.rglob("*") if recursive else folder.iterdir()
    return sorted(
        p
        for p in found
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
    )


def sample_id(path: Path, root: Path) -> str:
    """Relative path without the image suffix (``part1/23_0_1_2017...``): unique and stable."""
    rel = path.relative_to(root).as_posix()
    # UTKFace's cropped faces are named "<fields>.jpg.chip.jpg"
    return re.sub(r"(\.jpe?g)?(\.chip)?\.(jpe?g|png|bmp)$", "", rel, flags=re.IGNORECASE)


def read_subset(
    subset_file: str | Path, root: Path, source: str | None = None
) -> list[tuple[int, str]]:
    """(line number, name) of every listed image; relative paths are relative to ``root``.

    A missing file is a one-line error naming the option, plus ``source`` (where to get it)."""
    path = Path(subset_file)
    path = path if path.is_absolute() else root / path
    if source and not path.is_file():
        raise DatasetError(f"missing split file (loader_options.subset_file): {source}", path)
    require_file(path, "subset file")
    return [(n, line.split()[0]) for n, line in text_lines(path) if not line.startswith("#")]


def scan(
    root: Path,
    pattern: re.Pattern[str],
    build: Build,
    *,
    dataset: str,
    expected: str,
    recursive: bool = True,
    on_malformed: OnMalformed = "skip",
    subset_file: str | Path | None = None,
    subset_source: str | None = None,
) -> list[Sample]:
    """Every image under ``root`` whose name matches ``pattern`` (full match), as samples.

    ``expected`` is the name pattern in words, quoted in warnings and errors so the user sees
    what the file should have been called. ``subset_source`` without ``subset_file`` is an
    error: a required split must be named.
    """
    if on_malformed not in ("skip", "error"):
        raise DatasetError(f"on_malformed must be 'skip' or 'error', not {on_malformed!r}")
    if subset_source and subset_file is None:
        raise DatasetError(
            f"{dataset}: subset_source is set but subset_file is not: {subset_source}"
        )
    root = require_dir(Path(root), f"{dataset} image")
    if subset_file is not None:  # a missing split file is reported before the folder is scanned
        read_subset(subset_file, root, subset_source)
    files = image_files(root, recursive)
    if not files:
        raise DatasetError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in the {dataset} folder", root)
    if subset_file is not None:
        files = _restrict(files, root, subset_file, subset_source)
    samples: list[Sample] = []
    malformed: list[Path] = []
    for path in files:
        match = pattern.fullmatch(path.name)
        built = build(match, path) if match else None
        if built is None:
            if on_malformed == "error":
                raise DatasetError(f"{dataset} file name does not follow {expected}", path)
            malformed.append(path)
            continue
        target, meta = built
        samples.append(
            Sample(id=sample_id(path, root), media=(str(path),), target=target, meta=meta)
        )
    if malformed:
        shown = ", ".join(p.relative_to(root).as_posix() for p in malformed[:20])
        more = f" and {len(malformed) - 20} more" if len(malformed) > 20 else ""
        warnings.warn(
            f"{root}: skipped {len(malformed)} {dataset} file(s) whose name does not follow "
            f"{expected}: {shown}{more} (on_malformed='error' makes this an error)",
            DatasetWarning,
            stacklevel=2,
        )
    if not samples:
        raise DatasetError(f"no {dataset} file name follows {expected}", root)
    return samples


def _restrict(
    files: list[Path], root: Path, subset_file: str | Path, source: str | None = None
) -> list[Path]:
    by_rel = {p.relative_to(root).as_posix(): p for p in files}
    by_name: dict[str, list[Path]] = {}
    for p in files:
        by_name.setdefault(p.name, []).append(p)
    path = Path(subset_file) if Path(subset_file).is_absolute() else root / subset_file
    chosen: list[Path] = []
    for number, name in read_subset(subset_file, root, source):
        hit = by_rel.get(name) or (by_name.get(name) if "/" not in name else None)
        if not hit:
            raise DatasetError(f"listed image {name!r} is not in {root}", path, number)
        if isinstance(hit, list):
            if len(hit) > 1:
                raise DatasetError(
                    f"listed image {name!r} is ambiguous ({len(hit)} files have that name); "
                    "list it by its relative path",
                    path,
                    number,
                )
            hit = hit[0]
        chosen.append(hit)
    return chosen
