"""The Face-LLaVA configuration, as stored in a converted folder's ``config.json``.

A converted folder is a plain Llama config (``model_type: llama``, so transformers and vLLM read
the language model from it unchanged) with ``architectures: [FaceLlavaForConditionalGeneration]``
and one extra section, ``face_llava``, holding everything multimodal:

```json
"face_llava": {
  "image_tower": {CLIP vision fields, "add_time_attn": false},
  "video_tower": {CLIP vision fields, "add_time_attn": true, "num_frames": 8},
  "mm_hidden_size": 1024, "mm_projector_type": "mlp2x_gelu",
  "mm_vision_select_layer": -2, "mm_vision_select_feature": "patch",
  "landmarks_projector_type": "landmarks_region_projector",
  "global_landmarks_projector_type": "linear", "cross_attn_type": "simple",
  "use_landmark_tokens": false, "image_token_id": 32000, "video_token_id": 32001,
  "num_frames": 8, "conv_mode": "llava_v1"
}
```
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: vision fields kept from a LanguageBind ``vision_config``
TOWER_KEYS = (
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "image_size",
    "patch_size",
    "num_channels",
    "layer_norm_eps",
    "hidden_act",
    "add_time_attn",
    "num_frames",
)


@dataclass
class TowerConfig:
    """A LanguageBind vision tower (CLIP ViT; the video tower adds temporal attention)."""

    hidden_size: int = 1024
    intermediate_size: int = 4096
    num_hidden_layers: int = 24
    num_attention_heads: int = 16
    image_size: int = 224
    patch_size: int = 14
    num_channels: int = 3
    layer_norm_eps: float = 1e-5
    hidden_act: str = "gelu"
    add_time_attn: bool = False
    num_frames: int = 1

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def num_patches(self) -> int:
        return self.grid**2

    @staticmethod
    def from_dict(d: dict[str, Any]) -> TowerConfig:
        return TowerConfig(**{k: d[k] for k in TOWER_KEYS if k in d})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaceLlavaConfig:
    """The multimodal part of Face-LLaVA (the ``face_llava`` section of config.json)."""

    image_tower: TowerConfig | None = field(default_factory=TowerConfig)
    video_tower: TowerConfig | None = field(
        default_factory=lambda: TowerConfig(add_time_attn=True, num_frames=8)
    )
    mm_hidden_size: int = 1024
    hidden_size: int = 4096  # the language model's
    mm_projector_type: str = "mlp2x_gelu"
    mm_vision_select_layer: int = -2
    mm_vision_select_feature: str = "patch"
    landmarks_projector_type: str = "linear"
    global_landmarks_projector_type: str = "linear"
    cross_attn_type: str = "simple"
    use_landmark_tokens: bool = False
    #: token id of one ``<image>`` placeholder (an image, or one frame of a video)
    image_token_id: int = 32000
    #: token id standing for a whole video in vLLM prompts built by facebench
    video_token_id: int = 32001
    num_frames: int = 8
    conv_mode: str = "llava_v1"

    @staticmethod
    def from_dict(d: dict[str, Any], hidden_size: int | None = None) -> FaceLlavaConfig:
        d = dict(d)
        for key in ("image_tower", "video_tower"):
            if d.get(key) is not None:
                d[key] = TowerConfig.from_dict(d[key])
        if hidden_size is not None:
            d["hidden_size"] = hidden_size
        known = set(FaceLlavaConfig.__dataclass_fields__)
        return FaceLlavaConfig(**{k: v for k, v in d.items() if k in known})

    @staticmethod
    def from_hf_config(cfg: Any) -> FaceLlavaConfig:
        """From a transformers config object (or dict) of a converted folder."""
        if isinstance(cfg, dict):
            section, hidden = cfg["face_llava"], cfg["hidden_size"]
        else:
            section, hidden = cfg.face_llava, cfg.hidden_size
        return FaceLlavaConfig.from_dict(section, hidden_size=hidden)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("hidden_size")
        return d

    def check(self) -> None:
        if self.image_tower is None and self.video_tower is None:
            raise ValueError("Face-LLaVA needs an image tower or a video tower")
        if self.image_tower is not None and self.image_tower.add_time_attn:
            raise ValueError("the image tower must not have temporal attention (add_time_attn)")
        for t in (self.image_tower, self.video_tower):
            if t is not None and t.hidden_size != self.mm_hidden_size:
                raise ValueError(
                    f"tower hidden size {t.hidden_size} != mm_hidden_size {self.mm_hidden_size}"
                )
        if self.use_landmark_tokens:
            raise NotImplementedError(
                "use_landmark_tokens=True (landmark tokens concatenated to the features) is not "
                "supported; the released Face-LLaVA is trained with it off"
            )
        if self.cross_attn_type not in ("simple", "masked"):
            raise ValueError(f"unknown cross_attn_type {self.cross_attn_type!r}")

    def image_tokens(self) -> int:
        """Features per image: patches only (``mm_vision_select_feature: patch``)."""
        assert self.image_tower is not None
        n = self.image_tower.num_patches
        return n if self.mm_vision_select_feature == "patch" else n + 1

    def frame_tokens(self) -> int:
        """Features per video frame: the official video tower keeps the CLS token."""
        assert self.video_tower is not None
        return self.video_tower.num_patches + 1

    @property
    def image_size(self) -> int:
        tower = self.image_tower or self.video_tower
        assert tower is not None
        return tower.image_size
