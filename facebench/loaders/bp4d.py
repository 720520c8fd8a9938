"""BP4D(-Spontaneous): frame-level AU occurrence of 41 subjects in 8 tasks (T1..T8).

Layout::

    AUCoding/AU_OCC/F001_T1.csv     header row = AU numbers (first cell: the frame column);
                                    rows "frame,v1,v2,..." with 0/1, 9 = not annotated
    img/F001/T1/2440.jpg            one image per frame

Protocol: 12 AUs 1 2 4 6 7 10 12 14 15 17 23 24; subject-exclusive 3 folds (fold 1 tests part3,
fold 2 part2, fold 3 part1); F1 per AU, averaged over AUs and then over folds. A 9 drops that
AU for that frame only (the target omits it, so it is neither asked nor scored); a frame
whose 12 AUs are all 9 is no sample.

Tolerated variants: frame images with or without zero padding (``2440.jpg``, ``02440.jpg``,
``.png``); header cells written ``1`` or ``AU01``; columns beyond the 12 AUs are ignored
(and not validated). An annotated frame with no image keeps the canonical name
``<frame>.jpg`` and becomes an error row at inference time rather than a silent skip.

Subsets: ``stride`` / ``max_frames_per_subject`` / ``seed`` as for DISFA, over each subject's
frames of all 8 tasks in (task, frame) order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir, text_lines
from facebench.loaders.framesets import fold_of_parts, numbered_files, select_frames
from facebench.types import Sample

AUS = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
NOT_ANNOTATED = 9
PARTS = (
    ("F001", "M007", "F018", "F008", "F002", "M004", "F010", "F009", "M012", "M001", "F016",
     "M014", "F023", "M008"),
    ("M011", "F003", "M010", "M002", "F005", "F022", "M018", "M017", "F013", "M016", "F020",
     "F011", "M013", "M005"),
    ("F007", "F015", "F006", "F019", "M006", "M009", "F012", "M003", "F004", "F021", "F017",
     "M015", "F014"),
)
FOLD = fold_of_parts(PARTS)
OCC_DIR = "AUCoding/AU_OCC"
IMG_DIR = "img"
_CSV_NAME = re.compile(r"^([FM]\d{3})_(T[1-8])\.csv$", re.IGNORECASE)
_HEADER_AU = re.compile(r"^(?:au)?\s*0*(\d+)$", re.IGNORECASE)


def read_occurrence(path: Path) -> dict[int, dict[int, bool]]:
    """frame -> {AU: present} over the 12 AUs, with not-annotated (9) cells left out."""
    lines = text_lines(path)
    first = next(lines, None)
    if first is None:
        raise DatasetError("empty AU occurrence file", path)
    header = [c.strip() for c in first[1].split(",")]
    columns: dict[int, int] = {}
    for index, cell in enumerate(header[1:], start=1):
        m = _HEADER_AU.match(cell)
        if not m:
            raise DatasetError(f"header cell {cell!r} is not an AU number", path, first[0])
        columns.setdefault(int(m.group(1)), index)
    missing = [au for au in AUS if au not in columns]
    if missing:
        raise DatasetError(f"header has no column for AU {', '.join(map(str, missing))}", path, 1)
    table: dict[int, dict[int, bool]] = {}
    for number, line in lines:
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(header) or not cells[0].isdigit():
            raise DatasetError(
                f"expected a frame number and {len(header) - 1} values, got {line!r}", path, number
            )
        labels: dict[int, bool] = {}
        for au in AUS:
            value = cells[columns[au]]
            if value not in ("0", "1", str(NOT_ANNOTATED)):
                raise DatasetError(f"AU{au} value {value!r} is not 0, 1 or 9", path, number)
            if value != str(NOT_ANNOTATED):
                labels[au] = value == "1"
        table[int(cells[0])] = labels
    return table


def load(
    root: Path,
    stride: int = 1,
    max_frames_per_subject: int | None = None,
    seed: int = 0,
) -> Iterator[Sample]:
    """One sample per selected frame with at least one annotated AU."""
    root = find_subdir(root, "BP4D")
    occ = require_dir(root / OCC_DIR, "BP4D AUCoding/AU_OCC")
    images = require_dir(root / IMG_DIR, "BP4D img")
    sessions: dict[str, list[tuple[str, Path]]] = {}
    for file in sorted(occ.iterdir()):
        m = _CSV_NAME.match(file.name)
        if not m:
            continue
        subject, task = m.group(1).upper(), m.group(2).upper()
        if subject not in FOLD:
            raise DatasetError(f"subject {subject!r} is not one of BP4D's 41 subjects", file)
        sessions.setdefault(subject, []).append((task, file))
    if not sessions:
        raise DatasetError("no <subject>_T<n>.csv files", occ)
    for subject, files in sessions.items():
        tables = {task: read_occurrence(file) for task, file in sorted(files)}
        keys = [(task, frame) for task, t in tables.items() for frame, labels in t.items() if labels]
        chosen = select_frames(
            keys, stride=stride, max_frames=max_frames_per_subject, seed=seed, group=subject
        )
        frame_files: dict[str, dict[int, Path]] = {}
        for task, frame in chosen:
            folder = images / subject / task
            if task not in frame_files:
                frame_files[task] = numbered_files(folder, (".jpg", ".jpeg", ".png"))
            media = frame_files[task].get(frame, folder / f"{frame}.jpg")
            yield Sample(
                id=f"{subject}_{task}_{frame:05d}",
                media=(str(media),),
                target={f"AU{au}": present for au, present in tables[task][frame].items()},
                meta={"subject": subject, "session": task, "frame": frame, "fold": FOLD[subject]},
            )
