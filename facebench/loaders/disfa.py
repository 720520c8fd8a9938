"""DISFA: frame-level AU intensities of 27 subjects, left-camera videos.

Layout (the official release)::

    ActionUnit_Labels/SN001/SN001_au1.txt      one per AU: lines "frame,intensity" (0-5)
    Videos_LeftCamera/LeftVideoSN001_comp.avi

Protocol: the 8 AUs 1 2 4 6 9 12 25 26, present when intensity >= 2; subject-exclusive 3
folds (fold 1 tests part3, fold 2 part2, fold 3 part1; parts below); F1 per AU, averaged
over AUs and then over folds.

Frames: label frame numbers start at 1 (the 4,845 lines of a subject match the 4,845 frames of
its video), so label frame ``n`` is decoded frame ``n - 1``: the sample's media is the
reference ``LeftVideoSN001_comp.avi#frame=<n-1>``, decoded only when a worker asks for it.
``frame_base`` changes the offset for re-packed labels that count from 0.

Already extracted frames are used instead of the video when the folder exists::

    Frames_LeftCamera/SN001/<n>.jpg            (or .png; <n> = label frame number, with or
                                                without zero padding, e.g. 12.jpg / 00012.jpg /
                                                SN001_00012.jpg: the trailing digits count)

``frames: auto`` (default) takes the folder when present, ``video`` or ``folder`` forces one.

Subsets: ``stride`` / ``max_frames_per_subject`` / ``seed`` pick a reproducible subset of each
subject's annotated frames (see :func:`facebench.loaders.framesets.select_frames`).

Tolerated variants: blank lines and spaces in label files; a subject's 8 files that annotate
different frame ranges (only frames annotated for all 8 AUs are used).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir, require_file, text_lines
from facebench.loaders.framesets import fold_of_parts, numbered_files, select_frames
from facebench.media.refs import frame_ref
from facebench.types import Sample

AUS = (1, 2, 4, 6, 9, 12, 25, 26)
ACTIVE_FROM = 2
PARTS = (
    ("SN002", "SN010", "SN001", "SN026", "SN027", "SN032", "SN030", "SN009", "SN016"),
    ("SN013", "SN018", "SN011", "SN028", "SN012", "SN006", "SN031", "SN021", "SN024"),
    ("SN003", "SN029", "SN023", "SN025", "SN008", "SN005", "SN007", "SN017", "SN004"),
)
FOLD = fold_of_parts(PARTS)
LABEL_DIR = "ActionUnit_Labels"
VIDEO_DIR = "Videos_LeftCamera"
FRAME_DIR = "Frames_LeftCamera"
FRAME_SUFFIXES = (".jpg", ".jpeg", ".png")


def read_intensities(path: Path) -> dict[int, int]:
    """frame number -> intensity, from one ``SN0xx_au{N}.txt`` file."""
    table: dict[int, int] = {}
    for number, line in text_lines(require_file(path, "DISFA AU label file")):
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != 2 or not all(c.isdigit() for c in cells) or not 0 <= int(cells[1]) <= 5:
            raise DatasetError(f"expected 'frame,intensity 0-5', got {line!r}", path, number)
        table[int(cells[0])] = int(cells[1])
    if not table:
        raise DatasetError("label file has no lines", path)
    return table


def load(
    root: Path,
    frames: str = "auto",
    stride: int = 1,
    max_frames_per_subject: int | None = None,
    seed: int = 0,
    frame_base: int = 1,
) -> Iterator[Sample]:
    """One sample per selected annotated frame; target ``{"AU1": bool, ...}`` over the 8 AUs."""
    if frames not in ("auto", "video", "folder"):
        raise DatasetError(f"DISFA frames must be 'auto', 'video' or 'folder', not {frames!r}")
    root = find_subdir(root, "DISFA")
    labels = require_dir(root / LABEL_DIR, "DISFA ActionUnit_Labels")
    subjects = sorted(p.name for p in labels.iterdir() if p.is_dir())
    if not subjects:
        raise DatasetError("no subject folders (SN0xx)", labels)
    for subject in subjects:
        if subject not in FOLD:
            raise DatasetError(
                f"subject folder {subject!r} is not one of DISFA's 27 subjects (SN001..SN032)",
                labels / subject,
            )
        per_au = {au: read_intensities(labels / subject / f"{subject}_au{au}.txt") for au in AUS}
        common = set.intersection(*(set(t) for t in per_au.values()))
        chosen = select_frames(
            sorted(common), stride=stride, max_frames=max_frames_per_subject, seed=seed, group=subject
        )
        media = _media_for(root, subject, frames, frame_base)
        if chosen and chosen[0] < frame_base:
            raise DatasetError(
                f"frame {chosen[0]} is below frame_base={frame_base} (labels counting from 0 "
                "need loader option frame_base: 0)",
                labels / subject / f"{subject}_au{AUS[0]}.txt",
            )
        for n in chosen:
            yield Sample(
                id=f"{subject}_{n:05d}",
                media=(media(n),),
                target={f"AU{au}": per_au[au][n] >= ACTIVE_FROM for au in AUS},
                meta={"subject": subject, "frame": n, "fold": FOLD[subject]},
            )


def _media_for(root: Path, subject: str, frames: str, frame_base: int):
    """A function frame number -> media string, for this subject's frame source."""
    folder = root / FRAME_DIR / subject
    use_folder = frames == "folder" or (frames == "auto" and folder.is_dir())
    if use_folder:
        files = numbered_files(require_dir(folder, "DISFA extracted frames"), FRAME_SUFFIXES)
        # a frame without a file keeps its canonical name: it becomes an error row, not a skip
        return lambda n: str(files.get(n, folder / f"{n}.jpg"))
    video = require_dir(root / VIDEO_DIR, "DISFA Videos_LeftCamera") / f"LeftVideo{subject}_comp.avi"
    return lambda n: frame_ref(str(video), n - frame_base)
