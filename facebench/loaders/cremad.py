"""CREMA-D: 7,442 acted clips of 91 actors, 6 emotions, subject-exclusive 5-fold protocol.

Layout (the official repository)::

    VideoFlash/1001_DFA_ANG_XX.flv      actor_sentence_emotion_level

(the clips directly under the root are accepted too, and ``.mp4`` copies with the same names,
for users who converted the flv files). Emotions ANG DIS FEA HAP NEU SAD map to the expression
synonym classes anger, disgust, fear, happiness, neutral, sadness; levels LO MD HI XX (and X)
are kept in ``meta.level``.

Folds: there is no official split; Face-LLaVA reports subject-exclusive 5-fold cross
validation without listing the folds. facebench fixes them so results are comparable:
the 91 actor ids 1001..1091 in order, cut into 5 contiguous groups of 19, 18, 18, 18, 18
(``numpy.array_split`` sizes): fold 1 = 1001-1019, fold 2 = 1020-1037, fold 3 = 1038-1055,
fold 4 = 1056-1073, fold 5 = 1074-1091. The assignment depends on the actor id only, never on
which files are present, so a partial copy keeps every clip's fold. UAR/WAR per fold, then
averaged over folds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from facebench.errors import DatasetError
from facebench.types import Sample

EMOTIONS = {"ANG": "anger", "DIS": "disgust", "FEA": "fear", "HAP": "happiness", "NEU": "neutral", "SAD": "sadness"}
FIRST_ACTOR, LAST_ACTOR = 1001, 1091
N_FOLDS = 5
VIDEO_DIR = "VideoFlash"
SUFFIXES = (".flv", ".mp4")
_NAME = re.compile(r"^(\d{4})_([A-Z]{3})_([A-Z]{3})_([A-Z]{1,2})$")


def fold_of_actor(actor: int) -> int:
    """Fold 1..5 of an actor id: contiguous groups of the sorted ids 1001..1091 (19,18,18,18,18)."""
    if not FIRST_ACTOR <= actor <= LAST_ACTOR:
        raise ValueError(f"actor {actor} is outside {FIRST_ACTOR}..{LAST_ACTOR}")
    n = LAST_ACTOR - FIRST_ACTOR + 1
    base, extra = divmod(n, N_FOLDS)  # 18, 1: the first `extra` folds get one more actor
    position = actor - FIRST_ACTOR
    big = extra * (base + 1)
    return position // (base + 1) + 1 if position < big else extra + (position - big) // base + 1


def load(root: Path) -> Iterator[Sample]:
    """Every clip, with ``meta.fold`` from the actor id."""
    root = Path(root)
    folder = next(
        (d for d in (root / VIDEO_DIR, root / "CREMA-D" / VIDEO_DIR, root) if d.is_dir()), None
    )
    if folder is None:
        raise DatasetError("missing CREMA-D VideoFlash folder", root / VIDEO_DIR)
    files: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        if file.suffix.lower() in SUFFIXES:
            files.setdefault(file.stem, file)  # .flv (sorted first) wins over a converted .mp4
    if not files:
        raise DatasetError(f"no clips ({', '.join(SUFFIXES)})", folder)
    for stem, file in sorted(files.items()):
        m = _NAME.match(stem)
        if not m or m.group(3) not in EMOTIONS:
            raise DatasetError(
                "clip name is not actor_sentence_emotion_level "
                f"(emotion one of {' '.join(EMOTIONS)})", file
            )
        actor = int(m.group(1))
        try:
            fold = fold_of_actor(actor)
        except ValueError as exc:
            raise DatasetError(str(exc), file) from exc
        yield Sample(
            id=stem,
            media=(str(file),),
            target=EMOTIONS[m.group(3)],
            meta={"fold": fold, "actor": actor, "sentence": m.group(2), "level": m.group(4)},
            modality="video",
        )
