"""MORPH II: images named ``<id>_<nn>{M|F}<age>.JPG`` (e.g. ``009055_1M54.JPG``).

``<id>`` is the subject, ``<nn>`` the picture number of that subject, then gender and age.
The release nests images in album folders; the folder is scanned recursively. The evaluation
split is *unverified* (papers use random or subject-exclusive 80/20 splits): every image is
evaluated unless ``subset_file`` lists a split (the face-llava protocol requires the paper's
~5k-image test split, see :mod:`facebench.loaders.filenames`). Non-matching names are skipped with a warning
naming them (``on_malformed: error`` makes that an error).
"""

from __future__ import annotations

import re
from pathlib import Path

from facebench.loaders.filenames import OnMalformed, scan
from facebench.types import Sample

PATTERN = re.compile(r"(?P<id>\d+)_(?P<nn>\d+)(?P<gender>[MF])(?P<age>\d{1,3})\.(?:jpe?g|png)", re.IGNORECASE)
GENDERS = {"M": "male", "F": "female"}


def _build(m: re.Match[str], path: Path):
    age = int(m["age"])
    if not 0 <= age <= 120:
        return None
    return age, {"subject": m["id"], "picture": int(m["nn"]), "gender": GENDERS[m["gender"].upper()]}


def load(
    root: Path,
    on_malformed: OnMalformed = "skip",
    subset_file: str | None = None,
    subset_source: str | None = None,
) -> list[Sample]:
    """Every well-named MORPH II image under ``root`` (recursively); target = age in years."""
    return scan(
        Path(root),
        PATTERN,
        _build,
        dataset="MORPH II",
        expected="'<id>_<nn><M|F><age>.JPG'",
        on_malformed=on_malformed,
        subset_file=subset_file,
        subset_source=subset_source,
    )
