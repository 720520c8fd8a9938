"""The cache key of one request, computed fast and byte for byte as it always was.

A response is reused whenever its request's fingerprint matches, so the key must never change
for an unchanged request: caches written by every earlier facebench must stay valid. The key is
the SHA-256 of ``json.dumps({"adapter", "task", "id", "messages", "generation"},
sort_keys=True)`` (:func:`reference_payload`). Building that dict and running the generic
encoder for each of 331,000 CelebA questions was a third of preparing the run, so
:func:`request_payload` writes the same text directly: keys in sorted order, the encoder's
default separators, strings through the C ``encode_basestring_ascii`` that ``json.dumps`` uses,
the settings block (one per style) encoded once. A test holds the two equal on random requests.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from facebench.types import GenerationSettings, Part, Request


@lru_cache(maxsize=256)
def _generation_json(generation: GenerationSettings) -> str:
    return json.dumps(generation.to_dict(), sort_keys=True)


#: the text of parts and settings seen before, by identity: the requests of a run share them
#: (task.py caches each distinct part and settings object), and a frozen dataclass hashes in
#: Python. The object is held with its text, so its id is not reused while remembered.
_SEEN: dict[int, tuple[Any, str]] = {}
_SEEN_SIZE = 16384


def _seen(obj: Any, text_of: Callable[[Any], str]) -> str:
    hit = _SEEN.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    text = text_of(obj)
    if len(_SEEN) >= _SEEN_SIZE:
        _SEEN.clear()
    _SEEN[id(obj)] = (obj, text)
    return text


def _part_json(p: Part) -> str:
    return f'{{"type": {_quote(p.type)}, "value": {_quote(p.value)}}}'


def _messages_json(request: Request) -> str:
    messages = []
    for m in request.messages:
        parts = ", ".join([_seen(p, _part_json) for p in m.content])
        messages.append(f'{{"content": [{parts}], "role": {_quote(m.role)}}}')
    return "[" + ", ".join(messages) + "]"


def request_payload(adapter_fp: str, task_fp: str, request: Request) -> str:
    """The text that is hashed: equal to :func:`reference_payload`, several times faster."""
    return (
        f'{{"adapter": {_quote(adapter_fp)}, "generation": {_seen(request.generation, _generation_json)}, '
        f'"id": {_quote(request.key)}, "messages": {_messages_json(request)}, "task": {_quote(task_fp)}}}'
    )


def reference_payload(adapter_fp: str, task_fp: str, request: Request) -> str:
    """The definition of the key's text (slow; the tests compare :func:`request_payload` with it)."""
    return json.dumps(
        {
            "adapter": adapter_fp,
            "task": task_fp,
            "id": request.key,
            "messages": request.to_dict(derived=False)["messages"],
            "generation": request.generation.to_dict(),
        },
        sort_keys=True,
    )


def request_fingerprint(adapter_fp: str, task_fp: str, request: Request) -> str:
    """Cache key: adapter + settings, task config + template, prompt/media, item, generation."""
    return hashlib.sha256(request_payload(adapter_fp, task_fp, request).encode()).hexdigest()[:24]
