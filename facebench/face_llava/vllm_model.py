"""Face-LLaVA as a vLLM model (imported by vLLM through :mod:`vllm_plugin`).

- The language model is vLLM's own Llama (``LlamaForCausalLM``), with tensor parallelism,
  paged attention and continuous batching.
- The towers, projector and landmark modules are :class:`~facebench.face_llava.model.FaceLlavaVision`
  (plain torch, replicated on every tensor-parallel rank; about 0.6 B parameters).
- Processing: an image is one ``<image>`` id in the prompt, replaced by its ``N`` patch
  features; a video is one ``<video>`` id, replaced by the official token sequence
  ``[frame 1 (N+1 features)] sep [frame 2] ... [frame 8]`` where ``sep`` is the tokenisation of
  the ``" "`` between two frame markers in the official prompt; only the feature slots receive
  embeddings.
- Token ids come from the checkpoint's own sentencepiece model through
  :class:`~facebench.face_llava.tokenizer.OfficialTokenizer` (transformers 4.31's slow
  LlamaTokenizer, as the official environment runs it). Prompts given as text (the OpenAI
  server) arrive tokenised by vLLM's transformers tokenizer and are re-tokenised the official
  way (``tokenizer_image_token``: each ``<image>``-separated chunk on its own); ids built by
  facebench pass unchanged (:func:`~facebench.face_llava.processing.retokenize_prompt`).
- Needs vLLM >= 0.31 (:data:`~facebench.face_llava.vllm_plugin.MIN_VLLM`): the processor hooks
  it overrides (``_call_hf_processor(hf_data, hf_kwargs)``, ``_postprocess_prompt``) and the
  ``SupportsMultiModal`` helpers it calls (``configure_mm_token_handling``,
  ``_mark_tower_model``) do not exist before; an older vLLM fails here with one line.
- Landmarks (optional) arrive as ``mm_processor_kwargs``: ``image_landmarks`` (one list of 136
  values per image) or ``video_landmarks`` (per video, one such list per frame).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from facebench.face_llava.vllm_plugin import require_vllm

require_vllm()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from transformers import BatchFeature  # noqa: E402

from vllm.config import VllmConfig
from vllm.multimodal import MULTIMODAL_REGISTRY
from vllm.multimodal.inputs import MultiModalFieldConfig, MultiModalKwargsItems
from vllm.multimodal.parse import MultiModalDataItems
from vllm.multimodal.processing import (
    BaseDummyInputsBuilder,
    BaseMultiModalProcessor,
    BaseProcessingInfo,
    PromptReplacement,
    PromptUpdate,
    PromptUpdateDetails,
)
from vllm.model_executor.models.interfaces import MultiModalEmbeddings, SupportsMultiModal, SupportsPP
from vllm.model_executor.models.utils import AutoWeightsLoader, WeightsMapper, init_vllm_registered_model, maybe_prefix
from vllm.sequence import IntermediateTensors

from facebench.face_llava.config import FaceLlavaConfig  # noqa: E402
from facebench.face_llava.model import MM_PREFIXES, FaceLlavaVision  # noqa: E402
from facebench.face_llava import processing as P  # noqa: E402
from facebench.face_llava.tokenizer import OfficialTokenizer  # noqa: E402


def _cfg(hf_config: Any) -> FaceLlavaConfig:
    return FaceLlavaConfig.from_hf_config(hf_config)


@lru_cache(maxsize=8)
def _official_tokenizer(folder: str) -> OfficialTokenizer:
    return OfficialTokenizer.from_folder(folder)


class FaceLlavaProcessingInfo(BaseProcessingInfo):
    def fl_config(self) -> FaceLlavaConfig:
        return _cfg(self.get_hf_config())

    def get_hf_processor(self, **kwargs: object):  # no HF processor: processing is ours
        return None

    def get_supported_mm_processor_kwargs(self) -> dict[str, set[str]]:
        return {}

    def get_supported_mm_limits(self) -> Mapping[str, int | None]:
        cfg = self.fl_config()
        limits: dict[str, int | None] = {}
        if cfg.image_tower is not None:
            limits["image"] = None
        if cfg.video_tower is not None:
            limits["video"] = None
        return limits

    def official_tokenizer(self) -> OfficialTokenizer:
        return _official_tokenizer(str(self.ctx.model_config.model))

    def frame_separator(self) -> list[int]:
        return P.frame_separator_ids(self.official_tokenizer())

    def video_tokens(self) -> list[int]:
        cfg = self.fl_config()
        return P.video_span(cfg.image_token_id, self.frame_separator(), cfg.num_frames, cfg.frame_tokens())

    def get_mm_max_tokens_per_item(self, seq_len: int, mm_counts: Mapping[str, int]) -> Mapping[str, int]:
        cfg = self.fl_config()
        out = {}
        if cfg.image_tower is not None:
            out["image"] = cfg.image_tokens()
        if cfg.video_tower is not None:
            out["video"] = len(self.video_tokens())
        return out


class FaceLlavaDummyInputsBuilder(BaseDummyInputsBuilder[FaceLlavaProcessingInfo]):
    def get_dummy_text(self, mm_counts: Mapping[str, int]) -> str:
        return P.IMAGE_TOKEN * mm_counts.get("image", 0) + P.VIDEO_TOKEN * mm_counts.get("video", 0)

    def get_dummy_mm_data(self, seq_len: int, mm_counts: Mapping[str, int], mm_options=None):
        cfg = self.info.fl_config()
        size = P.FACE_SIZE
        opts = mm_options or {}
        data: dict[str, Any] = {}
        if mm_counts.get("image", 0):
            data["image"] = self._get_dummy_images(
                width=size, height=size, num_images=mm_counts["image"], overrides=opts.get("image")
            )
        if mm_counts.get("video", 0):
            data["video"] = self._get_dummy_videos(
                width=size, height=size, num_frames=cfg.num_frames, num_videos=mm_counts["video"],
                overrides=opts.get("video"),
            )
        return data


def _as_frames(video: Any, k: int) -> np.ndarray:
    """``(k, H, W, 3)`` uint8 from vLLM's video item (array, list of frames, or (frames, meta))."""
    if isinstance(video, tuple):
        video = video[0]
    if isinstance(video, torch.Tensor):
        video = video.cpu().numpy()
    if isinstance(video, np.ndarray):
        arr = video
    else:
        arr = np.stack([np.asarray(f.convert("RGB") if hasattr(f, "convert") else f) for f in video])
    if arr.ndim == 4 and arr.shape[-1] not in (1, 3, 4) and arr.shape[1] in (1, 3, 4):
        arr = arr.transpose(0, 2, 3, 1)
    if arr.shape[-1] == 4:
        arr = arr[..., :3]
    if arr.dtype != np.uint8:
        arr = np.clip(arr * (255.0 if arr.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    if len(arr) != k:  # the official uniform sampling, e.g. for a server-decoded video
        arr = arr[P.official_frame_indices(len(arr), k)]
    return arr


class FaceLlavaMultiModalProcessor(BaseMultiModalProcessor[FaceLlavaProcessingInfo]):
    def _call_hf_processor(self, hf_data: Mapping[str, object], hf_kwargs: Mapping[str, object]) -> BatchFeature:
        cfg = self.info.fl_config()
        kw = dict(self.info.ctx.get_merged_mm_kwargs(hf_kwargs))
        out: dict[str, Any] = {}
        images = hf_data.get("images")
        if images:
            images = list(images) if isinstance(images, (list, tuple)) else [images]
            out["pixel_values"] = torch.stack([P.preprocess_image(im, cfg.image_size) for im in images])
            lms, has = _landmarks(kw.get("image_landmarks"), len(images), (136,), "image")
            out["image_landmarks"], out["image_has_landmarks"] = lms, has
        videos = hf_data.get("videos")
        if videos:
            videos = list(videos) if isinstance(videos, (list, tuple)) else [videos]
            size = cfg.video_tower.image_size if cfg.video_tower else cfg.image_size
            out["video_pixel_values"] = torch.stack(
                [P.preprocess_video(_as_frames(v, cfg.num_frames), size) for v in videos]
            )
            lms, has = _landmarks(kw.get("video_landmarks"), len(videos), (cfg.num_frames, 136), "video")
            out["video_landmarks"], out["video_has_landmarks"] = lms, has
        return BatchFeature(out)

    def _get_mm_fields_config(self, hf_inputs: BatchFeature, hf_processor_mm_kwargs: Mapping[str, object]):
        return dict(
            pixel_values=MultiModalFieldConfig.batched("image"),
            image_landmarks=MultiModalFieldConfig.batched("image"),
            image_has_landmarks=MultiModalFieldConfig.batched("image"),
            video_pixel_values=MultiModalFieldConfig.batched("video"),
            video_landmarks=MultiModalFieldConfig.batched("video"),
            video_has_landmarks=MultiModalFieldConfig.batched("video"),
        )

    def _get_prompt_updates(
        self,
        mm_items: MultiModalDataItems,
        hf_processor_mm_kwargs: Mapping[str, object],
        out_mm_kwargs: MultiModalKwargsItems,
    ) -> Sequence[PromptUpdate]:
        cfg = self.info.fl_config()
        updates: list[PromptUpdate] = []
        if cfg.image_tower is not None:
            updates.append(PromptReplacement(
                modality="image",
                target=[cfg.image_token_id],
                replacement=[cfg.image_token_id] * cfg.image_tokens(),
            ))
        if cfg.video_tower is not None:
            span = self.info.video_tokens()
            updates.append(PromptReplacement(
                modality="video",
                target=[cfg.video_token_id],
                replacement=PromptUpdateDetails.select_token_id(span, cfg.image_token_id),
            ))
        return updates

    def _postprocess_prompt(self, prompt: list[int]) -> list[int]:
        """Official ids: text prompts re-tokenised (each ``<image>`` chunk on its own)."""
        cfg = self.info.fl_config()
        if not any(t in (cfg.image_token_id, cfg.video_token_id) for t in prompt):
            return prompt
        return P.retokenize_prompt(prompt, self.info.get_tokenizer(), self.info.official_tokenizer(),
                                   cfg.image_token_id, cfg.video_token_id)


def _landmarks(value: Any, n: int, shape: tuple[int, ...], kind: str) -> tuple[torch.Tensor, torch.Tensor]:
    if value is None:
        return torch.zeros((n, *shape)), torch.zeros(n, dtype=torch.bool)
    rows = list(value)
    if len(rows) != n:
        raise ValueError(
            f"{kind}_landmarks has {len(rows)} entries for {n} {kind}(s) to process; give one per "
            f"{kind} (with the multimodal processor cache on, use one {kind} per prompt)"
        )
    lms = torch.zeros((n, *shape))
    has = torch.zeros(n, dtype=torch.bool)
    for i, r in enumerate(rows):
        if r is None:
            continue
        t = torch.as_tensor(np.asarray(r, dtype=np.float32)).reshape(shape)
        lms[i], has[i] = t, True
    return lms, has


@MULTIMODAL_REGISTRY.register_processor(
    FaceLlavaMultiModalProcessor,
    info=FaceLlavaProcessingInfo,
    dummy_inputs=FaceLlavaDummyInputsBuilder,
)
class FaceLlavaForConditionalGeneration(nn.Module, SupportsMultiModal, SupportsPP):
    hf_to_vllm_mapper = WeightsMapper(
        orig_to_new_prefix={
            "model.": "language_model.model.",
            "lm_head.": "language_model.lm_head.",
            **{p: f"vision.{p}" for p in MM_PREFIXES},
        }
    )

    @classmethod
    def get_placeholder_str(cls, modality: str, i: int) -> str | None:
        if modality.startswith("image"):
            return P.IMAGE_TOKEN
        if modality.startswith("video"):
            return P.VIDEO_TOKEN
        raise ValueError(f"unsupported modality {modality}")

    def __init__(self, *, vllm_config: VllmConfig, prefix: str = "") -> None:
        super().__init__()
        config = vllm_config.model_config.hf_config
        self.config = config
        self.fl = _cfg(config)
        self.configure_mm_token_handling(
            vocab_size=config.vocab_size,
            mm_token_ids=[self.fl.image_token_id, self.fl.video_token_id],
        )
        with self._mark_tower_model(vllm_config, {"image", "video"}):
            self.vision = FaceLlavaVision(self.fl)
        with self._mark_language_model(vllm_config):
            self.language_model = init_vllm_registered_model(
                vllm_config=vllm_config,
                hf_config=config,
                prefix=maybe_prefix(prefix, "language_model"),
                architectures=["LlamaForCausalLM"],
            )
        self.make_empty_intermediate_tensors = self.language_model.make_empty_intermediate_tensors

    def _encode(self, kind: str, pixels: Any, lms: Any, has: Any) -> list[torch.Tensor]:
        out = []
        for i in range(len(pixels)):
            px = pixels[i].unsqueeze(0)
            lm = lms[i].unsqueeze(0) if bool(has[i]) else None
            if kind == "image":
                out.append(self.vision.encode_images(px, lm)[0])
            else:
                f = self.vision.encode_videos(px, lm)[0]
                out.append(f.reshape(-1, f.shape[-1]))
        return out

    def embed_multimodal(self, **kwargs: object) -> MultiModalEmbeddings:
        result: list[torch.Tensor] = []
        done = set()
        for key in kwargs:
            if key in ("pixel_values", "image_landmarks", "image_has_landmarks") and "image" not in done:
                done.add("image")
                if kwargs.get("pixel_values") is not None:
                    result += self._encode("image", kwargs["pixel_values"], kwargs["image_landmarks"],
                                           kwargs["image_has_landmarks"])
            if key.startswith("video_") and "video" not in done:
                done.add("video")
                if kwargs.get("video_pixel_values") is not None:
                    result += self._encode("video", kwargs["video_pixel_values"], kwargs["video_landmarks"],
                                           kwargs["video_has_landmarks"])
        return tuple(result)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        positions: torch.Tensor,
        intermediate_tensors: IntermediateTensors | None = None,
        inputs_embeds: torch.Tensor | None = None,
        **kwargs: object,
    ) -> torch.Tensor | IntermediateTensors:
        if intermediate_tensors is not None:
            inputs_embeds = None
        return self.language_model.model(input_ids, positions, intermediate_tensors, inputs_embeds=inputs_embeds)

    def compute_logits(self, hidden_states: torch.Tensor) -> torch.Tensor | None:
        return self.language_model.compute_logits(hidden_states)

    def load_weights(self, weights: Iterable[tuple[str, torch.Tensor]]) -> set[str]:
        loader = AutoWeightsLoader(self)
        return loader.load_weights(weights, mapper=self.hf_to_vllm_mapper)
