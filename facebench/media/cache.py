"""Where facebench keeps derived media (extracted frames, face boxes) and how it names them.

Derived files are keyed by the *content* of their source, not its path, so moving a dataset
does not invalidate the cache and two different files with the same name never collide.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

#: environment variable that moves the cache (default ``~/.cache/facebench``)
CACHE_ENV = "FACEBENCH_CACHE"
_CHUNK = 1 << 20


def cache_dir(*parts: str) -> Path:
    """``$FACEBENCH_CACHE/<parts>`` (created on first use)."""
    base = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "facebench")
    folder = base.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def file_fingerprint(path: str | Path) -> str:
    """A content hash of a media file that stays cheap for multi-GB videos.

    Size plus the first and last MiB: enough to tell apart two encodings of the same clip,
    and it never reads a whole video. Memoised per (path, size, mtime).
    """
    p = Path(path)
    st = p.stat()
    return _fingerprint(str(p.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=4096)
def _fingerprint(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as fh:
        h.update(fh.read(_CHUNK))
        if size > 2 * _CHUNK:
            fh.seek(size - _CHUNK)
            h.update(fh.read(_CHUNK))
    return h.hexdigest()[:32]
