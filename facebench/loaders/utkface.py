"""UTKFace: images named ``[age]_[gender]_[race]_[date&time].jpg``.

Gender 0 male / 1 female; race 0-4 White, Black, Asian, Indian, Others. The aligned-and-cropped
release names files ``<fields>.jpg.chip.jpg`` and the in-the-wild release splits them over
``part1``-``part3``; both are read (the folder is scanned recursively).

A handful of official files miss a field (e.g. ``39_1_20170116174525125.jpg``): with three
fields it is unknown whether the middle one is gender or race. They are skipped with a
:class:`~facebench.loaders.filenames.DatasetWarning` naming them (``on_malformed: error`` makes
that an error), as the public UTKFace loaders do; the age alone would be readable, but keeping
them would make the evaluated set differ from everyone else's.

UTKFace has no official test split: every image is evaluated unless ``subset_file`` lists one
(Face-LLaVA's test set has about 4k images; the face-llava protocol requires its split file,
``subset_source`` saying where it comes from, see :mod:`facebench.loaders.filenames`).
"""

from __future__ import annotations

import re
from pathlib import Path

from facebench.loaders.filenames import OnMalformed, scan
from facebench.types import Sample

PATTERN = re.compile(
    r"(?P<age>\d{1,3})_(?P<gender>[01])_(?P<race>[0-4])_(?P<datetime>\d+)"
    r"(?:\.jpe?g\.chip)?\.(?:jpe?g|png)",
    re.IGNORECASE,
)
GENDERS = {"0": "male", "1": "female"}
RACES = {"0": "White", "1": "Black", "2": "Asian", "3": "Indian", "4": "Others"}


def _build(m: re.Match[str], path: Path):
    age = int(m["age"])
    if not 0 <= age <= 120:
        return None
    return age, {"gender": GENDERS[m["gender"]], "race": RACES[m["race"]], "datetime": m["datetime"]}


def load(
    root: Path,
    on_malformed: OnMalformed = "skip",
    subset_file: str | None = None,
    subset_source: str | None = None,
) -> list[Sample]:
    """Every well-named UTKFace image under ``root`` (recursively); target = age in years."""
    return scan(
        Path(root),
        PATTERN,
        _build,
        dataset="UTKFace",
        expected="'[age]_[gender 0|1]_[race 0-4]_[date&time].jpg'",
        on_malformed=on_malformed,
        subset_file=subset_file,
        subset_source=subset_source,
    )
