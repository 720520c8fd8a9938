"""FaceForensics++: real vs. manipulated videos of the official test split.

Layout::

    splits/test.json                                            [["953", "974"], ...] (70 pairs)
    original_sequences/youtube/<comp>/videos/953.mp4
    manipulated_sequences/<method>/<comp>/videos/953_974.mp4    (and 974_953.mp4)

Each pair gives two real videos (its ids) and, per method, two fakes ``a_b`` and ``b_a``:
140 real + 560 fake with the four methods Deepfakes, Face2Face, FaceSwap, NeuralTextures
(80% fake, so always answering "fake" scores 0.80: the floor the paper quotes).
``compression`` picks ``c40`` (default; Face-LLaVA's "low quality" protocol), ``c23`` or
``raw``; ``methods`` may add FaceShifter or DeepFakeDetection where present.

The loader lists whole videos; the ``chunked`` kind cuts each into 3-second chunks at request
time and votes (see :mod:`facebench.tasks.kinds.chunked`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir, require_file
from facebench.loaders.text import read_json
from facebench.types import Sample

METHODS = ("Deepfakes", "Face2Face", "FaceSwap", "NeuralTextures")
COMPRESSIONS = ("c40", "c23", "raw")
REAL = "original"


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """The ``[[a, b], ...]`` pairs of a split file, validated."""
    raw = read_json(require_file(path, "FaceForensics++ split file"))
    if not isinstance(raw, list):
        raise DatasetError("expected a JSON list of [id, id] pairs", path)
    pairs = []
    for i, pair in enumerate(raw):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(v, str) and v.isdigit() for v in pair)
        ):
            raise DatasetError(f"entry {i} is {json.dumps(pair)}, expected a pair like [\"953\", \"974\"]", path)
        pairs.append((pair[0], pair[1]))
    return pairs


def load(
    root: Path,
    compression: str = "c40",
    methods: list[str] | tuple[str, ...] = METHODS,
    split: str = "test",
) -> Iterator[Sample]:
    """Real videos first (pair order), then each method's fakes; ``meta.method`` = group."""
    if compression not in COMPRESSIONS:
        raise DatasetError(f"FaceForensics++ compression must be one of {', '.join(COMPRESSIONS)}, not {compression!r}")
    root = find_subdir(root, "FaceForensics++")
    pairs = read_pairs(root / "splits" / f"{split}.json")
    real_dir = require_dir(root / "original_sequences" / "youtube" / compression / "videos",
                           f"FaceForensics++ original {compression} videos")
    base = {"compression": compression, "split": split}
    seen: set[str] = set()
    for a, b in pairs:
        for vid in (a, b):
            if vid not in seen:  # an id in two pairs is still one real video
                seen.add(vid)
                yield Sample(id=f"{REAL}_{vid}", media=(str(real_dir / f"{vid}.mp4"),), target="real",
                             meta={**base, "method": REAL}, modality="video")
    for method in methods:
        fake_dir = require_dir(root / "manipulated_sequences" / method / compression / "videos",
                               f"FaceForensics++ {method} {compression} videos")
        for a, b in pairs:
            for name in (f"{a}_{b}", f"{b}_{a}"):
                yield Sample(id=f"{method}_{name}", media=(str(fake_dir / f"{name}.mp4"),), target="fake",
                             meta={**base, "method": method}, modality="video")
