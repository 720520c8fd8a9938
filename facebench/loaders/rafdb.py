"""RAF-DB (basic): ``basic/EmoLabel/list_patition_label.txt`` + ``basic/Image/{aligned,original}``.

The label file (official spelling "patition") has one ``<name>.jpg <label>`` line per image;
the split is the file-name prefix (``train_``/``test_``); labels 1-7 are Surprise, Fear,
Disgust, Happiness, Sadness, Anger, Neutral. Aligned images are ``<stem>_aligned.jpg``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import find_subdir, require_dir, require_file, text_lines
from facebench.loaders.paths import inside_root
from facebench.types import Sample

LABELS = {1: "surprise", 2: "fear", 3: "disgust", 4: "happiness", 5: "sadness", 6: "anger", 7: "neutral"}
LABEL_FILE = "EmoLabel/list_patition_label.txt"


def load(root: Path, variant: str = "aligned", split: str = "test") -> Iterator[Sample]:
    """Samples of one split; ``variant`` picks the aligned 100x100 faces or the originals."""
    if variant not in ("aligned", "original"):
        raise DatasetError(f"RAF-DB variant must be 'aligned' or 'original', not {variant!r}")
    basic = find_subdir(root, "basic")
    labels = require_file(basic / LABEL_FILE, "RAF-DB label file")
    images = require_dir(basic / "Image" / variant, f"RAF-DB {variant} image")
    for number, line in text_lines(labels):
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or int(parts[1]) not in LABELS:
            raise DatasetError(
                f"expected '<image>.jpg <label 1-7>', got {line!r}", labels, number
            )
        name, label = parts[0], int(parts[1])
        stem = Path(name).stem
        if not stem.startswith(f"{split}_"):
            continue
        file = f"{stem}_aligned.jpg" if variant == "aligned" else name
        yield Sample(
            id=stem,
            media=(str(inside_root(images, file, labels, number)),),
            target=LABELS[label],
            meta={"split": split, "label_id": label},
        )
