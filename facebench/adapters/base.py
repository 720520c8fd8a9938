"""The one interface every model adapter implements.

An adapter turns a batch of :class:`~facebench.types.Request` into the same number of
:class:`~facebench.types.Response`, in order. It never raises for a single bad request: a
request that fails (unreadable image, API error after retries) comes back as a Response with
``error`` set, so one broken sample never stops a run.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from facebench.errors import FacebenchError
from facebench.types import Request, Response

#: an opaque handle the engine pairs with each request and gets back with its answer
Key = TypeVar("Key")
#: called once per answered request, as soon as its answer exists
Emit = Callable[[Any, Response], None]


class AdapterSettings(BaseModel):
    """Settings common to all adapters; each adapter subclasses this with its own fields.

    ``extra="forbid"`` makes a misspelt key in a model card an error that names the key.
    """

    model_config = ConfigDict(extra="forbid")

    #: how many requests the engine hands to ``generate`` at once
    batch_size: int = 8
    #: threads decoding images and video frames ahead of the model (adapters that decode
    #: media themselves: hf, vllm, lm-eval); None: ``FACEBENCH_MEDIA_WORKERS`` or
    #: min(4, CPUs); 0: decode in the calling thread (see facebench.media.prefetch)
    media_workers: int | None = Field(default=None, ge=0)


class Adapter(ABC):
    """Base class of all model adapters.

    Subclasses set ``name`` and ``Settings`` and implement ``generate``. They are registered
    under the ``facebench.adapters`` entry point group and built from a model card.
    Heavy libraries (torch, vllm, openai) are imported inside the adapter's module, which is
    only imported when that adapter is used.
    """

    name: ClassVar[str]
    Settings: ClassVar[type[AdapterSettings]] = AdapterSettings
    #: media kinds the model accepts natively; video is sent as frames to image-only adapters
    accepts_video: ClassVar[bool] = False
    #: importable packages the adapter needs at run time, imported lazily inside its methods
    #: (so settings validate and cached runs re-score without them), checked when it is built
    requires: ClassVar[tuple[str, ...]] = ()
    #: the ``pip install 'facebench[extra]'`` that provides ``requires``
    extra: ClassVar[str | None] = None

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        base = settings.model_dump() if settings is not None else {}
        self.settings = self.Settings.model_validate({**base, **overrides})

    @abstractmethod
    def generate(self, requests: Sequence[Request]) -> list[Response]:
        """Answer every request, in order. Must return exactly ``len(requests)`` responses."""

    def generate_each(self, requests: Iterable[tuple[Key, Request]], emit: Emit) -> None:
        """Answer a stream of ``(key, request)`` pairs, calling ``emit(key, response)`` as each
        answer exists, so the engine saves it at once: an interrupt or ``kill -9`` then loses
        only what was still in flight.

        ``requests`` is consumed lazily (the engine checks media while it is pulled), so memory
        stays flat whatever the run's size. This default hands ``batch_size`` requests at a time
        to :meth:`generate`, which suits batched local models (a batch finishes together);
        adapters that answer one request at a time (HTTP APIs) override it to keep
        ``concurrency`` requests in flight and emit each one as it completes.
        """
        source = iter(requests)
        size = max(1, self.settings.batch_size)
        while batch := list(islice(source, size)):
            answers = self.generate([request for _, request in batch])
            if len(answers) != len(batch):
                raise FacebenchError(
                    f"adapter {self.name} returned {len(answers)} responses for {len(batch)} requests"
                )
            for (key, _), answer in zip(batch, answers):
                emit(key, answer)

    def fingerprint(self) -> str:
        """A stable hash of the adapter and the settings that change its answers.

        The response cache is keyed by it, so changing a setting that matters re-queries the
        model while re-running with the same card reuses every cached answer.
        """
        payload = json.dumps(
            {"adapter": self.name, "settings": self.fingerprint_settings()},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def fingerprint_settings(self) -> dict[str, Any]:
        """Settings that affect the answers; excludes throughput-only ones such as batch size."""
        ignored = {"batch_size", "concurrency", "api_key_env", "timeout", "max_retries", "media_workers"}
        return {k: v for k, v in self.settings.model_dump().items() if k not in ignored}

    def close(self) -> None:
        """Release model memory, servers or connections. Called once at the end of a run."""
