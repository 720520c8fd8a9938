"""DFEW: 11,697 single-labelled in-the-wild clips, official 5-fold test sets.

Layout::

    EmoLabel_DataSplit/test(single-labeled)/set_1.csv ... set_5.csv    "video_name,label"
    Clip/clip_224x224/00001.mp4          (variant clip_224x224, default: face-aligned 224x224)
    Clip/clip_224x224_16f/00001/*.jpg    (variant clip_224x224_16f: 16 frames per clip)
    Clip/original/00001.mp4              (variant original)

Labels 1 Happy, 2 Sad, 3 Neutral, 4 Angry, 5 Surprise, 6 Disgust, 7 Fear, mapped to the
expression synonym classes. Protocol: fold k = the clips of ``set_k.csv``; UAR and WAR per
fold, then averaged over the 5 folds (Face-LLaVA Table 7).

Tolerated variants: the split folder spelt ``test(single_labeled)``; a header row or none;
video names with or without zero padding (``2`` and ``00002`` name the same clip, and clip
files are matched by number either way).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir, require_file, text_lines
from facebench.loaders.framesets import numbered_files
from facebench.types import Sample

LABELS = {1: "happiness", 2: "sadness", 3: "neutral", 4: "anger", 5: "surprise", 6: "disgust", 7: "fear"}
SPLIT_DIRS = ("test(single-labeled)", "test(single_labeled)")
VARIANTS = ("clip_224x224", "clip_224x224_16f", "original")
N_FOLDS = 5


def split_dir(root: Path) -> Path:
    base = require_dir(root / "EmoLabel_DataSplit", "DFEW EmoLabel_DataSplit")
    for name in SPLIT_DIRS:
        if (base / name).is_dir():
            return base / name
    raise DatasetError(f"missing DFEW test split folder ({' or '.join(SPLIT_DIRS)})", base / SPLIT_DIRS[0])


def read_split(path: Path) -> list[tuple[int, int, int]]:
    """(line number, clip number, label) rows of one ``set_k.csv``."""
    rows = []
    for number, line in text_lines(require_file(path, "DFEW split file")):
        cells = [c.strip() for c in line.split(",")]
        if number == 1 and not cells[0].isdigit():
            continue  # header
        if len(cells) < 2 or not cells[0].isdigit() or not cells[1].isdigit() or int(cells[1]) not in LABELS:
            raise DatasetError(f"expected 'video_name,label 1-7', got {line!r}", path, number)
        rows.append((number, int(cells[0]), int(cells[1])))
    return rows


def load(root: Path, variant: str = "clip_224x224") -> Iterator[Sample]:
    """Every clip of the 5 test sets, with ``meta.fold`` = its set number."""
    if variant not in VARIANTS:
        raise DatasetError(f"DFEW variant must be one of {', '.join(VARIANTS)}, not {variant!r}")
    root = find_subdir(root, "DFEW")
    splits = split_dir(root)
    clips = require_dir(root / "Clip" / variant, f"DFEW Clip/{variant}")
    is_folder = variant.endswith("_16f")
    index = numbered_files(clips, (".mp4", ".avi"), dirs=is_folder)
    seen: dict[int, str] = {}
    for fold in range(1, N_FOLDS + 1):
        path = splits / f"set_{fold}.csv"
        for number, clip, label in read_split(path):
            if clip in seen:
                raise DatasetError(f"clip {clip} is already in {seen[clip]}", path, number)
            seen[clip] = f"{path.name}"
            name = f"{clip:05d}"
            media = index.get(clip, clips / (name if is_folder else f"{name}.mp4"))
            yield Sample(
                id=name,
                media=(str(media),),
                target=LABELS[label],
                meta={"fold": fold, "label_id": label},
                modality="video",
            )
