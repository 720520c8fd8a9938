"""Write a tiny, randomly initialised Face-LLaVA in the official layouts.

    python tests/face_llava/make_tiny.py OUT_DIR

creates

- ``OUT_DIR/FaceLLaVA/``: the LLaVA checkpoint as the official training saves it
  (``LlavaLlamaForCausalLM``, ``model_type: llava``, ``mm_*`` fields, sharded safetensors with
  ``model.mm_projector.*``, ``model.landmarks_projector.*``, ... keys, a sentencepiece
  ``tokenizer.model`` with ``LlamaTokenizer`` config);
- ``OUT_DIR/LanguageBind_Image/`` and ``OUT_DIR/LanguageBind_Video_merge/``: the towers as
  LanguageBind publishes them (``config.json`` with ``vision_config``, ``pytorch_model.bin``
  with ``vision_model.*`` weights; the video tower with temporal attention and 8 frames).

Sizes: towers hidden 64, 3 layers, 2 heads, 32x32 images in 8x8 patches (16 patches); Llama
hidden 128, 2 layers, 2 heads (head_dim 64, which vLLM's CPU attention accepts), vocab ~400.
Weights use a larger init than training would, so the answer depends on the image, the video
and the landmarks.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

TOWER = {
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 3,
    "num_attention_heads": 2,
    "image_size": 32,
    "patch_size": 8,
    "num_channels": 3,
    "layer_norm_eps": 1e-5,
    "hidden_act": "gelu",
    "force_patch_dropout": 0.0,
    "lora_r": 0,
    "lora_alpha": 16,
    "lora_dropout": 0.0,
    "video_decode_backend": "decord",
}
LLAMA = {
    "hidden_size": 128,
    "intermediate_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 2,
    "max_position_embeddings": 2048,
    "rms_norm_eps": 1e-5,
    "hidden_act": "silu",
    "rope_theta": 10000.0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "pad_token_id": 0,
    "tie_word_embeddings": False,
    "initializer_range": 0.02,
}
SENTENCES = [
    "A chat between a curious human and an artificial intelligence assistant.",
    "The assistant gives helpful, detailed, and polite answers to the human's questions.",
    "USER: What emotion is shown in the video? ASSISTANT: The person looks happy.",
    "Identify the active facial action units in the provided image.",
    "Guess the age of the individual shown in the picture; justify your answer.",
    "Options: (A) anger (B) disgust (C) fear (D) happiness (E) neutral (F) sadness (G) surprise",
    "The facial expression is surprise, fear, disgust, happiness, sadness, anger or neutral.",
    "Answer with the option's letter from the given choices directly. yes no 0 1 2 3 4 5 6 7 8 9",
]


def _sentencepiece_model(vocab_size: int = 400) -> bytes:
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(SENTENCES * 20),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="bpe",
        byte_fallback=True,
        unk_id=0,
        bos_id=1,
        eos_id=2,
        pad_id=-1,
        add_dummy_prefix=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        split_digits=True,
        character_coverage=1.0,
        allow_whitespace_only_pieces=True,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return buf.getvalue()


def _tower_state(cfg: dict, video: bool, gen) -> dict:
    import torch

    d, f = cfg["hidden_size"], cfg["intermediate_size"]
    n = (cfg["image_size"] // cfg["patch_size"]) ** 2 + 1

    def rnd(*shape, std=0.2):
        return torch.randn(*shape, generator=gen) * std

    def ln(prefix):
        return {f"{prefix}.weight": 1 + rnd(d, std=0.1), f"{prefix}.bias": rnd(d, std=0.1)}

    def attn(prefix):
        out = {}
        for p in ("q_proj", "k_proj", "v_proj", "out_proj"):
            out[f"{prefix}.{p}.weight"] = rnd(d, d, std=d**-0.5)
            out[f"{prefix}.{p}.bias"] = rnd(d, std=0.02)
        return out

    s = {
        "vision_model.embeddings.class_embedding": rnd(d, std=1.0),
        "vision_model.embeddings.patch_embedding.weight": rnd(d, 3, cfg["patch_size"], cfg["patch_size"], std=0.1),
        "vision_model.embeddings.position_embedding.weight": rnd(n, d, std=0.5),
        "vision_model.embeddings.position_ids": torch.arange(n).unsqueeze(0),
        **ln("vision_model.pre_layrnorm"),
        **ln("vision_model.post_layernorm"),
        "visual_projection.weight": rnd(32, d),
        "logit_scale": torch.tensor(2.6592),
    }
    for i in range(cfg["num_hidden_layers"]):
        p = f"vision_model.encoder.layers.{i}"
        s.update(attn(f"{p}.self_attn"))
        s.update(ln(f"{p}.layer_norm1"))
        s.update(ln(f"{p}.layer_norm2"))
        s[f"{p}.mlp.fc1.weight"] = rnd(f, d, std=d**-0.5)
        s[f"{p}.mlp.fc1.bias"] = rnd(f, std=0.02)
        s[f"{p}.mlp.fc2.weight"] = rnd(d, f, std=f**-0.5)
        s[f"{p}.mlp.fc2.bias"] = rnd(d, std=0.02)
        if video:
            s[f"{p}.temporal_embedding"] = rnd(1, cfg["num_frames"], d, std=0.5)
            s.update(attn(f"{p}.temporal_attn"))
            s.update(ln(f"{p}.temporal_layer_norm1"))
    return s


def _tower_config(video: bool) -> dict:
    vision = dict(TOWER, add_time_attn=video, num_frames=8 if video else 1)
    name = "LanguageBindVideo" if video else "LanguageBindImage"
    return {
        "architectures": [name],
        "model_type": name,
        "projection_dim": 32,
        "logit_scale_init_value": 2.6592,
        "text_config": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                        "intermediate_size": 64, "vocab_size": 100},
        "vision_config": vision,
        "torch_dtype": "float32",
        "transformers_version": "4.31.0",
    }


def make_tiny(out: str | Path, seed: int = 0) -> dict[str, Path]:
    import torch
    from safetensors.torch import save_file

    out = Path(out)
    gen = torch.Generator().manual_seed(seed)
    paths = {
        "checkpoint": out / "FaceLLaVA",
        "image_tower": out / "LanguageBind_Image",
        "video_tower": out / "LanguageBind_Video_merge",
    }
    for p in paths.values():
        p.mkdir(parents=True, exist_ok=True)

    # -- towers, as LanguageBind publishes them ------------------------------------------------
    for key, video in (("image_tower", False), ("video_tower", True)):
        cfg = _tower_config(video)
        (paths[key] / "config.json").write_text(json.dumps(cfg, indent=2))
        torch.save(_tower_state(cfg["vision_config"], video, gen), paths[key] / "pytorch_model.bin")

    # -- tokenizer (sentencepiece, LlamaTokenizer config like Vicuna v1.5) ---------------------
    ck = paths["checkpoint"]
    sp = _sentencepiece_model()
    (ck / "tokenizer.model").write_bytes(sp)
    import sentencepiece as spm

    vocab = spm.SentencePieceProcessor(model_proto=sp).get_piece_size()
    (ck / "tokenizer_config.json").write_text(json.dumps({
        "add_bos_token": True,
        "add_eos_token": False,
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<unk>",
        "clean_up_tokenization_spaces": False,
        "legacy": False,
        "model_max_length": 3072,
        "padding_side": "right",
        "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer",
    }, indent=2))
    (ck / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<unk>",
    }, indent=2))

    # -- the LLaVA checkpoint ------------------------------------------------------------------
    config = {
        "_name_or_path": "chaubeyG/FaceLLaVA",
        "architectures": ["LlavaLlamaForCausalLM"],
        "model_type": "llava",
        **LLAMA,
        "vocab_size": vocab,
        "mm_image_tower": "LanguageBind/LanguageBind_Image",
        "mm_video_tower": "LanguageBind/LanguageBind_Video_merge",
        "mm_hidden_size": TOWER["hidden_size"],
        "mm_projector_type": "mlp2x_gelu",
        "mm_vision_select_layer": -2,
        "mm_vision_select_feature": "patch",
        "landmarks_projector_type": "landmarks_region_projector",
        "global_landmarks_projector_type": "linear",
        "cross_attn_type": "simple",
        "use_landmark_tokens": False,
        "landmarks_hidden_size": 136,
        "mm_use_im_start_end": False,
        "mm_use_im_patch_token": False,
        "image_aspect_ratio": "pad",
        "tune_mm_mlp_adapter": False,
        "tokenizer_model_max_length": 3072,
        "tokenizer_padding_side": "right",
        "torch_dtype": "float32",
        "transformers_version": "4.31.0",
        "use_cache": True,
    }
    (ck / "config.json").write_text(json.dumps(config, indent=2))
    (ck / "generation_config.json").write_text(json.dumps(
        {"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "max_length": 4096,
         "temperature": 0.9, "top_p": 0.6, "transformers_version": "4.31.0"}, indent=2))

    h, f, v = LLAMA["hidden_size"], LLAMA["intermediate_size"], vocab
    md = TOWER["hidden_size"]

    def rnd(*shape, std=0.05):
        return torch.randn(*shape, generator=gen) * std

    lm = {"model.embed_tokens.weight": rnd(v, h, std=1.0), "model.norm.weight": 1 + rnd(h, std=0.1),
          "lm_head.weight": rnd(v, h, std=0.3)}
    for i in range(LLAMA["num_hidden_layers"]):
        p = f"model.layers.{i}"
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            lm[f"{p}.self_attn.{n}.weight"] = rnd(h, h, std=h**-0.5)
        lm[f"{p}.mlp.gate_proj.weight"] = rnd(f, h, std=h**-0.5)
        lm[f"{p}.mlp.up_proj.weight"] = rnd(f, h, std=h**-0.5)
        lm[f"{p}.mlp.down_proj.weight"] = rnd(h, f, std=f**-0.5)
        lm[f"{p}.input_layernorm.weight"] = 1 + rnd(h, std=0.1)
        lm[f"{p}.post_attention_layernorm.weight"] = 1 + rnd(h, std=0.1)
    mm = {
        "model.mm_projector.0.weight": rnd(h, md, std=md**-0.5),
        "model.mm_projector.0.bias": rnd(h, std=0.02),
        "model.mm_projector.2.weight": rnd(h, h, std=h**-0.5 * 3),
        "model.mm_projector.2.bias": rnd(h, std=0.02),
        "model.global_landmarks_projector.weight": rnd(h, 136, std=0.5),
        "model.global_landmarks_projector.bias": rnd(h, std=0.02),
        "model.landmarks_cross_attn.cross_attn.attn.in_proj_weight": rnd(3 * h, h, std=h**-0.5),
        "model.landmarks_cross_attn.cross_attn.attn.in_proj_bias": rnd(3 * h, std=0.02),
        "model.landmarks_cross_attn.cross_attn.attn.out_proj.weight": rnd(h, h, std=h**-0.5),
        "model.landmarks_cross_attn.cross_attn.attn.out_proj.bias": rnd(h, std=0.02),
        "model.landmarks_cross_attn.cross_attn.ln.weight": 1 + rnd(h, std=0.1),
        "model.landmarks_cross_attn.cross_attn.ln.bias": rnd(h, std=0.1),
        "model.landmarks_cross_attn.linear_proj.weight": rnd(h, h, std=h**-0.5 * 20),
        "model.landmarks_cross_attn.linear_proj.bias": rnd(h, std=0.5),
        "model.landmarks_cross_attn.ln.weight": torch.ones(h),
        "model.landmarks_cross_attn.ln.bias": torch.zeros(h),
    }
    from facebench.face_llava.landmarks import REGIONS

    for name, s in REGIONS.items():
        mm[f"model.landmarks_projector.region_layers.{name}.weight"] = rnd(h, (s.stop - s.start) * 2, std=0.5)
        mm[f"model.landmarks_projector.region_layers.{name}.bias"] = rnd(h, std=0.02)

    # two shards with an index, like a 7B checkpoint
    shards = {"model-00001-of-00002.safetensors": lm, "model-00002-of-00002.safetensors": mm}
    weight_map = {}
    for fname, tensors in shards.items():
        save_file({k: t.contiguous() for k, t in tensors.items()}, str(ck / fname), metadata={"format": "pt"})
        weight_map.update({k: fname for k in tensors})
    total = sum(t.numel() * t.element_size() for s_ in shards.values() for t in s_.values())
    (ck / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {"total_size": total}, "weight_map": weight_map}, indent=2))
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tiny-face-llava")
    for k, p in make_tiny(target).items():
        print(f"{k}: {p}")
