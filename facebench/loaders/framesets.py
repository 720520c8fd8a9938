"""Helpers shared by the frame- and video-level loaders (DISFA, BP4D, DFEW, CREMA-D, FF++).

- Subject-exclusive folds given as named parts (DISFA/BP4D's "fold k tests part 4-k").
- Seeded frame subsets (``stride``, ``max_frames_per_subject``) so a user can evaluate a
  reproducible fraction of a frame-annotated dataset.
- Indexes of numbered files (``2440.jpg`` vs ``02440.jpg``, ``00001.mp4`` vs ``1.mp4``): datasets
  are re-packed with and without zero padding, and a loader should accept both without a flag.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from facebench.errors import DatasetError

_TRAILING_NUMBER = re.compile(r"(\d+)$")
K = TypeVar("K", bound=Any)


def fold_of_parts(parts: Sequence[Sequence[str]]) -> dict[str, int]:
    """subject -> test fold, for the AU datasets' rule: fold ``k`` tests part ``len(parts)+1-k``.

    (DISFA/BP4D: fold 1 tests part3, fold 2 part2, fold 3 part1; the other two parts train.)
    """
    n = len(parts)
    table: dict[str, int] = {}
    for part_index, subjects in enumerate(parts, start=1):
        for subject in subjects:
            table[subject] = n + 1 - part_index
    return table


def select_frames(
    frames: Sequence[K],
    *,
    stride: int = 1,
    max_frames: int | None = None,
    seed: int = 0,
    group: str = "",
) -> list[K]:
    """A reproducible subset of one subject's annotated frames, in sorted order.

    ``frames`` are frame numbers, or any sortable keys (BP4D: ``(session, frame)``).

    ``stride`` keeps every ``stride``-th annotated frame, starting at an offset drawn from
    ``Random(f"{seed}:{group}")`` in ``[0, stride)`` (so subjects do not all start on frame 1,
    and the subset is the same on every machine); ``max_frames`` then keeps that many of them,
    drawn with the same generator. ``stride=1`` and no cap keep every frame (the protocol).
    """
    if stride < 1:
        raise DatasetError(f"stride must be >= 1, got {stride}")
    if max_frames is not None and max_frames < 1:
        raise DatasetError(f"max_frames_per_subject must be >= 1, got {max_frames}")
    ordered = sorted(frames)
    rng = random.Random(f"{seed}:{group}")
    offset = rng.randrange(stride) if stride > 1 else 0
    kept = ordered[offset::stride]
    if max_frames is not None and len(kept) > max_frames:
        chosen = set(rng.sample(range(len(kept)), max_frames))
        kept = [f for i, f in enumerate(kept) if i in chosen]
    return kept


def numbered_files(folder: Path, suffixes: tuple[str, ...] = (), dirs: bool = False) -> dict[int, Path]:
    """number -> file for files whose stem ends in digits (``2440.jpg``, ``02440.jpg``, ``SN001_12.png``).

    With ``dirs=True``, sub-folders named by number instead (DFEW's ``clip_224x224_16f/00001``).

    An empty dict when the folder does not exist (the caller decides whether that is an
    error). Two files with the same number (``12.jpg`` and ``0012.jpg``) are ambiguous and
    raise, naming both.
    """
    out: dict[int, Path] = {}
    if not folder.is_dir():
        return out
    for file in sorted(folder.iterdir()):
        if dirs != file.is_dir() or (not dirs and file.suffix.lower() not in suffixes):
            continue
        m = _TRAILING_NUMBER.search(file.name if dirs else file.stem)
        if not m:
            continue
        n = int(m.group(1))
        if n in out:
            raise DatasetError(f"two files for number {n}: {out[n].name} and {file.name}", folder)
        out[n] = file
    return out
