"""The transformers/torch reference of Face-LLaVA: a converted folder in, text out.

``FaceLlavaReference.from_folder(path)`` builds the multimodal part (:mod:`model`) and
transformers' ``LlamaForCausalLM`` from a folder written by ``facebench convert face-llava``.
``generate`` reproduces the official ``prepare_inputs_labels_for_multimodal``: each ``<image>``
id in the prompt is replaced by the features of the next image, or of the next frame of a video.

``load_4bit=True`` loads as the official inference does (``facellava/model/builder.py``,
``load_4bit=True``): ``BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=float16,
bnb_4bit_use_double_quant=True, bnb_4bit_quant_type="nf4")`` on every ``nn.Linear`` of the
LLaVA model but ``lm_head`` (transformers 4.31's ``get_keys_to_not_convert``), so also the
projector and landmark layers, which live in that model; the towers load afterwards, in
float16, unquantised; everything else is float16. Needs bitsandbytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from facebench.face_llava.config import FaceLlavaConfig
from facebench.face_llava.model import MM_PREFIXES, FaceLlavaVision

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
#: ``load_pretrained_model(load_4bit=True)``'s quantisation (``facellava/model/builder.py``)
BNB_4BIT = {
    "load_in_4bit": True,
    "bnb_4bit_compute_dtype": torch.float16,
    "bnb_4bit_use_double_quant": True,
    "bnb_4bit_quant_type": "nf4",
}


def quantize_linear_4bit(module: nn.Module, skip: tuple[str, ...] = (), device: str = "cuda") -> int:
    """Replace every ``nn.Linear`` under ``module`` (but the children named in ``skip``) by
    bitsandbytes' nf4 ``Linear4bit`` with :data:`BNB_4BIT`'s settings, as transformers'
    ``replace_with_bnb_linear`` does to the LLaVA model; returns how many were replaced."""
    import bitsandbytes as bnb

    count = 0
    for name, child in list(module.named_children()):
        if name in skip:
            continue
        if isinstance(child, nn.Linear):
            q = bnb.nn.Linear4bit(
                child.in_features, child.out_features, child.bias is not None,
                compute_dtype=BNB_4BIT["bnb_4bit_compute_dtype"],
                compress_statistics=BNB_4BIT["bnb_4bit_use_double_quant"],
                quant_type=BNB_4BIT["bnb_4bit_quant_type"],
            )
            q.weight = bnb.nn.Params4bit(
                child.weight.data.to("cpu"), requires_grad=False,
                compress_statistics=BNB_4BIT["bnb_4bit_use_double_quant"],
                quant_type=BNB_4BIT["bnb_4bit_quant_type"],
            )
            if child.bias is not None:
                q.bias = nn.Parameter(child.bias.data.clone(), requires_grad=False)
            setattr(module, name, q.to(device))  # moving to the device quantises the weight
            count += 1
        else:
            count += quantize_linear_4bit(child, (), device)
    return count


@dataclass
class Media:
    """One image ``(3, H, W)`` or video ``(3, T, H, W)`` with optional landmarks."""

    kind: str  # "image" | "video"
    pixels: torch.Tensor
    landmarks: torch.Tensor | None = None  # (136,) or (T, 136)


def load_safetensors_folder(folder: Path) -> dict[str, torch.Tensor]:
    from safetensors.torch import load_file

    index = folder / "model.safetensors.index.json"
    files = (
        sorted(set(json.loads(index.read_text())["weight_map"].values()))
        if index.is_file()
        else ["model.safetensors"]
    )
    state: dict[str, torch.Tensor] = {}
    for f in files:
        state.update(load_file(str(folder / f)))
    return state


class FaceLlavaReference(nn.Module):
    def __init__(self, cfg: FaceLlavaConfig, language_model: nn.Module) -> None:
        super().__init__()
        self.cfg = cfg
        self.vision = FaceLlavaVision(cfg)
        self.language_model = language_model

    @classmethod
    def from_folder(
        cls, folder: str | Path, dtype: str = "float32", device: str = "cpu", load_4bit: bool = False
    ) -> FaceLlavaReference:
        import logging

        from transformers import LlamaForCausalLM
        from transformers.utils import logging as hf_logging

        folder = Path(folder)
        raw = json.loads((folder / "config.json").read_text())
        cfg = FaceLlavaConfig.from_hf_config(raw)
        torch_dtype = torch.float16 if load_4bit else DTYPES[dtype]
        kwargs: dict[str, Any] = {"dtype": torch_dtype}
        if load_4bit:
            from transformers import BitsAndBytesConfig

            kwargs.update(quantization_config=BitsAndBytesConfig(**BNB_4BIT), device_map={"": device})
        # the folder's weights also hold the towers and projectors: transformers reports them as
        # unexpected keys for the Llama part, which is expected here
        level = hf_logging.get_verbosity()
        hf_logging.set_verbosity(logging.ERROR)
        try:
            lm = LlamaForCausalLM.from_pretrained(str(folder), **kwargs)
        finally:
            hf_logging.set_verbosity(level)
        model = cls(cfg, lm)
        state = load_safetensors_folder(folder)
        model.vision.load_mm_state_dict({k: v for k, v in state.items() if k.startswith(MM_PREFIXES)})
        del state
        if load_4bit:
            model.vision.to(device=device, dtype=torch_dtype)
            quantize_linear_4bit(model.vision, skip=("image_tower", "video_tower"), device=device)
        else:
            model.to(device=device, dtype=torch_dtype)
        model.eval()
        return model

    @property
    def device(self) -> torch.device:
        return next(self.vision.parameters()).device

    # -- features ---------------------------------------------------------------------------

    @torch.no_grad()
    def media_features(self, media: Sequence[Media]) -> list[torch.Tensor]:
        """One ``(n, D)`` tensor per ``<image>`` marker, in prompt order."""
        out: list[torch.Tensor] = []
        dev = self.device
        for m in media:
            lm = None if m.landmarks is None else m.landmarks.to(dev).unsqueeze(0)
            if m.kind == "image":
                out.append(self.vision.encode_images(m.pixels.to(dev).unsqueeze(0), lm)[0])
            else:
                feats = self.vision.encode_videos(m.pixels.to(dev).unsqueeze(0), lm)[0]
                out.extend(feats[t] for t in range(feats.shape[0]))
        return out

    @torch.no_grad()
    def embed(self, input_ids: Sequence[int], media: Sequence[Media]) -> torch.Tensor:
        ids = torch.tensor(list(input_ids), dtype=torch.long, device=self.device)
        is_img = ids == self.cfg.image_token_id
        feats = self.media_features(media)
        if int(is_img.sum()) != len(feats):
            raise ValueError(
                f"prompt has {int(is_img.sum())} <image> markers but the media give {len(feats)} "
                "images/frames"
            )
        emb_layer = self.language_model.get_input_embeddings()
        text = emb_layer(torch.where(is_img, torch.zeros_like(ids), ids))
        pieces, start = [], 0
        for pos, f in zip(torch.nonzero(is_img).flatten().tolist(), feats):
            pieces.append(text[start:pos])
            pieces.append(f.to(text.dtype))
            start = pos + 1
        pieces.append(text[start:])
        return torch.cat(pieces, dim=0)

    @torch.no_grad()
    def generate(
        self,
        input_ids: Sequence[int],
        media: Sequence[Media] = (),
        max_new_tokens: int = 64,
        temperature: float = 0.0,
        top_p: float = 1.0,
        eos_token_id: int | None = 2,
        seed: int | None = None,
        top_k: int = 0,
        repetition_penalty: float = 1.0,
    ) -> list[int]:
        """Generated token ids (without the prompt; stops after ``eos_token_id``).

        ``temperature > 0`` samples (``top_k=0``: no top-k filter; the official settings come
        from :func:`~facebench.face_llava.processing.official_sampling`)."""
        embeds = self.embed(input_ids, media).unsqueeze(0)
        mask = torch.ones(embeds.shape[:2], dtype=torch.long, device=embeds.device)
        kwargs: dict[str, Any] = {
            "inputs_embeds": embeds,
            "attention_mask": mask,
            "max_new_tokens": max_new_tokens,
            "eos_token_id": eos_token_id,
            "pad_token_id": eos_token_id if eos_token_id is not None else 0,
            "use_cache": True,
        }
        if temperature > 0:
            if seed is not None:
                torch.manual_seed(seed)
            kwargs.update(do_sample=True, temperature=temperature, top_p=top_p, top_k=top_k,
                          repetition_penalty=repetition_penalty)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        out = self.language_model.generate(**kwargs)[0].tolist()
        if eos_token_id is not None and eos_token_id in out:
            out = out[: out.index(eos_token_id) + 1]
        return out
