"""Face-region landmark projector (FRLP) and face-region guided cross-attention (FRGCA).

The official landmark convention (github.com/ihp-lab/Face-LLaVA at acecbec7):

- 68 points in the iBUG 300-W order (jaw 0-16, eyebrows 17-21 and 22-26, nose bridge 27-30,
  nostrils 31-35, eyes 36-41 and 42-47, outer lips 48-59, inner lips 60-67: the ``REGIONS``
  below, copied from ``LandmarkRegionProjector.facial_regions`` in
  ``facellava/model/multimodal_projector/builder.py``);
- each point ``(x, y)`` in pixels of the 256x256 face crop, x (column) first: the projector's
  docstring reads "68 (x,y) landmarks" and views the input as ``(..., 68, 2)``;
- the model's input is ``torch.from_numpy(np.load(path)) / 256.`` then ``.view(-1)``
  (``load_and_transform_image`` in ``languagebind/image/processing_image.py``; a video takes
  ``landmark[frame_id_list] / 256.`` viewed as ``(num_frames, 136)``, the frames the video
  sampler picked), so the 136 values run ``x0, y0, x1, y1, ..., x67, y67`` in ``[0, 1]``.
  :func:`landmarks_to_input` does exactly this.

- FRLP (``landmarks_region_projector``): the 68 points split into 9 regions, one linear layer per
  region (``2 * points -> hidden``); plus a global linear layer over all 136 values; the global
  token is added to each of the 9 region tokens.
- FRGCA (``simple``): the projected visual tokens attend to the 9 landmark tokens (8 heads),
  residual + LayerNorm, a linear layer, and ``0.1 * branch + visual`` (the LayerNorm ``ln`` of
  the outer module exists in the checkpoint but is unused, as in the official code).
- ``masked``: the same with explicit q/k/v projections and, added to the attention scores, a
  softmax over the negative distances from each patch centre to each region's centroid (the
  CLS token gets a uniform row).

Parameter names follow the official checkpoint (``landmarks_projector.region_layers.face``,
``global_landmarks_projector``, ``landmarks_cross_attn.cross_attn.attn.in_proj_weight``, ...).
"""

from __future__ import annotations

import math
import re

import torch
import torch.nn.functional as F
from torch import nn

REGIONS: dict[str, slice] = {
    "face": slice(0, 17),
    "eyebrow1": slice(17, 22),
    "eyebrow2": slice(22, 27),
    "nose": slice(27, 31),
    "nostril": slice(31, 36),
    "eye1": slice(36, 42),
    "eye2": slice(42, 48),
    "lips": slice(48, 60),
    "teeth": slice(60, 68),
}
LANDMARK_DIM = 136
BRANCH_SCALE = 0.1
#: the official crop side the pixel coordinates are divided by (``landmark / 256.``)
LANDMARK_SCALE = 256.0


def landmarks_to_input(points) -> list:
    """68 ``(x, y)`` pixel points of a 256x256 face crop -> the model's landmark input.

    ``points``: ``(68, 2)`` (an image) or ``(T, 68, 2)`` (the frames of a video), x first.
    Returns 136 floats (``x0/256, y0/256, x1/256, ...``), or T such lists, as the official
    ``processing_image.py`` / ``processing_video.py`` compute them from their ``.npy`` files.
    """
    import numpy as np

    arr = np.asarray(points, dtype=np.float64)
    if arr.shape[-2:] != (68, 2) or arr.ndim not in (2, 3):
        raise ValueError(f"landmarks must be (68, 2) or (T, 68, 2) (x, y) points, got {arr.shape}")
    flat = (arr / LANDMARK_SCALE).reshape(*arr.shape[:-2], LANDMARK_DIM)
    return flat.astype(np.float32).tolist()


