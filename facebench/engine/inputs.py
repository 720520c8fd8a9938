"""What a stage's output was made from, so a rerun with nothing changed skips the stage.

Rerunning a finished run used to rebuild all 331,000 CelebA requests and re-score all 331,000
answers to arrive at the same files. A stage now records a digest of its inputs beside its
output and is skipped when the digest is unchanged:

- **prepare** (``items.jsonl``): the loaded samples (ids, media, targets, meta, and the size and
  modification time of each media file), the task and adapter fingerprints, the style, seed and
  crop, and facebench's own code and declarative files (a new parser or template version
  rebuilds). Loading the samples is still done (it is how a changed annotation file is seen);
  building, fingerprinting and writing the requests is what is skipped.
- **score** (``predictions.jsonl`` + ``metrics.json``): the items digest, the size and
  modification time of ``responses.jsonl`` (append-only: any new answer changes its size), the
  parse mode, the task's synonym lists and facebench's code.

A digest that cannot be computed (a file vanished) is simply different: the stage runs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from facebench.media.refs import parse_ref
from facebench.resources import data_path
from facebench.types import Sample

_PACKAGE = Path(__file__).resolve().parents[1]
_SUFFIXES = {".py", ".yaml", ".yml", ".j2", ".jinja", ".txt", ".json"}


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Hash of facebench's source and shipped declarative files (tasks, synonyms, cards)."""
    h = hashlib.sha256()
    roots = [_PACKAGE] + [data_path(name) for name in ("tasks", "synonyms", "model_adapters")]
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in _SUFFIXES and "demo_data" not in path.parts and path.is_file():
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _media_state(ref: str, seen: dict[str, Any]) -> Any:
    try:
        path = parse_ref(ref).path
    except ValueError:
        path = ref
    state = seen.get(path)
    if state is None:
        try:
            st = os.stat(path)
            state = (st.st_size, st.st_mtime_ns)
        except OSError:
            state = "missing"
        seen[path] = state
    return state


def samples_digest(samples: Iterable[Sample]) -> str:
    """Hash of the samples as loaded, and of the state of each media file they name."""
    h = hashlib.sha256()
    seen: dict[str, Any] = {}
    for s in samples:
        h.update(orjson.dumps([s.id, s.media, s.target, s.meta, s.modality,
                               [_media_state(m, seen) for m in s.media]],
                              default=str, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY))
    return h.hexdigest()[:24]


def digest(*parts: Any) -> str:
    """Hash of JSON-able parts (the key a stage records)."""
    return hashlib.sha256(orjson.dumps(parts, default=str, option=orjson.OPT_NON_STR_KEYS
                                       | orjson.OPT_SORT_KEYS)).hexdigest()[:24]


def file_state(path: Path) -> list[int] | None:
    """[size, mtime_ns] of a file, None when it does not exist."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]
