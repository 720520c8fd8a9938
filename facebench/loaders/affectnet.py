"""AffectNet in its release layout, or as a folder-per-class tree; 8 or 7 classes.

Release layout (as the dataset is distributed)::

    Manually_Annotated_file_lists/validation.csv
    Manually_Annotated_Images/<subDirectory>/<image>.jpg

``validation.csv`` has the columns ``subDirectory_filePath, face_x, face_y, face_width,
face_height, facial_landmarks, expression, valence, arousal``; the header row is read by name
when present (copies without it are read by position: path first, expression seventh).
Expression codes: 0 Neutral, 1 Happy, 2 Sad, 3 Surprise, 4 Fear, 5 Disgust, 6 Anger,
7 Contempt, 8 None, 9 Uncertain, 10 No-Face. Codes 8-10 are not expressions and are dropped,
as every published protocol does; ``n_classes: 7`` drops 7 (Contempt) too. The validation set
is the test set (500 images per class in the 8-class set). Images are looked up in
``Manually_Annotated_Images/`` (also under ``Manually_Annotated/`` or
``Manually_Annotated_compressed/``), or the folder given as ``images``; paths must stay inside
the dataset folder. Sample ids are the CSV paths without extension.

Folder layout: :mod:`facebench.loaders.folder_per_class` with the options it takes (``split``,
``label_map``, ``classes``, ``ignore``); ``n_classes: 7`` ignores the ``7``/``contempt`` folder.

``layout``: ``auto`` (release when the CSV exists, else folders), ``release`` or ``folders``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from facebench.errors import ConfigError, DatasetError
from facebench.loaders import folder_per_class
from facebench.loaders.paths import inside_root
from facebench.loaders.text import read_text_lines
from facebench.types import Sample

#: AffectNet's expression codes 0-7 (8 None, 9 Uncertain, 10 No-Face are dropped)
CLASSES = ("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger", "contempt")
NOT_EXPRESSIONS = (8, 9, 10)
CSV_DIR = "Manually_Annotated_file_lists"
IMAGE_DIRS = (
    "Manually_Annotated_Images",
    "Manually_Annotated/Manually_Annotated_Images",
    "Manually_Annotated_compressed/Manually_Annotated_Images",
)


def _image_dir(root: Path, images: str | None) -> Path:
    if images is not None:
        return root / images
    for name in IMAGE_DIRS:
        if (root / name).is_dir():
            return root / name
    return root / IMAGE_DIRS[0]  # missing images become error rows, as for any missing image


def load_release(
    root: Path, n_classes: int = 8, csv_file: str | None = None, images: str | None = None
) -> list[Sample]:
    """The validation CSV's images with an expression code below ``n_classes``."""
    root = Path(root)
    path = root / (csv_file or f"{CSV_DIR}/validation.csv")
    if not path.is_file():
        raise DatasetError("missing AffectNet file list", path)
    image_dir = _image_dir(root, images)
    lines = [(n, line) for n, line in read_text_lines(path) if line.strip()]
    if not lines:
        raise DatasetError("the file list is empty", path)
    path_col, code_col = 0, 6
    first = next(csv.reader([lines[0][1]]))
    if first and first[0].strip().lower() == "subdirectory_filepath":
        names = [c.strip().lower() for c in first]
        if "expression" not in names:
            raise DatasetError("the header has no 'expression' column", path, lines[0][0])
        code_col = names.index("expression")
        lines = lines[1:]
    samples: list[Sample] = []
    for number, line in lines:
        row = next(csv.reader([line]))
        if len(row) <= max(path_col, code_col):
            raise DatasetError(f"expected at least {code_col + 1} columns, got {len(row)}", path, number)
        try:
            code = int(row[code_col].strip())
        except ValueError:
            raise DatasetError(f"expression {row[code_col]!r} is not an integer code", path, number) from None
        if not 0 <= code <= 10:
            raise DatasetError(f"expression code {code} is not one of 0-10", path, number)
        if code in NOT_EXPRESSIONS or code >= n_classes:
            continue
        rel = row[path_col].strip()
        media = inside_root(root, rel, path, number, base=image_dir)
        samples.append(
            Sample(
                id=str(Path(rel).with_suffix("").as_posix()),
                media=(str(media),),
                target=CLASSES[code],
                meta={"label_id": code, "split": "validation", "line": number},
            )
        )
    if not samples:
        raise DatasetError(f"no rows with an expression code 0-{n_classes - 1}", path)
    return samples


def load(
    root: Path,
    layout: str = "auto",
    n_classes: int = 8,
    csv_file: str | None = None,
    images: str | None = None,
    split: str | list[str] = "test",
    label_map: dict[str, str] | None = None,
    classes: list[str] | None = None,
    ignore: list[str] | None = None,
) -> list[Sample]:
    """AffectNet test samples in either layout (module docstring)."""
    if n_classes not in (7, 8):
        raise ConfigError(f"AffectNet loader option n_classes must be 7 or 8, got {n_classes!r}")
    if layout not in ("auto", "release", "folders"):
        raise ConfigError(f"AffectNet loader option layout must be auto, release or folders, got {layout!r}")
    root = Path(root)
    release = (root / (csv_file or f"{CSV_DIR}/validation.csv")).is_file()
    if layout == "release" or (layout == "auto" and release):
        return load_release(root, n_classes, csv_file, images)
    skipped = list(ignore or ())
    if n_classes == 7:
        skipped += ["7", "contempt"]
    return folder_per_class.load(root, split=split, label_map=label_map, classes=classes, ignore=skipped)
