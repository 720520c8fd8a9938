"""Cheap checks of a request's media before a model sees it.

A missing or corrupt file becomes an error row for that one sample (named in the summary)
instead of an exception in the middle of a GPU batch.
"""

from __future__ import annotations

from pathlib import Path

from facebench.types import Request

VIDEO_SUFFIXES = {".mp4", ".avi", ".flv", ".mkv", ".mov", ".webm", ".wmv", ".mpg", ".mpeg"}


def check_request_media(request: Request) -> str | None:
    """None when every media part can be read, else a message naming the file and the fault."""
    from facebench.media import check_media  # also reads frame/segment/crop references

    for part in (p for m in request.messages for p in m.content if p.type != "text"):
        problem = check_media(part.value, part.type)
        if problem:
            return problem
    return None


def check_image(path: str) -> str | None:
    from PIL import Image, UnidentifiedImageError

    file = Path(path)
    if not file.is_file():
        return f"missing image: {path}"
    try:
        with Image.open(file) as im:
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"corrupt image: {path} ({exc.__class__.__name__}: {exc})"
    return None


def check_video(path: str) -> str | None:
    """A video is a file PyAV can open with a video stream, or a folder of frame images."""
    target = Path(path)
    if target.is_dir():
        if not any(f.suffix.lower() in {".jpg", ".jpeg", ".png"} for f in target.iterdir()):
            return f"frame folder has no images: {path}"
        return None
    if not target.is_file():
        return f"missing video: {path}"
    import av

    try:
        with av.open(str(target)) as container:
            if not container.streams.video:
                return f"no video stream in {path}"
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        return f"corrupt video: {path} ({exc.__class__.__name__}: {exc})"
    return None
