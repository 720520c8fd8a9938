"""One rule for every media path a loader reads from a file: it must stay inside the dataset.

An annotation or manifest is data, often downloaded: a name like ``../../home/me/id.jpg``, an
absolute path, or a link inside the dataset that points elsewhere would otherwise make
facebench read a file outside the dataset and send it to a model (possibly a remote API).
So each path from file content goes through :func:`inside_root`, which resolves it (``..``
and links followed) and refuses, naming the annotation file, the line and the path, anything
that does not land inside the resolved root. Links that stay inside the root are fine, and
so is a root that is itself reached through a link (only where a path *ends up* counts).
"""

from __future__ import annotations

from pathlib import Path

from facebench.errors import DatasetError


def inside_root(
    root: Path,
    relative: str | Path,
    source_file: Path,
    line: int | None = None,
    *,
    base: Path | None = None,
    allow_absolute: bool = False,
    item: str | None = None,
    resolved_root: Path | None = None,
) -> Path:
    """``base / relative`` (``base`` defaults to ``root``), checked to lie inside ``root``.

    Returns the joined path as written, not the resolved one, so a sample's media string (and
    the fingerprint of its cached requests) is what it always was. A missing file passes (it
    becomes an error row at inference, as for any missing image). An absolute path is refused
    unless ``allow_absolute`` (a loader option the user sets for a manifest they trust), in
    which case it is returned as it is. ``item`` names the entry where there is no line
    (MM-Vet's ``item 'v1_0'``). ``resolved_root``: ``root`` resolved, from a caller that
    checks many paths under one root (:func:`resolved`; CelebA: 8,275 images, each resolving
    the root again was half of loading them).
    """
    value = str(relative)
    where = f"{item}: " if item else ""
    if Path(value).is_absolute():
        if allow_absolute:
            return Path(value)
        raise DatasetError(
            f"{where}absolute path {value!r} is not allowed (paths are relative to the dataset; "
            "loader option allow_absolute_paths: true accepts them in a manifest)",
            source_file,
            line,
        )
    joined = (base if base is not None else root) / value
    try:
        target = joined.resolve()
        top = resolved_root if resolved_root is not None else Path(root).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a NUL byte
        raise DatasetError(
            f"{where}path {value!r} cannot be resolved: {exc}", source_file, line
        ) from exc
    if not target.is_relative_to(top):
        raise DatasetError(
            f"{where}path {value!r} leads outside the dataset folder {root} (to {target}); "
            "a '..' or a link out of the folder is not followed",
            source_file,
            line,
        )
    return joined


def resolved(root: Path) -> Path | None:
    """``root`` resolved for :func:`inside_root`'s ``resolved_root``; None when it cannot be
    (each check then resolves it, and reports the failure as it always has)."""
    try:
        return Path(root).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
