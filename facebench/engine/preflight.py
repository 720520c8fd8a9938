"""Checks of a request's media before a model sees it.

A missing, corrupt or truncated file becomes an error row for that one sample (named in the
summary) instead of an exception in the middle of a GPU batch, or worse, an answer about a
half-decoded picture or a clip padded with repeated frames. Images are decoded in full and
videos proven untruncated (:func:`facebench.media.check_media`), so each file is checked once
per run: the ``seen`` memo here, and a per-file memo for videos under frame references.
"""

from __future__ import annotations

from facebench.media import check_media  # plain files and frame/segment/crop references
from facebench.types import Request


def check_request_media(
    request: Request, seen: dict[tuple[str, str], str | None] | None = None
) -> str | None:
    """None when every media part can be read, else a message naming the file and the fault.

    ``seen`` memoises results within a run: CelebA asks 40 questions about each image and
    DISFA 8 about each frame, and the file need only be checked once. A video part is keyed
    with the request's ``num_frames`` too, since a clip can be long enough for 8 frames and
    too short for 32.
    """
    seen = {} if seen is None else seen
    for part in (p for m in request.messages for p in m.content if p.type != "text"):
        num_frames = request.generation.num_frames if part.type == "video" else None
        key = (part.value, part.type if num_frames is None else f"video:{num_frames}")
        if key not in seen:
            seen[key] = check_media(part.value, part.type, num_frames)
        if seen[key]:
            return seen[key]
    return None


def short_segments(request: Request) -> dict[str, int]:
    """``{media: frames shown}`` for the video parts that show fewer than ``num_frames``.

    A time segment holding fewer frames than asked (the last chunk of a low-frame-rate video)
    is shown with each of its frames once, never padded (:func:`facebench.media.sample_frames`).
    This is what a run records next to the answer so that fallback is never silent; call it
    after :func:`check_request_media` passed (it reads the header only).
    """
    from facebench.media import shown_frames

    k = request.generation.num_frames
    out: dict[str, int] = {}
    for part in (p for m in request.messages for p in m.content if p.type == "video"):
        n = shown_frames(part.value, k)
        if n < k:
            out[part.value] = n
    return out
