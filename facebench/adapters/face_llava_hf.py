"""``face-llava-hf``: Face-LLaVA through the torch/transformers reference (no vLLM needed).

Loads a folder written by ``facebench convert face-llava`` and reproduces the official
inference: llava_v1 prompt, ``tokenizer_image_token`` tokenisation, LanguageBind preprocessing,
8 uniformly sampled frames (``linspace(..., dtype=int)``), optional face crop and landmarks.
Decoding follows the task (greedy by default; the official script samples at temperature 0.1,
set the task's or card's temperature to reproduce it). One request at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from facebench.adapters.base import Adapter, AdapterSettings
from facebench.face_llava.inputs import FaceSteps, InputBuilder
from facebench.types import Request, Response


class FaceLlavaHFSettings(AdapterSettings):
    #: a converted folder (``facebench convert face-llava ... --out DIR``)
    model: str
    dtype: Literal["float32", "bfloat16", "float16"] = "bfloat16"
    device: str = "cuda"
    #: upper bound on the answer length; the task's ``max_new_tokens`` applies below it
    max_new_tokens: int | None = Field(default=None, gt=0)
    #: None: the task's temperature (greedy by default); 0.1 reproduces the official sampling
    temperature: float | None = None
    seed: int = 0
    face: FaceSteps = Field(default_factory=FaceSteps)
    batch_size: int = Field(default=1, gt=0)


class FaceLlavaHFAdapter(Adapter):
    name = "face-llava-hf"
    Settings = FaceLlavaHFSettings
    requires = ("torch", "transformers", "safetensors")
    extra = "face-llava"
    accepts_video = True

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings, **overrides)
        self._model = None
        self._tok = None
        self._builder: InputBuilder | None = None

    def _load(self):
        if self._model is None:
            from transformers import AutoTokenizer

            from facebench.face_llava.reference import FaceLlavaReference

            s: FaceLlavaHFSettings = self.settings  # type: ignore[assignment]
            self._model = FaceLlavaReference.from_folder(s.model, dtype=s.dtype, device=s.device)
            self._tok = AutoTokenizer.from_pretrained(s.model)
            self._builder = InputBuilder(s.face, self._model.cfg.num_frames)
        return self._model

    def _one(self, request: Request) -> Response:
        import torch

        from facebench.face_llava import processing as P
        from facebench.face_llava.reference import Media

        s: FaceLlavaHFSettings = self.settings  # type: ignore[assignment]
        model = self._load()
        cfg = model.cfg
        inp = self._builder.build(request)  # type: ignore[union-attr]
        ids = P.official_token_ids(inp.prompt(cfg.num_frames), self._tok, cfg.image_token_id)
        media = []
        for kind, data, lm in zip(inp.kinds, inp.data, inp.landmarks):
            if kind == "image":
                px = P.preprocess_image(data, cfg.image_size)
            else:
                size = cfg.video_tower.image_size if cfg.video_tower else cfg.image_size
                px = P.preprocess_video(data, size)
            media.append(Media(kind, px, None if lm is None else torch.tensor(lm, dtype=torch.float32)))
        g = request.generation
        max_new = min(g.max_new_tokens, s.max_new_tokens) if s.max_new_tokens else g.max_new_tokens
        temp = g.temperature if s.temperature is None else s.temperature
        out = model.generate(ids, media, max_new_tokens=max_new, temperature=temp, top_p=g.top_p,
                             eos_token_id=self._tok.eos_token_id, seed=s.seed)
        text = self._tok.decode(out, skip_special_tokens=True).strip()
        return Response(text=text, prompt_tokens=len(ids), completion_tokens=len(out))

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        out = []
        for r in requests:
            try:
                out.append(self._one(r))
            except Exception as exc:  # noqa: BLE001 - one bad sample becomes one error row
                out.append(Response(error=f"{type(exc).__name__}: {exc}"))
        return out

    def close(self) -> None:
        self._model = None
