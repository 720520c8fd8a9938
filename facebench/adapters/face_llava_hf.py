"""``face-llava-hf``: Face-LLaVA through the torch/transformers reference (no vLLM needed).

Loads a folder written by ``facebench convert face-llava`` and reproduces the official
inference: llava_v1 prompt, ``tokenizer_image_token`` tokenisation with the checkpoint's own
sentencepiece model (as transformers 4.31's slow tokenizer does it), LanguageBind preprocessing,
8 uniformly sampled frames (``linspace(..., dtype=int)``), optional face crop and landmarks.
One request at a time.

``decoding``:

- ``greedy`` (default, for benchmarks): temperature 0, the task's answer length; weights in
  ``dtype``.
- ``official``: the repository's ``inference.py``: ``do_sample=True, temperature=0.1,
  max_new_tokens=1024``, top-p/top-k from the folder's ``generation_config.json``
  (transformers' defaults where it is silent), seeded by ``seed``; and, where bitsandbytes is
  installed, the official 4-bit nf4 loading (float16 elsewhere). The weights actually used are
  part of the fingerprint (``weights``).
"""

from __future__ import annotations

import importlib.util
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
    #: upper bound on the answer length (below the task's, or the official 1024)
    max_new_tokens: int | None = Field(default=None, gt=0)
    #: greedy (benchmarks) or official (the official inference's sampling and 4-bit weights)
    decoding: Literal["greedy", "official"] = "greedy"
    seed: int = 0
    face: FaceSteps = Field(default_factory=FaceSteps)
    batch_size: int = Field(default=1, gt=0)


def bitsandbytes_available() -> bool:
    return importlib.util.find_spec("bitsandbytes") is not None


class FaceLlavaHFAdapter(Adapter):
    """Face-LLaVA on the torch reference implementation (parity checks, no vLLM needed)."""

    name = "face-llava-hf"
    Settings = FaceLlavaHFSettings
    requires = ("torch", "transformers", "safetensors", "sentencepiece")
    extra = "face-llava"
    accepts_video = True

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings, **overrides)
        self._model = None
        self._tok = None
        self._official: dict[str, Any] | None = None
        self._builder: InputBuilder | None = None

    @property
    def load_4bit(self) -> bool:
        """The official 4-bit loading: ``decoding: official`` where bitsandbytes is installed."""
        return self.settings.decoding == "official" and bitsandbytes_available()  # type: ignore[attr-defined]

    def weights(self) -> str:
        """What the weights run in: ``nf4`` (official 4-bit) or the dtype."""
        return "nf4" if self.load_4bit else str(self.settings.dtype)  # type: ignore[attr-defined]

    def fingerprint_settings(self) -> dict[str, Any]:
        return {**super().fingerprint_settings(), "weights": self.weights()}

    def _load(self):
        if self._model is None:
            from facebench.face_llava import processing as P
            from facebench.face_llava.reference import FaceLlavaReference
            from facebench.face_llava.tokenizer import OfficialTokenizer

            s: FaceLlavaHFSettings = self.settings  # type: ignore[assignment]
            self._tok = OfficialTokenizer.from_folder(s.model)
            self._official = P.official_sampling(s.model)
            self._model = FaceLlavaReference.from_folder(s.model, dtype=s.dtype, device=s.device,
                                                         load_4bit=self.load_4bit)
            self._builder = InputBuilder(s.face, self._model.cfg.num_frames)
        return self._model

    def generation_kwargs(self, request: Request) -> dict[str, Any]:
        """``FaceLlavaReference.generate`` keywords for the request under ``decoding``."""
        from facebench.face_llava import processing as P

        s: FaceLlavaHFSettings = self.settings  # type: ignore[assignment]
        if s.decoding == "official":
            o = self._official if self._official is not None else P.official_sampling(s.model)
            return {
                "max_new_tokens": min(o["max_new_tokens"], s.max_new_tokens or o["max_new_tokens"]),
                "temperature": o["temperature"], "top_p": o["top_p"], "top_k": o["top_k"],
                "repetition_penalty": o["repetition_penalty"], "seed": s.seed,
            }
        g = request.generation
        return {"max_new_tokens": min(g.max_new_tokens, s.max_new_tokens or g.max_new_tokens),
                "temperature": 0.0}

    def _one(self, request: Request) -> Response:
        import torch

        from facebench.face_llava import processing as P
        from facebench.face_llava.reference import Media

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
        out = model.generate(ids, media, eos_token_id=self._tok.eos_token_id,
                             **self.generation_kwargs(request))
        text = self._tok.decode(out).strip()
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
