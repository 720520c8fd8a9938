"""Cheap checks of a request's media before a model sees it.

A missing or corrupt file becomes an error row for that one sample (named in the summary)
instead of an exception in the middle of a GPU batch.
"""

from __future__ import annotations

from facebench.media import check_media  # plain files and frame/segment/crop references
from facebench.types import Request


def check_request_media(
    request: Request, seen: dict[tuple[str, str], str | None] | None = None
) -> str | None:
    """None when every media part can be read, else a message naming the file and the fault.

    ``seen`` memoises results within a run: CelebA asks 40 questions about each image and
    DISFA 8 about each frame, and the file need only be checked once.
    """
    seen = {} if seen is None else seen
    for part in (p for m in request.messages for p in m.content if p.type != "text"):
        key = (part.value, part.type)
        if key not in seen:
            seen[key] = check_media(part.value, part.type)
        if seen[key]:
            return seen[key]
    return None
