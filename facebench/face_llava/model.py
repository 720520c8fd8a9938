"""The multimodal half of Face-LLaVA (towers, projector, landmark modules), shared by the
transformers reference and the vLLM plugin.

Official behaviour reproduced (``llava_arch.py``):

- image: image tower, hidden states of layer -2, patch tokens only (CLS dropped), ``mm_projector``
- video: video tower on ``(3, T, H, W)``, layer -2, all tokens (CLS kept, ``N+1`` per frame),
  ``mm_projector``; the features of frame ``t`` fill the ``t``-th ``<image>`` marker
- with landmarks (136 values per image / per frame): FRLP + global projector, FRGCA on the
  projected features. Without landmarks (the official inference) this path is skipped.
"""

from __future__ import annotations

import re

import torch
from torch import nn

from facebench.face_llava.config import FaceLlavaConfig
from facebench.face_llava.landmarks import build_cross_attention, build_landmark_projector, fuse_landmarks
from facebench.face_llava.towers import LanguageBindTower

#: prefixes of the multimodal weights in a converted folder
MM_PREFIXES = (
    "image_tower.",
    "video_tower.",
    "mm_projector.",
    "landmarks_projector.",
    "global_landmarks_projector.",
    "landmarks_cross_attn.",
)


def build_mm_projector(kind: str, mm_hidden: int, hidden: int) -> nn.Module:
    if kind == "linear":
        return nn.Linear(mm_hidden, hidden)
    if kind == "identity":
        return nn.Identity()
    m = re.fullmatch(r"mlp(\d+)x_gelu", kind)
    if m:
        mods: list[nn.Module] = [nn.Linear(mm_hidden, hidden)]
        for _ in range(1, int(m.group(1))):
            mods += [nn.GELU(), nn.Linear(hidden, hidden)]
        return nn.Sequential(*mods)
    raise NotImplementedError(f"mm_projector_type {kind!r} is not supported")


class FaceLlavaVision(nn.Module):
    def __init__(self, cfg: FaceLlavaConfig) -> None:
        super().__init__()
        cfg.check()
        self.cfg = cfg
        sel = cfg.mm_vision_select_layer
        if cfg.image_tower is not None:
            self.image_tower = LanguageBindTower(cfg.image_tower, sel)
        if cfg.video_tower is not None:
            self.video_tower = LanguageBindTower(cfg.video_tower, sel)
        d = cfg.hidden_size
        self.mm_projector = build_mm_projector(cfg.mm_projector_type, cfg.mm_hidden_size, d)
        self.landmarks_projector = build_landmark_projector(cfg.landmarks_projector_type, d)
        self.global_landmarks_projector = build_landmark_projector(cfg.global_landmarks_projector_type, d)
        self.landmarks_cross_attn = build_cross_attention(cfg.cross_attn_type, d)

    @property
    def dtype(self) -> torch.dtype:
        return next(self.mm_projector.parameters()).dtype

    def _fuse(self, feats: torch.Tensor, landmarks: torch.Tensor | None) -> torch.Tensor:
        if landmarks is None:
            return feats
        return fuse_landmarks(
            feats, landmarks, self.landmarks_projector, self.global_landmarks_projector,
            self.landmarks_cross_attn,
        )

    def encode_images(self, pixels: torch.Tensor, landmarks: torch.Tensor | None = None) -> torch.Tensor:
        """``(B, 3, H, W)`` [+ ``(B, 136)``] -> ``(B, N, D)``."""
        if not hasattr(self, "image_tower"):
            raise ValueError("this Face-LLaVA has no image tower")
        feats = self.image_tower(pixels.to(self.dtype))
        if self.cfg.mm_vision_select_feature == "patch":
            feats = feats[:, 1:]
        return self._fuse(self.mm_projector(feats), landmarks)

    def encode_videos(self, pixels: torch.Tensor, landmarks: torch.Tensor | None = None) -> torch.Tensor:
        """``(B, 3, T, H, W)`` [+ ``(B, T, 136)``] -> ``(B, T, N+1, D)``."""
        if not hasattr(self, "video_tower"):
            raise ValueError("this Face-LLaVA has no video tower")
        feats = self.video_tower(pixels.to(self.dtype))
        return self._fuse(self.mm_projector(feats), landmarks)

    def load_mm_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        own = self.state_dict()
        missing = sorted(k for k in own if k not in state)
        if missing:
            raise KeyError(f"Face-LLaVA weights missing: {missing[:8]}")
        self.load_state_dict({k: state[k] for k in own}, strict=True)
