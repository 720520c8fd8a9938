"""EmotioNet action units from a local manifest (the image layout is not documented).

EmotioNet is distributed as lists of image URLs with AU columns (1 present, 0 absent, 999 not
annotated); users download the images themselves. facebench reads the same table with a local
path instead of the URL (format: ``docs/manifests.md``): a CSV with an ``image`` column
(relative to the CSV) and one column per AU, named ``AU1``/``AU01``/``1``. Without an
``image`` column, a ``URL`` column is accepted and its file name looked up in ``images/``.

999 (or an empty cell) means not annotated: that AU is left out of the sample's target, so no
question is asked about it. Target: ``{"AU1": bool, ...}``.

Image paths must resolve inside the dataset folder (no ``..`` or links out of it); absolute
paths need the loader option ``allow_absolute_paths: true``.
"""

from __future__ import annotations

from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.manifest import find_manifest, media_path, read_rows
from facebench.types import Sample

AU_CODES = (1, 2, 4, 5, 6, 9, 12, 17, 20, 25, 26, 43)
VALUES = {"1": True, "0": False, "1.0": True, "0.0": False}
UNKNOWN = {"999", "999.0", ""}


def _column(row: dict[str, str], code: int) -> str | None:
    for name in (f"AU{code}", f"AU{code:02d}", f"au{code}", f"au{code:02d}", str(code)):
        if name in row:
            return name
    return None


def load(
    root: Path,
    manifest: str | None = None,
    au_codes: list[int] | None = None,
    allow_absolute_paths: bool = False,
) -> list[Sample]:
    """Every manifest row with at least one annotated AU (rows with all 999 are skipped).

    Image paths must stay inside the dataset folder; ``allow_absolute_paths`` accepts
    absolute ones (see :func:`facebench.loaders.manifest.media_path`).
    """
    codes = tuple(au_codes or AU_CODES)
    path = find_manifest(Path(root), manifest, ("emotionet.csv", "manifest.csv"), "EmotioNet manifest")
    samples: list[Sample] = []
    columns: dict[int, str] | None = None
    seen: set[str] = set()
    for number, row in read_rows(path):
        if columns is None:
            found = {c: _column(row, c) for c in codes}
            missing = [f"AU{c}" for c, name in found.items() if name is None]
            if missing:
                raise DatasetError(f"manifest lacks AU column(s) {', '.join(missing)}", path, 1)
            if "image" not in row and "URL" not in row and "url" not in row:
                raise DatasetError("manifest needs an 'image' (or 'URL') column", path, 1)
            columns = {c: n for c, n in found.items() if n is not None}
        image = row.get("image") or ""
        if not image:
            url = row.get("URL") or row.get("url") or ""
            if not url:
                raise DatasetError("row has no image path", path, number)
            image = "images/" + url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
        target: dict[str, bool] = {}
        for code, name in columns.items():
            value = str(row[name]).strip()
            if value in UNKNOWN:
                continue
            if value not in VALUES:
                raise DatasetError(f"AU{code} must be 0, 1 or 999, got {value!r}", path, number)
            target[f"AU{code}"] = VALUES[value]
        if not target:
            continue
        sid = Path(image).with_suffix("").as_posix()
        if sid in seen:
            raise DatasetError(f"image {image!r} is listed twice", path, number)
        seen.add(sid)
        samples.append(
            Sample(
                id=sid,
                media=(media_path(path, image, Path(root), number, allow_absolute_paths),),
                target=target,
                meta={"line": number},
            )
        )
    if not samples:
        raise DatasetError("manifest has no rows with an annotated AU", path)
    return samples
