"""The LanguageBind image and video towers in plain torch.

Both are CLIP ViT encoders (ViT-L/14 in the released weights). The video tower adds, in front of
every encoder layer, a temporal embedding (one vector per frame) and a temporal self-attention
block (pre-LayerNorm, residual) that attends across the frames at each token position.

Parameter names mirror the ``vision_model.*`` part of the LanguageBind checkpoints
(``embeddings.class_embedding``, ``encoder.layers.N.self_attn.q_proj``, ...), so a tower's state
dict loads with the ``vision_model.`` prefix stripped. Only the layers up to the selected one
(``mm_vision_select_layer``, -2 in Face-LLaVA) are built; deeper weights are ignored.

The same module serves the transformers reference and the vLLM plugin, so both compute the
visual features with identical operations.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from facebench.face_llava.config import TowerConfig


def _act(name: str):
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name in ("gelu", "gelu_python"):
        return F.gelu
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return lambda x: F.gelu(x, approximate="tanh")
    raise ValueError(f"unsupported tower activation {name!r}")


class Attention(nn.Module):
    """CLIP multi-head self-attention (q/k/v/out projections with bias, no mask)."""

    def __init__(self, cfg: TowerConfig) -> None:
        super().__init__()
        self.num_heads = cfg.num_attention_heads
        self.head_dim = cfg.hidden_size // cfg.num_attention_heads
        self.scale = self.head_dim**-0.5
        d = cfg.hidden_size
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        h, hd = self.num_heads, self.head_dim
        q = self.q_proj(x).view(b, n, h, hd).transpose(1, 2) * self.scale
        k = self.k_proj(x).view(b, n, h, hd).transpose(1, 2)
        v = self.v_proj(x).view(b, n, h, hd).transpose(1, 2)
        attn = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, d)
        return self.out_proj(out)


class MLP(nn.Module):
    def __init__(self, cfg: TowerConfig) -> None:
        super().__init__()
        self.act = _act(cfg.hidden_act)
        self.fc1 = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.fc2 = nn.Linear(cfg.intermediate_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, cfg: TowerConfig) -> None:
        super().__init__()
        d, eps = cfg.hidden_size, cfg.layer_norm_eps
        self.self_attn = Attention(cfg)
        self.layer_norm1 = nn.LayerNorm(d, eps=eps)
        self.mlp = MLP(cfg)
        self.layer_norm2 = nn.LayerNorm(d, eps=eps)
        self.add_time_attn = cfg.add_time_attn
        if self.add_time_attn:
            self.t = cfg.num_frames
            self.temporal_embedding = nn.Parameter(torch.zeros(1, cfg.num_frames, d))
            self.temporal_attn = Attention(cfg)
            self.temporal_layer_norm1 = nn.LayerNorm(d, eps=eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (b*t, n, d)
        if self.add_time_attn:
            t = self.t
            bt, n, d = x.shape
            b = bt // t
            # (b t) n d -> (b n) t d
            xt = x.view(b, t, n, d).permute(0, 2, 1, 3).reshape(b * n, t, d)
            if t != 1:
                xt = xt + self.temporal_embedding[:, :t, :]
            res = xt
            xt = res + self.temporal_attn(self.temporal_layer_norm1(xt))
            x = xt.view(b, n, t, d).permute(0, 2, 1, 3).reshape(bt, n, d)
        x = x + self.self_attn(self.layer_norm1(x))
        x = x + self.mlp(self.layer_norm2(x))
        return x


class Embeddings(nn.Module):
    def __init__(self, cfg: TowerConfig) -> None:
        super().__init__()
        d = cfg.hidden_size
        self.class_embedding = nn.Parameter(torch.zeros(d))
        self.patch_embedding = nn.Conv2d(
            cfg.num_channels, d, kernel_size=cfg.patch_size, stride=cfg.patch_size, bias=False
        )
        self.position_embedding = nn.Embedding(cfg.num_patches + 1, d)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        b = pixels.shape[0]
        x = self.patch_embedding(pixels.to(self.patch_embedding.weight.dtype))
        x = x.flatten(2).transpose(1, 2)
        cls = self.class_embedding.to(x.dtype).expand(b, 1, -1)
        x = torch.cat([cls, x], dim=1)
        return x + self.position_embedding.weight.unsqueeze(0)


class Encoder(nn.Module):
    def __init__(self, cfg: TowerConfig, num_layers: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(cfg) for _ in range(num_layers))


def layers_needed(num_hidden_layers: int, select_layer: int) -> int:
    """How many encoder layers produce ``hidden_states[select_layer]`` (index 0 = embeddings)."""
    idx = select_layer if select_layer >= 0 else num_hidden_layers + 1 + select_layer
    if not 0 <= idx <= num_hidden_layers:
        raise ValueError(f"select layer {select_layer} out of range for {num_hidden_layers} layers")
    return idx


class LanguageBindTower(nn.Module):
    """A LanguageBind vision tower returning the hidden states of the selected layer.

    ``forward`` takes images ``(B, 3, H, W)`` and returns ``(B, N+1, C)``, or videos
    ``(B, 3, T, H, W)`` and returns ``(B, T, N+1, C)`` (CLS token first; callers drop it where the
    official code does).
    """

    def __init__(self, cfg: TowerConfig, select_layer: int = -2) -> None:
        super().__init__()
        self.cfg = cfg
        self.embeddings = Embeddings(cfg)
        self.pre_layrnorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.encoder = Encoder(cfg, layers_needed(cfg.num_hidden_layers, select_layer))

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        video = pixels.ndim == 5
        if video:
            b, c, t, h, w = pixels.shape
            if self.cfg.add_time_attn and t != self.cfg.num_frames:
                raise ValueError(f"the video tower takes {self.cfg.num_frames} frames, got {t}")
            pixels = pixels.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w)
        x = self.pre_layrnorm(self.embeddings(pixels))
        for layer in self.encoder.layers:
            x = layer(x)
        if video:
            x = x.view(b, t, x.shape[1], x.shape[2])
        return x

    def load_tower_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load ``vision_model.*`` (or already stripped) weights; extra layers are ignored."""
        own = self.state_dict()
        loaded = {}
        for k, v in state.items():
            k = k.removeprefix("vision_model.")
            if k in own:
                loaded[k] = v
        missing = sorted(set(own) - set(loaded))
        if missing:
            raise KeyError(f"tower weights missing: {missing[:8]}{' ...' if len(missing) > 8 else ''}")
        self.load_state_dict(loaded, strict=True)
