"""LFWA: LFW images with CelebA's 40 attributes (Liu et al., 2015).

LFWA's layout is not documented anywhere official; the common distribution is the LFW image
tree ``lfw/<Name>/<Name>_0001.jpg`` plus an attribute file in CelebA's ``list_attr`` format
(optional count line, a header of the 40 CelebA names, ``<image> v1 ... v40`` with -1/1). So:

- ``attr_file`` (option): path of the attribute file, relative to the root. By default the
  first found of :data:`ATTR_FILES` (at the root or in ``anno``/``Anno``).
- ``images`` (option): the image folder. By default the first found of :data:`IMAGE_DIRS`.
  An image listed as ``Aaron_Eckhart_0001.jpg`` is looked up in its person folder
  (``<images>/Aaron_Eckhart/Aaron_Eckhart_0001.jpg``), then flat (``<images>/<name>``); a
  name with a folder (``Aaron_Eckhart/Aaron_Eckhart_0001.jpg``) is taken as it is. Names
  must stay inside the image folder (no ``..``, absolute paths or links out of it).
- ``partition_file`` (option): a CelebA-format ``<image> 0|1|2`` file. By default the first
  found of :data:`PARTITION_FILES`; if none exists, **all** listed images are evaluated.
  ``split`` picks the partition when there is one. Face-MLLM's 6,880 images are the test
  split; ``--protocol face-mllm`` refuses a tree that gives another count (its ``samples``).

Columbia's ``lfw_attributes.txt`` (73 real-valued attributes of Kumar et al.) is a different
dataset; the loader says so instead of misreading it.
"""

from __future__ import annotations

import re
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.celeba import attribute_rows, read_partition, split_id
from facebench.loaders.paths import inside_root
from facebench.types import Sample

ATTR_FILES = ("list_attr_lfw.txt", "lfw_attributes.txt", "list_attr_lfwa.txt", "list_attr_celeba.txt")
PARTITION_FILES = ("list_eval_partition_lfw.txt", "list_eval_partition_lfwa.txt", "list_eval_partition.txt")
IMAGE_DIRS = ("lfw", "lfw-deepfunneled", "lfw_funneled", "lfw-funneled", "img", "images")
ANNO_DIRS = ("", "anno", "Anno", "annotations")
_NUMBERED = re.compile(r"(?P<person>.+)_\d{4}\.(?:jpe?g|png)", re.IGNORECASE)


def _first(root: Path, names: tuple[str, ...], dirs: tuple[str, ...]) -> Path | None:
    for sub in dirs:
        for name in names:
            path = root / sub / name if sub else root / name
            if path.exists():
                return path
    return None


def _option_path(root: Path, value: str, what: str, option: str) -> Path:
    path = Path(value) if Path(value).is_absolute() else root / value
    if not (path.is_dir() if option == "images" else path.is_file()):
        raise DatasetError(f"missing {what} (loader option {option}: {value!r})", path)
    return path


def _image_path(images: Path, name: str, attrs: Path, line: int) -> Path:
    """Where a listed image is: as written with a folder, else its person folder, else flat.

    Whatever the form, it must stay inside the image folder (refused naming the line).
    """
    if "/" in name:
        return inside_root(images, name, attrs, line)
    m = _NUMBERED.fullmatch(name)
    nested = inside_root(images, f"{m['person']}/{name}" if m else name, attrs, line)
    flat = inside_root(images, name, attrs, line)
    return flat if not nested.is_file() and flat.is_file() else nested


def load(
    root: Path,
    split: str = "test",
    attr_file: str | None = None,
    images: str | None = None,
    partition_file: str | None = None,
) -> list[Sample]:
    """LFWA images with their 40 attributes (target ``{attribute: bool}``); see module doc."""
    root = Path(root)
    if attr_file:
        attrs_path = _option_path(root, attr_file, "LFWA attribute file", "attr_file")
    else:
        attrs_path = _first(root, ATTR_FILES, ANNO_DIRS)
        if attrs_path is None:
            raise DatasetError(
                f"missing LFWA attribute file (CelebA list_attr format); looked for "
                f"{', '.join(ATTR_FILES)} at the root and in anno/; set loader option attr_file",
                root / ATTR_FILES[0],
            )
    if images:
        image_dir = _option_path(root, images, "LFWA image folder", "images")
    else:
        image_dir = _first(root, IMAGE_DIRS, ("",))
        if image_dir is None:
            raise DatasetError(
                f"missing LFWA image folder; looked for {', '.join(IMAGE_DIRS)}; set loader "
                "option images",
                root / IMAGE_DIRS[0],
            )
    attributes = attribute_rows(attrs_path)
    if partition_file:
        part_path: Path | None = _option_path(root, partition_file, "LFWA partition file", "partition_file")
    else:
        part_path = _first(root, PARTITION_FILES, ANNO_DIRS)
    wanted = split_id(split) if part_path is not None else None
    partition = read_partition(part_path) if part_path is not None else {}
    samples = []
    for name, (number, labels) in attributes.items():
        if wanted is not None:
            if name not in partition:
                raise DatasetError(f"image {name!r} of {attrs_path.name} has no partition", part_path)
            if partition[name] != wanted:
                continue
        samples.append(
            Sample(
                id=re.sub(r"\.(jpe?g|png)$", "", name, flags=re.IGNORECASE),
                media=(str(_image_path(image_dir, name, attrs_path, number)),),
                target=labels,
                meta={"split": split if wanted is not None else "all"},
            )
        )
    return samples