class LandmarkRegionProjector(nn.Module):
    """``(..., 136)`` -> ``(..., 9, hidden)``: one linear layer per face region."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.region_layers = nn.ModuleDict(
            {name: nn.Linear((s.stop - s.start) * 2, hidden) for name, s in REGIONS.items()}
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pts = x.reshape(*x.shape[:-1], 68, 2)
        out = [
            self.region_layers[name](pts[..., s, :].flatten(-2)).unsqueeze(-2)
            for name, s in REGIONS.items()
        ]
        return torch.cat(out, dim=-2)


def build_landmark_projector(kind: str, hidden: int) -> nn.Module:
    """The official ``build_landmark_projector`` / ``build_global_landmark_projector`` types."""
    if kind == "linear":
        return nn.Linear(LANDMARK_DIM, hidden)
    if kind == "landmarks_region_projector":
        return LandmarkRegionProjector(hidden)
    if kind == "identity":
        return nn.Identity()
    m = re.fullmatch(r"mlp(\d+)x_gelu", kind)
    if m:
        mods: list[nn.Module] = [nn.Linear(LANDMARK_DIM, hidden)]
        for _ in range(1, int(m.group(1))):
            mods += [nn.GELU(), nn.Linear(hidden, hidden)]
        return nn.Sequential(*mods)
    raise ValueError(f"unknown landmark projector type {kind!r}")


class PackedMultiheadAttention(nn.Module):
    """``nn.MultiheadAttention(batch_first=True)`` maths with its parameter names
    (``in_proj_weight``, ``in_proj_bias``, ``out_proj``), written out so that the reference and
    the vLLM plugin run the same operations."""

    def __init__(self, d: int, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d, d))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d))
        self.out_proj = nn.Linear(d, d)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, q_in: torch.Tensor, kv_in: torch.Tensor) -> torch.Tensor:
        b, n, d = q_in.shape
        h = self.num_heads
        hd = d // h
        wq, wk, wv = self.in_proj_weight.chunk(3)
        bq, bk, bv = self.in_proj_bias.chunk(3)
        q = F.linear(q_in, wq, bq).view(b, n, h, hd).transpose(1, 2)
        k = F.linear(kv_in, wk, bk).view(b, -1, h, hd).transpose(1, 2)
        v = F.linear(kv_in, wv, bv).view(b, -1, h, hd).transpose(1, 2)
        attn = torch.softmax((q / math.sqrt(hd)) @ k.transpose(-1, -2), dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(b, n, d)
        return self.out_proj(out)


class CrossAttentionModule(nn.Module):
    def __init__(self, d: int, num_heads: int = 8) -> None:
        super().__init__()
        self.attn = PackedMultiheadAttention(d, num_heads)
        self.ln = nn.LayerNorm(d)

    def forward(self, img: torch.Tensor, lmk: torch.Tensor) -> torch.Tensor:
        b, t, n, d = img.shape
        x = img.reshape(-1, n, d)
        out = self.ln(x + self.attn(x, lmk.reshape(-1, lmk.shape[2], d)))
        return out.view(b, t, n, d)


class LandmarkGuidedCrossAttention(nn.Module):
    """FRGCA, ``cross_attn_type: simple`` (the released model)."""

    def __init__(self, d: int, num_heads: int = 8) -> None:
        super().__init__()
        self.cross_attn = CrossAttentionModule(d, num_heads)
        self.linear_proj = nn.Linear(d, d)
        self.ln = nn.LayerNorm(d)  # present in the checkpoint, unused (as officially)

    def forward(self, img: torch.Tensor, lmk_feats: torch.Tensor, landmarks: torch.Tensor):
        x = self.linear_proj(self.cross_attn(img, lmk_feats))
        return BRANCH_SCALE * x + img


class CrossAttentionModuleWMask(nn.Module):
    def __init__(self, d: int, num_heads: int = 8) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.q_proj = nn.Linear(d, d)
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.ln = nn.LayerNorm(d)

    def forward(self, img: torch.Tensor, lmk: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, t, n, d = img.shape
        l = lmk.shape[2]
        h, hd = self.num_heads, d // self.num_heads
        q = self.q_proj(img).view(b * t, n, h, hd).transpose(1, 2)
        k = self.k_proj(lmk).view(b * t, l, h, hd).transpose(1, 2)
        v = self.v_proj(lmk).view(b * t, l, h, hd).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(hd) + mask.reshape(b * t, 1, n, l)
        out = (torch.softmax(scores, dim=-1) @ v).transpose(1, 2).reshape(b * t, n, d)
        return self.ln(img.reshape(b * t, n, d) + out).view(b, t, n, d)


class LandmarkGuidedCrossAttentionWMask(nn.Module):
    """FRGCA, ``cross_attn_type: masked`` (region-patch proximity added to the scores)."""

    def __init__(self, d: int, num_heads: int = 8) -> None:
        super().__init__()
        self.cross_attn = CrossAttentionModuleWMask(d, num_heads)
        self.linear_proj = nn.Linear(d, d)
        self.ln = nn.LayerNorm(d)

    @staticmethod
    def distance_mask(n_tokens: int, landmarks: torch.Tensor) -> torch.Tensor:
        """``(B, T, N, 9)``: softmax over regions of minus the patch-centre/centroid distance.

        The official code builds a 16x16 grid (224 / 14) plus a CLS row; here the grid side is
        derived from the token count (``N = g*g + 1`` with CLS, ``g*g`` without), which is the
        same for the released towers and also works for small test towers. As officially, the
        grid is ``meshgrid(lin, lin, indexing="ij")``: its first coordinate follows the patch
        row (y) while a landmark's is x; facebench keeps that pairing (the released model uses
        ``simple``, not this variant).
        """
        b, t = landmarks.shape[:2]
        pts = landmarks.reshape(b, t, 68, 2)
        cents = torch.stack([pts[:, :, s].mean(dim=2) for s in REGIONS.values()], dim=2)
        has_cls = math.isqrt(n_tokens) ** 2 != n_tokens
        g = math.isqrt(n_tokens - 1) if has_cls else math.isqrt(n_tokens)
        half = 1 / g / 2
        lin = torch.linspace(half, 1 - half, g, dtype=pts.dtype, device=pts.device)
        gx, gy = torch.meshgrid(lin, lin, indexing="ij")
        grid = torch.stack([gx, gy], dim=-1).view(-1, 2)
        if has_cls:
            grid = torch.cat([grid.new_zeros(1, 2), grid], dim=0)
        dist = torch.norm(grid.view(1, 1, -1, 1, 2) - cents.unsqueeze(2), dim=-1)
        if has_cls:
            dist[:, :, 0, :] = 0
        return torch.softmax(-dist, dim=-1)

    def forward(self, img: torch.Tensor, lmk_feats: torch.Tensor, landmarks: torch.Tensor):
        mask = self.distance_mask(img.shape[2], landmarks).to(img.dtype)
        x = self.linear_proj(self.cross_attn(img, lmk_feats, mask))
        return BRANCH_SCALE * x + img


def build_cross_attention(kind: str, hidden: int) -> nn.Module:
    if kind == "simple":
        return LandmarkGuidedCrossAttention(hidden)
    if kind == "masked":
        return LandmarkGuidedCrossAttentionWMask(hidden)
    raise ValueError(f"unknown cross attention type {kind!r}")


def fuse_landmarks(
    feats: torch.Tensor,
    landmarks: torch.Tensor,
    projector: nn.Module,
    global_projector: nn.Module,
    cross_attn: nn.Module,
) -> torch.Tensor:
    """The official ``encode_images``/``encode_videos`` landmark path, after ``mm_projector``.

    ``feats``: ``(B, N, D)`` images or ``(B, T, N, D)`` videos; ``landmarks``: ``(B, 136)`` or
    ``(B, T, 136)``.
    """
    image = feats.ndim == 3
    landmarks = landmarks.to(feats.dtype)
    region = projector(landmarks)
    glob = global_projector(landmarks)
    base = landmarks.ndim  # 2 for images, 3 for videos
    if region.ndim == base:
        region = region.unsqueeze(-2)
    if glob.ndim == base:
        glob = glob.unsqueeze(-2)
    lmk = region + glob
    if image:
        feats, lmk, landmarks = feats.unsqueeze(1), lmk.unsqueeze(1), landmarks.unsqueeze(1)
    out = cross_attn(feats, lmk, landmarks)
    return out.squeeze(1) if image else out
