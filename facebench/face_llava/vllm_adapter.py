"""``face-llava-vllm``: Face-LLaVA in an in-process ``vllm.LLM`` through the facebench plugin.

Prompts go in as token ids built the official way (the checkpoint's sentencepiece model, as
the reference uses it), media as ``multi_modal_data`` (an image, or the 8 official frames of a
video), landmarks as ``mm_processor_kwargs``; answers are decoded with the same tokenizer. A
batch is one ``LLM.generate`` call (continuous batching); if it fails, requests are retried
one by one so one bad request becomes one error row.

``decoding``: ``greedy`` (default, for benchmarks: temperature 0, the task's answer length) or
``official`` (the repository's ``inference.py``: temperature 0.1 with the checkpoint's
generation config top-p/top-k, up to 1024 new tokens, seeded by ``seed``). The weights stay in
``dtype``; the official 4-bit loading is the ``face-llava-hf`` adapter's.
Scripts using this adapter need an ``if __name__ == "__main__":`` guard (vLLM spawns).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from facebench.adapters.base import Adapter, AdapterSettings
from facebench.face_llava.inputs import FaceSteps, InputBuilder
from facebench.types import GenerationSettings, Request, Response

log = logging.getLogger(__name__)


class FaceLlavaVLLMSettings(AdapterSettings):
    #: a converted folder (``facebench convert face-llava ... --out DIR``)
    model: str
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    tensor_parallel_size: int = Field(default=1, gt=0)
    max_model_len: int | None = Field(default=4096, gt=0)
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1)
    enforce_eager: bool = False
    #: upper bound on the answer length (below the task's, or the official 1024)
    max_new_tokens: int | None = Field(default=None, gt=0)
    #: greedy (benchmarks) or official (temperature 0.1 sampling of the official inference)
    decoding: Literal["greedy", "official"] = "greedy"
    seed: int = 0
    face: FaceSteps = Field(default_factory=FaceSteps)
    #: any other ``vllm.LLM`` keyword argument
    engine_kwargs: dict[str, Any] = Field(default_factory=dict)
    batch_size: int = Field(default=64, gt=0)


class FaceLlavaVLLMAdapter(Adapter):
    """Face-LLaVA in-process through vLLM and facebench's plugin (a `convert face-llava` folder)."""

    name = "face-llava-vllm"
    Settings = FaceLlavaVLLMSettings
    requires = ("vllm", "torch", "transformers", "sentencepiece")
    extra = "vllm,face-llava"
    accepts_video = True

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings, **overrides)
        self._llm = None
        self._tok = None
        self._cfg = None
        self._official: dict[str, Any] | None = None
        self._builder: InputBuilder | None = None

    def _load(self):
        if self._llm is None:
            import json
            from pathlib import Path

            from facebench.face_llava.vllm_plugin import register, require_vllm

            require_vllm()
            from vllm import LLM

            from facebench.face_llava import processing as P
            from facebench.face_llava.config import FaceLlavaConfig
            from facebench.face_llava.tokenizer import OfficialTokenizer

            register()
            s: FaceLlavaVLLMSettings = self.settings  # type: ignore[assignment]
            raw = json.loads((Path(s.model) / "config.json").read_text())
            self._cfg = FaceLlavaConfig.from_hf_config(raw)
            self._tok = OfficialTokenizer.from_folder(s.model)
            self._official = P.official_sampling(s.model)
            self._builder = InputBuilder(s.face, self._cfg.num_frames)
            kwargs: dict[str, Any] = {
                "model": s.model,
                "dtype": s.dtype,
                "tensor_parallel_size": s.tensor_parallel_size,
                "gpu_memory_utilization": s.gpu_memory_utilization,
                "enforce_eager": s.enforce_eager,
                "seed": s.seed,
                "limit_mm_per_prompt": {"image": 1, "video": 1},
            }
            if s.max_model_len is not None:
                kwargs["max_model_len"] = s.max_model_len
            self._llm = LLM(**{**kwargs, **s.engine_kwargs})
        return self._llm

    def build_prompt(self, request: Request) -> dict[str, Any]:
        from PIL import Image

        from facebench.face_llava import processing as P

        cfg = self._cfg
        inp = self._builder.build(request)  # type: ignore[union-attr]
        if len(inp.kinds) > 1:
            raise ValueError("Face-LLaVA takes one image or one video per prompt")
        ids = P.vllm_token_ids(inp.prompt(cfg.num_frames), self._tok, cfg.image_token_id,
                               cfg.video_token_id, cfg.num_frames)
        prompt: dict[str, Any] = {"prompt_token_ids": ids}
        if inp.kinds:
            kind, data, lm = inp.kinds[0], inp.data[0], inp.landmarks[0]
            if kind == "image":
                prompt["multi_modal_data"] = {"image": data if isinstance(data, Image.Image) else Image.fromarray(data)}
            else:
                prompt["multi_modal_data"] = {"video": data}
            if lm is not None:
                prompt["mm_processor_kwargs"] = {f"{kind}_landmarks": [lm]}
        return prompt

    def sampling(self, g: GenerationSettings):
        """The request's ``SamplingParams`` (facebench decodes the ids itself, so vLLM does not
        detokenise)."""
        from vllm import SamplingParams

        from facebench.face_llava import processing as P

        s: FaceLlavaVLLMSettings = self.settings  # type: ignore[assignment]
        if s.decoding == "official":
            o = self._official if self._official is not None else P.official_sampling(s.model)
            max_tokens = min(o["max_new_tokens"], s.max_new_tokens or o["max_new_tokens"])
            return SamplingParams(max_tokens=max_tokens, temperature=o["temperature"], top_p=o["top_p"],
                                  top_k=o["top_k"], repetition_penalty=o["repetition_penalty"],
                                  seed=s.seed, detokenize=False)
        max_tokens = min(g.max_new_tokens, s.max_new_tokens or g.max_new_tokens)
        return SamplingParams(max_tokens=max_tokens, temperature=0.0, detokenize=False)

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        llm = self._load()
        results: list[Response | None] = [None] * len(requests)
        ready: list[tuple[int, dict[str, Any]]] = []
        for i, r in enumerate(requests):
            try:
                ready.append((i, self.build_prompt(r)))
            except Exception as exc:  # noqa: BLE001
                results[i] = Response(error=f"{type(exc).__name__}: {exc}")
        bs = self.settings.batch_size
        for start in range(0, len(ready), bs):
            chunk = ready[start : start + bs]
            for (i, _), resp in zip(chunk, self._run(llm, chunk, requests), strict=True):
                results[i] = resp
        return [r if r is not None else Response(error="internal: no response") for r in results]

    def _run(self, llm, chunk, requests) -> list[Response]:
        try:
            outs = llm.generate([p for _, p in chunk],
                                [self.sampling(requests[i].generation) for i, _ in chunk], use_tqdm=False)
        except Exception as exc:  # noqa: BLE001
            if len(chunk) == 1:
                return [Response(error=f"{type(exc).__name__}: {exc}")]
            log.warning("vLLM batch of %d failed (%s); retrying one by one", len(chunk), exc)
            return [self._run(llm, [c], requests)[0] for c in chunk]
        res = []
        for o in outs:
            c = o.outputs[0]
            text = self._tok.decode(list(c.token_ids)).strip()  # type: ignore[union-attr]
            res.append(Response(text=text, prompt_tokens=len(o.prompt_token_ids or []),
                                completion_tokens=len(c.token_ids)))
        return res

    def close(self) -> None:
        self._llm = None
