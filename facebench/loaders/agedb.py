"""AgeDB: a flat folder of ``<id>_<name>_<age>_<gender>.jpg`` (e.g. ``0_MariaCallas_35_f.jpg``).

The file name is the whole annotation: age in years and gender ``m``/``f``. Names may contain
underscores, so the pattern anchors the last two fields. AgeDB has no official age-estimation
split (*unverified*): every image is evaluated unless ``subset_file`` lists a split.

The target is ``{"age": int, "gender": "female" | "male"}``, the two things Face-MLLM asks
about each AgeDB image (see the ``multi_question`` kind).
"""

from __future__ import annotations

import re
from pathlib import Path

from facebench.loaders.filenames import OnMalformed, scan
from facebench.types import Sample

PATTERN = re.compile(r"(?P<id>\d+)_(?P<name>.+)_(?P<age>\d{1,3})_(?P<gender>[mfMF])\.(?:jpe?g|png)", re.IGNORECASE)
GENDERS = {"m": "male", "f": "female"}


def _build(m: re.Match[str], path: Path):
    age = int(m["age"])
    if not 0 <= age <= 120:
        return None
    # gender in meta too: the AgeDB fairness slice groups both questions of an image by it
    meta = {"subject": m["name"], "image_number": int(m["id"]), "gender": GENDERS[m["gender"].lower()]}
    return {"age": age, "gender": GENDERS[m["gender"].lower()]}, meta


def load(
    root: Path, on_malformed: OnMalformed = "skip", subset_file: str | None = None
) -> list[Sample]:
    """Every AgeDB image (or those of ``subset_file``), scanned recursively."""
    return scan(
        Path(root),
        PATTERN,
        _build,
        dataset="AgeDB",
        expected="'<id>_<name>_<age>_<m|f>.jpg'",
        on_malformed=on_malformed,
        subset_file=subset_file,
    )
