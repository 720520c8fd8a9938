"""``face-llava-openai``: the ``openai`` adapter for a ``facebench serve face-llava`` server.

It differs from the plain ``openai`` adapter in what it sends, not how (same retries, same
concurrency, same settings): a video travels as one ``video_url`` part (a ``data:video/jpeg``
URL of the 8 official frames), so the server runs Face-LLaVA's *video* tower on it; the plain
adapter sends frames as separate images, which this model would read as 8 images. The optional
face crop runs here, client side; landmarks travel as per-request ``mm_processor_kwargs``.
"""

from __future__ import annotations

import base64
from typing import Any

from pydantic import Field

from facebench.media import data_url, image_bytes
from facebench.adapters.openai_api import OpenAIAdapter, OpenAISettings
from facebench.face_llava.inputs import FaceSteps, InputBuilder
from facebench.types import Request


class FaceLlavaOpenAISettings(OpenAISettings):
    model: str = "face-llava"
    base_url: str | None = "http://127.0.0.1:8000/v1"
    api_key_env: str | None = None
    face: FaceSteps = Field(default_factory=FaceSteps)


class FaceLlavaOpenAIAdapter(OpenAIAdapter):
    """Face-LLaVA served by `facebench serve face-llava` (video sent as one video part)."""

    name = "face-llava-openai"
    Settings = FaceLlavaOpenAISettings

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self._builder: InputBuilder | None = None
        self._landmarks: dict[str, dict[str, Any]] = {}

    def build_messages(self, request: Request) -> list[dict[str, Any]]:
        from PIL import Image

        if self._builder is None:
            self._builder = InputBuilder(self.settings.face)  # type: ignore[attr-defined]
        inp = self._builder.build(request)
        parts: list[dict[str, Any]] = []
        kw: dict[str, Any] = {}
        for kind, data, lm in zip(inp.kinds, inp.data, inp.landmarks):
            if kind == "image":
                parts.append(self._image_part(data_url(data, "PNG")))
            else:
                frames = ",".join(
                    base64.b64encode(image_bytes(Image.fromarray(f), "JPEG", quality=95)).decode()
                    for f in data
                )
                parts.append({"type": "video_url", "video_url": {"url": f"data:video/jpeg;base64,{frames}"}})
            if lm is not None:
                kw.setdefault(f"{kind}_landmarks", []).append(lm)
        if kw:
            self._landmarks[request.key] = kw
        parts.append({"type": "text", "text": inp.question})
        return [{"role": "user", "content": parts}]

    def _params(self, request: Request) -> dict[str, Any]:
        params = super()._params(request)
        kw = self._landmarks.pop(request.key, None)
        if kw:
            extra = dict(params.get("extra_body") or {})
            extra["mm_processor_kwargs"] = {**extra.get("mm_processor_kwargs", {}), **kw}
            params["extra_body"] = extra
        return params
