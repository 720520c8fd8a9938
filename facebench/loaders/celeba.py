"""CelebA: ``img_align_celeba/`` + ``list_attr_celeba.txt`` + ``list_eval_partition.txt``.

``list_attr_celeba.txt``: line 1 the image count, line 2 the 40 attribute names, then
``<image> v1 ... v40`` with -1/1. ``list_eval_partition.txt``: ``<image> 0|1|2`` (train, valid,
test). The protocol evaluates the test split (19,962 images).

The files are found at the root or in the official release's ``Anno/``/``Eval/``/``Img/``
folders (and torchvision's ``celeba/`` folder), since users unpack the archives differently.
:func:`read_attributes` and :func:`read_partition` also read LFWA's CelebA-format files.
Image names must stay inside the image folder (no ``..``, absolute paths or links out).
"""

from __future__ import annotations

from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.common import text_lines
from facebench.loaders.paths import inside_root, resolved
from facebench.types import Sample

#: the 40 attributes in the official file order
ATTRIBUTES = ["5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young"]
SPLITS = {"train": 0, "valid": 1, "val": 1, "test": 2}
VALUES = {"1": True, "-1": False, "0": False}
#: sub-folders the official archives and torchvision unpack into
SEARCH_DIRS = ("", "Anno", "anno", "Eval", "eval", "Img", "img", "celeba", "CelebA")


def find_file(root: Path, names: tuple[str, ...], what: str, required: bool = True) -> Path | None:
    """The first of ``names`` found at ``root`` or one of :data:`SEARCH_DIRS` under it."""
    tried = []
    for sub in SEARCH_DIRS:
        for name in names:
            path = root / sub / name if sub else root / name
            if path.exists():
                return path
            tried.append(path)
    if required:
        raise DatasetError(
            f"missing {what}; looked for {', '.join(names)} at the root and in "
            f"{', '.join(d for d in SEARCH_DIRS if d)}",
            root / names[0],
        )
    return None


def read_attributes(path: Path) -> dict[str, dict[str, bool]]:
    """``{image name: {attribute: present}}`` from a CelebA-format attribute file."""
    return {name: labels for name, (_, labels) in attribute_rows(path).items()}


def attribute_rows(path: Path) -> dict[str, tuple[int, dict[str, bool]]]:
    """``{image name: (line number, {attribute: present})}`` from a CelebA-format attribute file.

    The count line is optional (some re-distributions drop it); when present it must match
    the number of rows, because a short file means a truncated download. The header must name
    all 40 attributes; extra columns are ignored. The line number lets a loader name the line
    of an image path it refuses (:func:`facebench.loaders.paths.inside_root`).
    """
    lines = list(text_lines(path))
    if not lines:
        raise DatasetError("empty attribute file", path)
    declared = None
    if lines[0][1].isdigit():
        declared = int(lines[0][1])
        lines = lines[1:]
    if not lines:
        raise DatasetError("attribute file has no header line of attribute names", path)
    header_line, header = lines[0][0], lines[0][1].split()
    if header and header[0].lower() in ("image_id", "image", "name", "filename", "file"):
        header = header[1:]
    missing = [a for a in ATTRIBUTES if a not in header]
    if missing:
        hint = ""
        if lines[0][1].startswith("#"):
            hint = " (this looks like the Columbia LFW 73-attribute file, not LFWA's CelebA-format labels)"
        raise DatasetError(
            f"header lacks attribute(s) {', '.join(missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''}{hint}",
            path,
            header_line,
        )
    out: dict[str, tuple[int, dict[str, bool]]] = {}
    for number, line in lines[1:]:
        parts = line.split()
        if len(parts) != len(header) + 1 or any(v not in VALUES for v in parts[1:]):
            raise DatasetError(
                f"expected '<image> ' and {len(header)} values of -1/1, got {line[:80]!r}",
                path,
                number,
            )
        if parts[0] in out:
            raise DatasetError(f"image {parts[0]!r} is listed twice", path, number)
        values = dict(zip(header, parts[1:]))
        out[parts[0]] = (number, {a: VALUES[values[a]] for a in ATTRIBUTES})
    if declared is not None and declared != len(out):
        raise DatasetError(
            f"line 1 declares {declared} images but {len(out)} are listed (truncated file?)", path, 1
        )
    return out


def read_partition(path: Path) -> dict[str, int]:
    """``{image name: 0|1|2}`` from a CelebA-format partition file."""
    out: dict[str, int] = {}
    for number, line in text_lines(path):
        parts = line.split()
        if len(parts) != 2 or parts[1] not in ("0", "1", "2"):
            raise DatasetError(f"expected '<image> 0|1|2', got {line[:80]!r}", path, number)
        out[parts[0]] = int(parts[1])
    return out


def split_id(split: str) -> int | None:
    """Partition number of a split name; None for ``all``."""
    if split == "all":
        return None
    if split not in SPLITS:
        raise DatasetError(f"split must be one of {', '.join([*SPLITS, 'all'])}, not {split!r}")
    return SPLITS[split]


def load(root: Path, split: str = "test", images: str = "img_align_celeba") -> list[Sample]:
    """The images of one split with their 40 attributes (target ``{attribute: bool}``)."""
    root = Path(root)
    wanted = split_id(split)
    attr_file = find_file(root, ("list_attr_celeba.txt",), "CelebA attribute file")
    attributes = attribute_rows(attr_file)
    image_dir = find_file(root, (images,), f"CelebA image folder {images}/")
    partition = {}
    if wanted is not None:
        part_file = find_file(root, ("list_eval_partition.txt",), "CelebA partition file")
        partition = read_partition(part_file)
        unlisted = [n for n in attributes if n not in partition]
        if unlisted:
            raise DatasetError(
                f"{len(unlisted)} image(s) of the attribute file have no partition, "
                f"e.g. {unlisted[0]!r}",
                part_file,
            )
    top = resolved(image_dir)
    return [
        Sample(
            id=Path(name).stem,
            media=(str(inside_root(image_dir, name, attr_file, number, resolved_root=top)),),
            target=labels,
            # Male / Young: the groups of the fairness slices (tasks/celeba.yaml `slices`)
            meta={"split": split, **{k: labels[k] for k in ("Male", "Young") if k in labels}},
        )
        for name, (number, labels) in attributes.items()
        if wanted is None or partition[name] == wanted
    ]
