"""``vllm``: an in-process ``vllm.LLM`` driven through its chat API, many prompts per call.

vLLM applies the model's chat template and inserts the image/video placeholders itself, so
requests go in as OpenAI-style messages: images as ``image_pil`` parts (already decoded, no
temporary files) and videos as a ``video/jpeg`` data URL holding our own uniformly sampled
frames. Sampling the frames here, not in vLLM, keeps ``num_frames`` per request and the frame
choice identical to the ``hf`` and ``openai`` adapters. The chat API has no part for raw
frames; vLLM decodes each frame of a ``video/jpeg`` URL with PIL, which reads the format from
the bytes, so the frames are sent as PNG: lossless, the model sees exactly the pixels the
``hf`` adapter sees (JPEG frames changed greedy answers of the tiny Qwen2-VL on noisy video).
vLLM keeps at most 32 frames of such a URL by default; the engine is started with
``media_io_kwargs={"video": {"num_frames": -1}}`` so every sampled frame is used.
``video_mode: frames`` sends the frames as separate images instead, for models that take
images only (LLaVA-1.5, InstructBLIP).

A whole batch is one ``LLM.chat`` call, which vLLM schedules with continuous batching.
If the call fails, the batch is re-run one request at a time, so one bad request becomes one
error row.

Requests that show the same media (CelebA/LFWA: 40 questions per image; EmotioNet, DISFA, BP4D:
one per AU) arrive adjacent, since tasks build a sample's questions one after another, and the
media comes before the question text, so they share a prompt prefix. Batches are cut at the
boundaries of such runs (:func:`media_batches`): an image's questions go to the model in one
``LLM.chat`` call unless there are more of them than ``batch_size``. vLLM's prefix cache
(``enable_prefix_caching``, on by default) then computes the image's KV once and its multimodal
caches (processed inputs: ``mm_processor_cache_gb``; vision-encoder outputs) reuse the image
instead of re-encoding it per question. Neither changes greedy answers;
``benchmarks/bench_prefix_cache.py`` measures the gain.

vLLM starts an engine process: scripts using this adapter need an
``if __name__ == "__main__":`` guard.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from facebench.adapters.base import Adapter, AdapterSettings, Emit, Key
from facebench.errors import FacebenchError
from facebench.media import image_bytes, load_image, sample_frames
from facebench.media.prefetch import MediaPrefetcher
from facebench.types import GenerationSettings, Request, Response

if TYPE_CHECKING:
    from vllm import LLM, SamplingParams

log = logging.getLogger(__name__)


class VLLMSettings(AdapterSettings):
    #: hub repo id or local folder; override with ``--model-arg model=/local/path``
    model: str
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    tensor_parallel_size: int = Field(default=1, gt=0)
    max_model_len: int | None = Field(default=None, gt=0)
    #: most media items of each kind per prompt, e.g. ``{"image": 8, "video": 1}``
    limit_mm_per_prompt: dict[str, int] = Field(default_factory=lambda: {"image": 1, "video": 1})
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1)
    enforce_eager: bool = False
    trust_remote_code: bool = False
    revision: str | None = None
    #: upper bound on the answer length; the task's ``max_new_tokens`` applies below it
    max_new_tokens: int | None = Field(default=None, gt=0)
    video_mode: Literal["video", "frames"] = "video"
    seed: int = 0
    #: per-request processor options, e.g. ``{"max_pixels": 401408}`` for Qwen2-VL
    mm_processor_kwargs: dict[str, Any] = Field(default_factory=dict)
    #: reuse the KV cache of a prompt prefix already computed (the image shared by a sample's
    #: questions); vLLM's own default for generative models, explicit so a card can turn it off.
    #: Only whole KV blocks are reused: vLLM's CPU engine uses 128-token blocks, longer than a
    #: small image's prefix (``engine_kwargs: {block_size: 32}`` there). Throughput only: not
    #: part of the fingerprint
    enable_prefix_caching: bool = True
    #: any other ``vllm.LLM`` keyword argument (e.g. ``max_num_seqs``, ``kv_cache_dtype``,
    #: ``mm_processor_cache_gb``: vLLM caches processed images, 4 GiB by default)
    engine_kwargs: dict[str, Any] = Field(default_factory=dict)
    #: most requests per ``LLM.chat`` call; a run of requests showing the same media is never
    #: split between calls unless it is longer than this
    batch_size: int = Field(default=64, gt=0)


#: settings that change speed, never answers: left out of the fingerprint, so a card that sets
#: them (or an older card that predates them) keeps its cached responses
THROUGHPUT_ONLY = ("enable_prefix_caching",)


class VLLMAdapter(Adapter):
    """vLLM in-process: one engine, continuous batching over each batch of requests."""

    name = "vllm"
    Settings = VLLMSettings
    accepts_video = True
    requires = ("vllm",)
    extra = "vllm"

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings, **overrides)
        self._llm: LLM | None = None
        self._penalty: dict[str, float] | None = None

    def _load(self) -> LLM:
        """Start the engine on first use, so a fully cached run never loads the model."""
        if self._llm is None:
            from vllm import LLM

            s: VLLMSettings = self.settings  # type: ignore[assignment]
            kwargs: dict[str, Any] = {
                "model": s.model,
                "dtype": s.dtype,
                "tensor_parallel_size": s.tensor_parallel_size,
                "limit_mm_per_prompt": s.limit_mm_per_prompt,
                "gpu_memory_utilization": s.gpu_memory_utilization,
                "enforce_eager": s.enforce_eager,
                "trust_remote_code": s.trust_remote_code,
                "revision": s.revision,
                "seed": s.seed,
                "enable_prefix_caching": s.enable_prefix_caching,
            }
            if s.max_model_len is not None:
                kwargs["max_model_len"] = s.max_model_len
            if s.mm_processor_kwargs:
                kwargs["mm_processor_kwargs"] = s.mm_processor_kwargs
            # keep every frame we sampled (vLLM's frame-list loader stops at 32 by default)
            kwargs["media_io_kwargs"] = {"video": {"num_frames": -1}}
            self._llm = LLM(**{**kwargs, **s.engine_kwargs})
        return self._llm

    def fingerprint_settings(self) -> dict[str, Any]:
        return {k: v for k, v in super().fingerprint_settings().items() if k not in THROUGHPUT_ONLY}

    # -- request conversion ----------------------------------------------------------------

    def build_messages(self, request: Request) -> list[dict[str, Any]]:
        """vLLM chat messages with decoded media (images as PIL, video as JPEG frames)."""
        frames_as_images = self.settings.video_mode == "frames"  # type: ignore[attr-defined]
        messages: list[dict[str, Any]] = []
        for m in request.messages:
            if all(p.type == "text" for p in m.content):
                messages.append({"role": m.role, "content": m.text()})
                continue
            parts: list[dict[str, Any]] = []
            for p in m.content:
                if p.type == "text":
                    parts.append({"type": "text", "text": p.value})
                elif p.type == "image":
                    parts.append({"type": "image_pil", "image_pil": load_image(p.value)})
                else:
                    frames = sample_frames(p.value, request.generation.num_frames)
                    if frames_as_images:
                        parts.extend({"type": "image_pil", "image_pil": f} for f in frames)
                    else:
                        parts.append(
                            {"type": "video_url", "video_url": {"url": video_data_url(frames)}}
                        )
            messages.append({"role": m.role, "content": parts})
        return messages

    def _model_penalty(self, llm: LLM) -> dict[str, float]:
        """The checkpoint's ``repetition_penalty`` (``generation_config.json``), if it sets one.

        transformers' ``generate`` (the ``hf`` adapter) and vLLM's server (``facebench serve``)
        both apply it, greedy or not; an explicit ``SamplingParams`` would silently drop it, so
        the same card would answer differently in-process (e.g. Qwen2.5-VL sets 1.05).
        """
        if self._penalty is None:
            try:
                defaults = llm.get_default_sampling_params()
                penalty = float(getattr(defaults, "repetition_penalty", 1.0) or 1.0)
            except Exception:  # noqa: BLE001 - no readable generation config: vLLM's neutral default
                penalty = 1.0
            self._penalty = {"repetition_penalty": penalty} if penalty != 1.0 else {}
        return self._penalty

    def _sampling(self, g: GenerationSettings, llm: LLM | None = None) -> SamplingParams:
        from vllm import SamplingParams

        cap = self.settings.max_new_tokens  # type: ignore[attr-defined]
        max_tokens = min(g.max_new_tokens, cap) if cap else g.max_new_tokens
        extra = self._model_penalty(llm) if llm is not None else {}
        if g.temperature > 0:
            return SamplingParams(
                max_tokens=max_tokens,
                temperature=g.temperature,
                top_p=g.top_p,
                seed=self.settings.seed,  # type: ignore[attr-defined]
                **extra,
            )
        return SamplingParams(max_tokens=max_tokens, temperature=0.0, **extra)

    # -- generation ------------------------------------------------------------------------

    def generate_each(self, requests: Iterable[tuple[Key, Request]], emit: Emit) -> None:
        """As :meth:`Adapter.generate_each`, but batches end where a run of same-media requests
        ends (:func:`media_batches`), so an image's questions share one ``LLM.chat`` call.
        The media of the requests ahead are decoded in worker threads meanwhile
        (:mod:`facebench.media.prefetch`)."""
        with MediaPrefetcher(workers=self.settings.media_workers, ahead=self.settings.batch_size) as media:
            emit = media.emitter(emit)
            for batch in media_batches(media.stream(requests), self.settings.batch_size):
                answers = self.generate([request for _, request in batch])
                if len(answers) != len(batch):
                    raise FacebenchError(
                        f"adapter {self.name} returned {len(answers)} responses "
                        f"for {len(batch)} requests"
                    )
                for (key, _), answer in zip(batch, answers):
                    emit(key, answer)

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        llm = self._load()
        results: list[Response | None] = [None] * len(requests)
        ready: list[tuple[int, list[dict[str, Any]]]] = []
        for i, r in enumerate(requests):
            try:
                ready.append((i, self.build_messages(r)))
            except Exception as exc:  # noqa: BLE001 - one request's failure of any kind becomes its error row
                results[i] = _error(r, exc)
        pairs = ((item, requests[item[0]]) for item in ready)
        for batch in media_batches(pairs, self.settings.batch_size):
            chunk = [item for item, _ in batch]
            for (i, _), resp in zip(chunk, self._run(llm, chunk, requests), strict=True):
                results[i] = resp
        return [r if r is not None else Response(error="internal: no response") for r in results]

    def _run(
        self, llm: LLM, chunk: list[tuple[int, list[dict[str, Any]]]], requests: Sequence[Request]
    ) -> list[Response]:
        try:
            outputs = llm.chat(
                [msgs for _, msgs in chunk],
                sampling_params=[self._sampling(requests[i].generation, llm) for i, _ in chunk],
                use_tqdm=False,
            )
        except Exception as exc:  # noqa: BLE001 - one request's failure of any kind becomes its error row
            if len(chunk) == 1:
                return [_error(requests[chunk[0][0]], exc)]
            log.warning("vLLM batch of %d failed (%s); retrying one by one", len(chunk), exc)
            return [self._run(llm, [c], requests)[0] for c in chunk]
        return [_to_response(o) for o in outputs]

    def close(self) -> None:
        """Stop the engine process now, not whenever the ``LLM`` happens to be collected."""
        llm, self._llm = self._llm, None
        if llm is None:
            return
        core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        try:
            if core is not None and hasattr(core, "shutdown"):
                core.shutdown()
        except Exception as exc:  # noqa: BLE001 - closing must not fail a finished run
            log.warning("vLLM engine shutdown failed: %s", exc)


def media_key(request: Request) -> tuple[str, ...] | None:
    """What a request shows the model: its media references in prompt order (crop and frame
    rule included, as they change the pixels). None for a text-only request, which shares
    nothing worth keeping together."""
    return tuple(request.media) or None


def media_batches(
    pairs: Iterable[tuple[Key, Request]], size: int
) -> Iterator[list[tuple[Key, Request]]]:
    """Cut a stream of ``(key, request)`` pairs into batches of at most ``size``, never splitting
    a run of adjacent requests with the same :func:`media_key` unless the run is longer than
    ``size`` (then it fills whole batches and its rest starts the next one).

    Order is kept and the stream is read lazily: a batch is yielded as soon as the next run is
    seen not to fit, so at most ``size + 1`` requests are held.
    """
    size = max(1, size)
    batch: list[tuple[Key, Request]] = []
    run: list[tuple[Key, Request]] = []
    run_key: tuple[str, ...] | None = None
    for pair in pairs:
        key = media_key(pair[1])
        if run and (key is None or key != run_key):
            # the run is complete: it joins the batch (which was left room enough for it)
            batch += run
            run = []
            if len(batch) == size:
                yield batch
                batch = []
        run.append(pair)
        run_key = key
        if batch and len(batch) + len(run) > size:
            yield batch  # the growing run cannot share this batch any more
            batch = []
        if len(run) == size:
            yield run  # a run longer than a batch: whole batches of it
            run = []
    batch += run
    if batch:
        yield batch


def video_data_url(frames: Sequence[Any]) -> str:
    """vLLM's ``video/jpeg`` data URL: base64 frames joined by commas.

    The frames are PNG, not JPEG: vLLM opens each one with PIL (any format it recognises),
    and PNG keeps the sampled pixels exact, so answers match the ``hf`` adapter's.
    """
    encoded = ",".join(base64.b64encode(image_bytes(f, "PNG")).decode() for f in frames)
    return f"data:video/jpeg;base64,{encoded}"


def _to_response(output: Any) -> Response:
    completion = output.outputs[0]
    prompt_ids = getattr(output, "prompt_token_ids", None)
    return Response(
        text=completion.text.strip(),
        prompt_tokens=len(prompt_ids) if prompt_ids is not None else None,
        completion_tokens=len(completion.token_ids),
        cached_tokens=getattr(output, "num_cached_tokens", None),
    )


def _error(request: Request, exc: BaseException) -> Response:
    return Response(error=f"{request.key}: {type(exc).__name__}: {exc}")
