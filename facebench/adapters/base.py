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
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from facebench.types import Request, Response


class AdapterSettings(BaseModel):
    """Settings common to all adapters; each adapter subclasses this with its own fields.

    ``extra="forbid"`` makes a misspelt key in a model card an error that names the key.
    """

    model_config = ConfigDict(extra="forbid")

    #: how many requests the engine hands to ``generate`` at once
    batch_size: int = 8


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
        ignored = {"batch_size", "concurrency", "api_key_env", "timeout", "max_retries"}
        return {k: v for k, v in self.settings.model_dump().items() if k not in ignored}

    def close(self) -> None:
        """Release model memory, servers or connections. Called once at the end of a run."""
