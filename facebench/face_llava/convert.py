"""``facebench convert face-llava``: the official Face-LLaVA checkpoint + the two LanguageBind
towers -> one self-contained folder that vLLM (with the facebench plugin) and the reference load
offline.

    facebench convert face-llava --checkpoint FaceLLaVA/ \\
        --image-tower LanguageBind_Image/ --video-tower LanguageBind_Video_merge/ --out face-llava-vllm/

Output folder:

- ``config.json``: the Llama config (``model_type: llama``) with
  ``architectures: [FaceLlavaForConditionalGeneration]`` and the ``face_llava`` section
  (:class:`~facebench.face_llava.config.FaceLlavaConfig`);
- ``model*.safetensors`` (+ index when sharded): the Llama weights under their usual names
  (``model.layers...``, ``lm_head``), the towers under ``image_tower.`` / ``video_tower.``
  (only the layers Face-LLaVA uses), and ``mm_projector.``, ``landmarks_projector.``,
  ``global_landmarks_projector.``, ``landmarks_cross_attn.``;
- the tokenizer with two added tokens, ``<image>`` and ``<video>`` (ids past the language
  model's vocabulary, never embedded), and the llava_v1 chat template (transformers' files:
  vLLM detokenises with it and renders the server's chat template);
- ``official_tokenizer/``: the checkpoint's own ``tokenizer.model``, ``tokenizer_config.json``
  and ``special_tokens_map.json``, from which facebench builds prompt ids exactly as the
  official environment does (:mod:`~facebench.face_llava.tokenizer`);
- ``generation_config.json`` copied from the checkpoint (facebench always passes its own
  decoding settings).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from facebench.errors import FacebenchError
from facebench.face_llava import ARCHITECTURE
from facebench.face_llava.config import FaceLlavaConfig, TowerConfig

MM_KEYS = (
    "mm_projector.",
    "landmarks_projector.",
    "global_landmarks_projector.",
    "landmarks_cross_attn.",
)
#: fields of the official config that describe the multimodal part (moved to ``face_llava``)
OFFICIAL_MM_FIELDS = (
    "mm_image_tower", "mm_video_tower", "mm_hidden_size", "mm_projector_type",
    "mm_vision_select_layer", "mm_vision_select_feature", "landmarks_projector_type",
    "global_landmarks_projector_type", "cross_attn_type", "use_landmark_tokens",
    "landmarks_hidden_size", "mm_use_im_start_end", "mm_use_im_patch_token", "image_aspect_ratio",
    "tune_mm_mlp_adapter", "freeze_mm_mlp_adapter", "mm_projector_lr", "use_mm_proj",
    "image_tower", "video_tower", "tokenizer_model_max_length", "tokenizer_padding_side",
    "mm_vision_tower", "image_grid_pinpoints",
)
SHARD_BYTES = 4 * 1024**3


class ConvertError(FacebenchError, ValueError):
    """A checkpoint folder is missing a file or is of an unsupported kind (message names it)."""


def load_state(folder: Path) -> dict[str, Any]:
    """All tensors of a HF-style folder: (sharded) safetensors or pytorch_model*.bin."""
    import torch
    from safetensors.torch import load_file

    files: list[Path] = []
    for index_name in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        index = folder / index_name
        if index.is_file():
            names = sorted(set(json.loads(index.read_text())["weight_map"].values()))
            files = [folder / n for n in names]
            break
    if not files:
        files = sorted(folder.glob("*.safetensors")) or sorted(folder.glob("pytorch_model*.bin"))
    if not files:
        raise ConvertError(f"{folder}: no *.safetensors or pytorch_model*.bin weights")
    state: dict[str, Any] = {}
    for f in files:
        if f.suffix == ".safetensors":
            state.update(load_file(str(f)))
        else:
            state.update(torch.load(str(f), map_location="cpu", weights_only=True))
    return state


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConvertError(f"{path} does not exist")
    return json.loads(path.read_text())


def tower_config(folder: Path) -> TowerConfig:
    raw = _read_json(folder / "config.json")
    vision = raw.get("vision_config", raw)
    return TowerConfig.from_dict(vision)


def face_llava_config(ck: dict[str, Any], image: TowerConfig | None, video: TowerConfig | None,
                      image_token_id: int, video_token_id: int) -> FaceLlavaConfig:
    mm_hidden = ck.get("mm_hidden_size") or (image or video).hidden_size  # type: ignore[union-attr]
    cfg = FaceLlavaConfig(
        image_tower=image,
        video_tower=video,
        mm_hidden_size=mm_hidden,
        hidden_size=ck["hidden_size"],
        mm_projector_type=ck.get("mm_projector_type", "linear"),
        mm_vision_select_layer=ck.get("mm_vision_select_layer", -2),
        mm_vision_select_feature=ck.get("mm_vision_select_feature", "patch"),
        # llava_llama.py reads these with a 'linear' default
        landmarks_projector_type=ck.get("landmarks_projector_type") or "linear",
        global_landmarks_projector_type=ck.get("global_landmarks_projector_type") or "linear",
        cross_attn_type=ck.get("cross_attn_type") or "simple",
        use_landmark_tokens=bool(ck.get("use_landmark_tokens", False)),
        image_token_id=image_token_id,
        video_token_id=video_token_id,
        num_frames=video.num_frames if video is not None else 8,
    )
    if ck.get("mm_use_im_start_end"):
        raise ConvertError("mm_use_im_start_end=True checkpoints are not supported")
    cfg.check()
    return cfg


def _save_sharded(state: dict[str, Any], out: Path) -> int:
    from safetensors.torch import save_file

    shards: list[dict[str, Any]] = [{}]
    size = 0
    for k in sorted(state):
        t = state[k].contiguous()
        n = t.numel() * t.element_size()
        if shards[-1] and size + n > SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][k] = t
        size += n
    if len(shards) == 1:
        save_file(shards[0], str(out / "model.safetensors"), metadata={"format": "pt"})
        return 1
    weight_map = {}
    total = 0
    for i, shard in enumerate(shards, 1):
        name = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
        save_file(shard, str(out / name), metadata={"format": "pt"})
        for k, t in shard.items():
            weight_map[k] = name
            total += t.numel() * t.element_size()
    (out / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2)
    )
    return len(shards)


def convert(
    checkpoint: str | Path,
    image_tower: str | Path | None,
    video_tower: str | Path | None,
    out: str | Path,
    dtype: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Assemble the folder; returns its path. ``dtype``: float16/bfloat16/float32 (default:
    the checkpoint's ``torch_dtype``)."""
    import torch
    from transformers import AutoTokenizer

    from facebench.face_llava.model import FaceLlavaVision
    from facebench.face_llava.processing import CHAT_TEMPLATE, IMAGE_TOKEN, VIDEO_TOKEN
    from facebench.face_llava.tokenizer import FILES, copy_files as copy_tokenizer_files

    t0 = time.time()
    ck_dir, out = Path(checkpoint), Path(out)
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise ConvertError(f"{out} exists and is not empty (use --overwrite)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    ck = _read_json(ck_dir / "config.json")
    if not (ck_dir / FILES[0]).is_file():
        raise ConvertError(f"{ck_dir / FILES[0]} does not exist (the checkpoint's sentencepiece model)")
    dtype = dtype or str(ck.get("torch_dtype") or "float16")
    torch_dtype = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32}[dtype]

    state = load_state(ck_dir)
    # towers: from their folders, or (if a checkpoint carries them) from the checkpoint
    towers: dict[str, tuple[TowerConfig | None, dict[str, Any]]] = {}
    for key, folder, inner in (
        ("image_tower", image_tower, "model.image_tower.image_tower."),
        ("video_tower", video_tower, "model.video_tower.video_tower."),
    ):
        wanted = ck.get(f"mm_{key}") is not None
        if folder is not None:
            folder = Path(folder)
            tw = load_state(folder)
            towers[key] = (tower_config(folder), {k.removeprefix("vision_model."): v for k, v in tw.items() if k.startswith("vision_model.")})
        elif wanted and any(k.startswith(inner) for k in state):
            raise ConvertError(f"--{key.replace('_', '-')} is needed (its config is in the tower folder)")
        elif wanted:
            raise ConvertError(
                f"the checkpoint uses {ck.get(f'mm_{key}')}; pass its local folder with "
                f"--{key.replace('_', '-')}"
            )
        else:
            towers[key] = (None, {})

    tok = AutoTokenizer.from_pretrained(str(ck_dir))
    vocab = int(ck["vocab_size"])
    tok.add_tokens([IMAGE_TOKEN, VIDEO_TOKEN], special_tokens=True)
    image_id = tok.convert_tokens_to_ids(IMAGE_TOKEN)
    video_id = tok.convert_tokens_to_ids(VIDEO_TOKEN)
    if image_id < vocab or video_id < vocab:
        # a tokenizer smaller than the embedding matrix: place the markers past the vocabulary
        raise ConvertError(
            f"tokenizer has {len(tok)} tokens but the model's vocabulary is {vocab}; cannot place "
            "<image>/<video> outside the vocabulary"
        )
    cfg = face_llava_config(ck, towers["image_tower"][0], towers["video_tower"][0], image_id, video_id)

    # the multimodal weights this model uses, checked against the modules themselves
    with torch.device("meta"):
        vision = FaceLlavaVision(cfg)
    wanted_keys = set(vision.state_dict())
    new: dict[str, Any] = {}
    for k, v in state.items():
        if k.startswith(("model.image_tower.", "model.video_tower.")):
            continue
        if k.startswith("model.") and k[6:].startswith(MM_KEYS):
            new[k[6:]] = v
        else:
            new[k] = v
    for key in ("image_tower", "video_tower"):
        for k, v in towers[key][1].items():
            if f"{key}.{k}" in wanted_keys:
                new[f"{key}.{k}"] = v
    missing = sorted(wanted_keys - set(new))
    if missing:
        raise ConvertError(f"weights missing for Face-LLaVA modules: {missing[:10]}")
    dropped = sorted(k for k in new if k.startswith(MM_KEYS) and k not in wanted_keys)
    for k in dropped:
        del new[k]
    for k in new:
        if new[k].is_floating_point():
            new[k] = new[k].to(torch_dtype)
    n_shards = _save_sharded(new, out)

    # config: Llama fields + the face_llava section
    llama = {k: v for k, v in ck.items() if k not in OFFICIAL_MM_FIELDS}
    llama.update(
        model_type="llama",
        architectures=[ARCHITECTURE],
        torch_dtype=dtype,
        face_llava=cfg.to_dict(),
    )
    llama.pop("_name_or_path", None)
    llama["face_llava"]["source"] = {
        "checkpoint": str(ck_dir.resolve()),
        "image_tower": str(Path(image_tower).resolve()) if image_tower else None,
        "video_tower": str(Path(video_tower).resolve()) if video_tower else None,
        "mm_image_tower": ck.get("mm_image_tower"),
        "mm_video_tower": ck.get("mm_video_tower"),
    }
    (out / "config.json").write_text(json.dumps(llama, indent=2))

    tok.chat_template = CHAT_TEMPLATE
    tok.save_pretrained(str(out))
    copy_tokenizer_files(ck_dir, out)
    gen = ck_dir / "generation_config.json"
    if gen.is_file():
        shutil.copy(gen, out / "generation_config.json")
    print(
        f"[convert] wrote {out} ({n_shards} shard(s), {len(new)} tensors, {dtype}, "
        f"<image>={image_id} <video>={video_id}) in {time.time() - t0:.1f}s"
    )
    return out


def main(
    checkpoint: str,
    out: str,
    image_tower: str | None = None,
    video_tower: str | None = None,
    dtype: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Entry point for the ``facebench convert face-llava`` command."""
    return convert(checkpoint, image_tower, video_tower, out, dtype=dtype, overwrite=overwrite)
