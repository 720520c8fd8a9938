"""``hf``: any transformers image-text-to-text model, in-process, with real batching.

The model's own chat template builds the prompt, so a card needs only the repo id (or a
local folder). Requests in one ``generate`` call are grouped by decoding settings and run
``batch_size`` at a time with left padding, which is what decoder-only generation needs:
right padding would put pad tokens between the prompt and the answer.

Video goes in as a video when the processor has a video processor and the model a video
token (Qwen2-VL, LLaVA-OneVision, LLaVA-NeXT-Video, ...); otherwise as ``num_frames``
sampled frames shown as images (LLaVA-1.5, InstructBLIP). ``video_mode`` forces either.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from facebench.adapters.base import Adapter, AdapterSettings, Emit, Key
from facebench.media import load_image, sample_frames
from facebench.media.prefetch import MediaPrefetcher
from facebench.types import GenerationSettings, Request, Response

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

#: the transformers auto class; remote-code models often register only a causal-LM class
AUTO_CLASSES = {
    "image-text-to-text": "AutoModelForImageTextToText",
    "causal-lm": "AutoModelForCausalLM",
}
#: a full git commit id: a branch or tag name can move, a commit cannot
_COMMIT = re.compile(r"[0-9a-f]{40}")


class HFSettings(AdapterSettings):
    #: hub repo id or local folder; override with ``--model-arg model=/local/path``
    model: str
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    #: passed to ``from_pretrained``; None loads on CPU (or on ``device``)
    device_map: str | None = "auto"
    attn_implementation: str | None = None
    #: upper bound on the answer length; the task's ``max_new_tokens`` applies below it
    max_new_tokens: int | None = Field(default=None, gt=0)
    #: run the checkpoint's own Python code; needs ``revision`` pinned (see below)
    trust_remote_code: bool = False
    #: hub commit to load; required with ``trust_remote_code``, so the code that runs is the
    #: code that was reviewed, not whatever the repo's main branch holds today
    revision: str | None = None
    video_mode: Literal["auto", "video", "frames"] = "auto"
    auto_class: Literal["image-text-to-text", "causal-lm"] = "image-text-to-text"
    #: a jinja chat template replacing the model's own; models without one (InstructBLIP)
    #: get the plain text of the messages, and their processor adds the image tokens
    chat_template: str | None = None
    #: extra keyword arguments for the processor call (e.g. ``{"max_pixels": 401408}``)
    processor_kwargs: dict[str, Any] = Field(default_factory=dict)
    batch_size: int = Field(default=8, gt=0)

    @model_validator(mode="after")
    def _remote_code_is_pinned(self) -> HFSettings:
        """Remote code runs in this process: only a pinned commit (or a local folder, whose code
        the user holds) may supply it."""
        if self.trust_remote_code and not Path(self.model).is_dir():
            if not (self.revision and _COMMIT.fullmatch(self.revision)):
                raise ValueError(
                    f"trust_remote_code needs revision: <commit> (the 40-hex hub commit of "
                    f"{self.model} to run; got {self.revision!r})"
                )
        return self


@dataclass
class _Prepared:
    """One request turned into a chat conversation plus the decoded media it refers to."""

    index: int
    conversation: list[dict[str, Any]]
    images: list[Any] = field(default_factory=list)
    videos: list[list[Any]] = field(default_factory=list)


class HFAdapter(Adapter):
    """transformers ``AutoProcessor`` + ``AutoModelForImageTextToText`` (or causal LM); lazy."""

    name = "hf"
    Settings = HFSettings
    accepts_video = True
    requires = ("torch", "transformers")
    extra = "hf"

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings, **overrides)
        self._model: Any = None
        self._processor: Any = None
        self._video_native = False

    # -- loading ---------------------------------------------------------------------------

    def _load(self) -> None:
        """Load lazily: building the adapter only to fingerprint a fully cached run is free."""
        if self._model is not None:
            return
        import torch
        import transformers
        from transformers import AutoProcessor

        s: HFSettings = self.settings  # type: ignore[assignment]
        common = {"trust_remote_code": s.trust_remote_code, "revision": s.revision}
        self._processor = AutoProcessor.from_pretrained(s.model, **common)
        tok = getattr(self._processor, "tokenizer", None)
        if tok is not None:
            tok.padding_side = "left"
            if tok.pad_token is None:
                tok.pad_token = tok.eos_token
        kwargs: dict[str, Any] = dict(common)
        kwargs["dtype"] = "auto" if s.dtype == "auto" else getattr(torch, s.dtype)
        if s.device_map is not None:
            kwargs["device_map"] = s.device_map
        if s.attn_implementation is not None:
            kwargs["attn_implementation"] = s.attn_implementation
        auto = getattr(transformers, AUTO_CLASSES[s.auto_class])
        self._model = auto.from_pretrained(s.model, **kwargs).eval()
        self._video_native = self._detect_video()
        log.info("loaded %s (video as %s)", s.model, "video" if self._video_native else "frames")

    def _detect_video(self) -> bool:
        mode = self.settings.video_mode  # type: ignore[attr-defined]
        native = getattr(self._processor, "video_processor", None) is not None and bool(
            getattr(self._processor, "video_token", None)
        )
        if mode == "video" and not native:
            raise ValueError(
                f"video_mode=video but {self.settings.model} has no video processor"  # type: ignore[attr-defined]
            )
        return native if mode == "auto" else mode == "video"

    @property
    def _device(self) -> torch.device:
        return next(self._model.parameters()).device

    # -- request preparation ---------------------------------------------------------------

    def _prepare(self, index: int, request: Request) -> _Prepared:
        """Decode the request's media and build the chat-template conversation for it."""
        prepared = _Prepared(index, [])
        for message in request.messages:
            content: list[dict[str, Any]] = []
            for part in message.content:
                if part.type == "text":
                    content.append({"type": "text", "text": part.value})
                elif part.type == "image":
                    prepared.images.append(load_image(part.value))
                    content.append({"type": "image"})
                elif self._video_native:
                    prepared.videos.append(sample_frames(part.value, request.generation.num_frames))
                    content.append({"type": "video"})
                else:
                    frames = sample_frames(part.value, request.generation.num_frames)
                    prepared.images.extend(frames)
                    content.extend({"type": "image"} for _ in frames)
            prepared.conversation.append({"role": message.role, "content": content})
        return prepared

    # -- generation ------------------------------------------------------------------------

    def _gen_kwargs(self, g: GenerationSettings) -> dict[str, Any]:
        cap = self.settings.max_new_tokens  # type: ignore[attr-defined]
        kwargs: dict[str, Any] = {
            "max_new_tokens": min(g.max_new_tokens, cap) if cap else g.max_new_tokens
        }
        if g.temperature > 0:
            kwargs.update(do_sample=True, temperature=g.temperature, top_p=g.top_p)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        return kwargs

    def _run_batch(self, batch: list[_Prepared], g: GenerationSettings) -> list[Response]:
        import torch

        proc = self._processor
        texts = [self._prompt(p.conversation) for p in batch]
        images = [im for p in batch for im in p.images]
        videos = [v for p in batch for v in p.videos]
        call: dict[str, Any] = dict(self.settings.processor_kwargs)  # type: ignore[attr-defined]
        if images:
            call["images"] = images
        if videos:
            call["videos"] = videos
        inputs = proc(text=texts, padding=True, return_tensors="pt", **call)
        inputs = inputs.to(self._device)
        floating = {k: v for k, v in inputs.items() if torch.is_floating_point(v)}
        for k, v in floating.items():  # pixel values follow the model's dtype
            inputs[k] = v.to(self._model.dtype)
        with torch.inference_mode():
            out = self._model.generate(**inputs, **self._gen_kwargs(g))
        ids = inputs["input_ids"]
        prompt_len = ids.shape[1]
        # Decoder-only models return prompt + answer; some (InstructBLIP, encoder-decoders)
        # return the answer alone.
        echoes = out.shape[1] > prompt_len and torch.equal(out[:, :prompt_len], ids)
        new = (out[:, prompt_len:] if echoes else out).cpu()
        prompt_tokens = inputs["attention_mask"].sum(dim=1).tolist()
        responses = []
        for row, pt in zip(new, prompt_tokens, strict=True):
            n = self._answer_length(row)
            text = proc.batch_decode(row[:n].unsqueeze(0), skip_special_tokens=True)[0]
            responses.append(
                Response(text=text.strip(), prompt_tokens=int(pt), completion_tokens=n)
            )
        return responses

    def _prompt(self, conversation: list[dict[str, Any]]) -> str:
        template = self.settings.chat_template  # type: ignore[attr-defined]
        if template is None and not getattr(self._processor, "chat_template", None):
            return "\n".join(
                c["text"] for m in conversation for c in m["content"] if c["type"] == "text"
            )
        return self._processor.apply_chat_template(
            conversation, add_generation_prompt=True, tokenize=False, chat_template=template
        )

    def _answer_length(self, row: torch.Tensor) -> int:
        """Generated tokens up to and including the first end-of-sequence token."""
        eos = self._model.generation_config.eos_token_id
        stops = set(eos if isinstance(eos, list) else [eos]) - {None}
        for i, t in enumerate(row.tolist()):
            if t in stops:
                return i + 1
        return len(row)

    def generate_each(self, requests: Iterable[tuple[Key, Request]], emit: Emit) -> None:
        """As :meth:`Adapter.generate_each`, with the media of the next batch decoded in worker
        threads while this one runs (:mod:`facebench.media.prefetch`)."""
        with MediaPrefetcher(workers=self.settings.media_workers, ahead=self.settings.batch_size) as media:
            super().generate_each(media.stream(requests), media.emitter(emit))

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        self._load()
        results: list[Response | None] = [None] * len(requests)
        groups: dict[GenerationSettings, list[_Prepared]] = {}
        for i, request in enumerate(requests):
            try:
                prepared = self._prepare(i, request)
            except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the batch
                results[i] = _error(request, exc)
                continue
            groups.setdefault(request.generation, []).append(prepared)
        bs = self.settings.batch_size
        for g, items in groups.items():
            for start in range(0, len(items), bs):
                batch = items[start : start + bs]
                for p, r in zip(batch, self._run_safely(batch, g, requests), strict=True):
                    results[p.index] = r
        return [r if r is not None else Response(error="internal: no response") for r in results]

    def _run_safely(
        self, batch: list[_Prepared], g: GenerationSettings, requests: Sequence[Request]
    ) -> list[Response]:
        """Run a batch; if it fails, run its requests one by one to find the bad one."""
        try:
            return self._run_batch(batch, g)
        except Exception as exc:  # noqa: BLE001 - one request's failure of any kind becomes its error row
            if len(batch) == 1:
                return [_error(requests[batch[0].index], exc)]
            log.warning("batch of %d failed (%s); retrying one by one", len(batch), exc)
            return [self._run_safely([p], g, requests)[0] for p in batch]

    def close(self) -> None:
        if self._model is None:
            return
        import torch

        self._model = None
        self._processor = None
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _error(request: Request, exc: BaseException) -> Response:
    return Response(error=f"{request.key}: {type(exc).__name__}: {exc}")
