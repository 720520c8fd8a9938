"""Tiny, randomly initialised multimodal models built offline in about a second each.

They exercise the real transformers code paths (processor, chat template, vision tower,
``generate``) without downloading anything: a byte-level BPE tokenizer is trained on a few
sentences, the model is built from a config, and everything is saved to a folder that
``AutoProcessor`` / ``AutoModelForImageTextToText`` load like a hub checkpoint. Their answers
are gibberish, but deterministic, which is all batching and plumbing tests need.

Shapes follow /work/shared/specs/environment.md (hidden 128, 2 layers, 2 heads, head_dim 64),
which also keeps them loadable by vLLM's CPU backend later.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "The face shows happiness, sadness, anger, fear, surprise, disgust or a neutral look.",
    "Answer with one word. What is the expression of the person in the image?",
    "The person is smiling; the mouth corners are raised and the eyes are narrowed.",
    "Action units: AU1 inner brow raiser, AU2 outer brow raiser, AU4 brow lowerer, AU12.",
    "Age, gender, race, attractive, eyeglasses, wearing hat, young, male, bald, beard.",
    "A video of a person speaking. Is this face real or fake? Yes. No. 0 1 2 3 4 5 6 7 8 9",
] * 4

LLAVA_TEMPLATE = (
    "{% for message in messages %}"
    "{{ message['role'].upper() + ': ' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}{{ '<image>\n' }}"
    "{% elif item['type'] == 'video' %}{{ '<video>\n' }}"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}{{ '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'ASSISTANT:' }}{% endif %}"
)

QWEN_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for item in message['content'] %}"
    "{% if item['type'] == 'image' %}{{ '<|vision_start|><|image_pad|><|vision_end|>' }}"
    "{% elif item['type'] == 'video' %}{{ '<|vision_start|><|video_pad|><|vision_end|>' }}"
    "{% elif item['type'] == 'text' %}{{ item['text'] }}{% endif %}"
    "{% endfor %}{% endif %}{{ '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

TEXT = {
    "hidden_size": 128,
    "intermediate_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "num_key_value_heads": 2,
    "head_dim": 64,
    "max_position_embeddings": 2048,
}


def _tokenizer(special: list[str], bos: str, eos: str, pad: str, template: str):
    """A byte-level BPE fast tokenizer trained on ``CORPUS``, with the family's special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=list(dict.fromkeys([pad, bos, eos, *special])),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        pad_token=pad,
        extra_special_tokens={},
    )
    fast.add_special_tokens({"additional_special_tokens": special})
    fast.chat_template = template
    return fast


def _seed() -> None:
    import torch

    torch.manual_seed(0)


def build_llava(out: Path) -> Path:
    """A LLaVA-1.5-style model: tiny CLIP tower (32 px, patch 8 -> 16 tokens) + Llama."""
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    tok = _tokenizer(["<image>", "<video>"], "<s>", "</s>", "<pad>", LLAVA_TEMPLATE)
    tok.padding_side = "left"
    image_proc = CLIPImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    )
    proc = LlavaProcessor(
        image_processor=image_proc,
        tokenizer=tok,
        patch_size=8,
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,
        chat_template=LLAVA_TEMPLATE,
    )
    vision = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        image_size=32,
        patch_size=8,
        projection_dim=32,
    )
    text = LlamaConfig(
        vocab_size=len(tok),
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        **TEXT,
    )
    cfg = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=tok.convert_tokens_to_ids("<image>"),
        vision_feature_select_strategy="default",
        vision_feature_layer=-2,
        pad_token_id=tok.pad_token_id,
    )
    _seed()
    model = LlavaForConditionalGeneration(cfg).eval()
    _finish(model, tok)
    model.save_pretrained(out)
    proc.save_pretrained(out)
    return out


def build_qwen2vl(out: Path) -> Path:
    """A Qwen2-VL-style model that takes both images and videos (16 tokens per image)."""
    from transformers import (
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    special = [
        "<|im_start|>",
        "<|im_end|>",
        "<|vision_start|>",
        "<|vision_end|>",
        "<|image_pad|>",
        "<|video_pad|>",
    ]
    tok = _tokenizer(special, "<|endoftext|>", "<|im_end|>", "<|endoftext|>", QWEN_TEMPLATE)
    tok.padding_side = "left"
    pixels = {"min_pixels": 28 * 28, "max_pixels": 112 * 112}
    proc = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tok,
        chat_template=QWEN_TEMPLATE,
    )
    ids = {t: tok.convert_tokens_to_ids(t) for t in special}
    cfg = Qwen2VLConfig(
        text_config=dict(
            vocab_size=len(tok),
            rope_parameters={"rope_type": "default", "mrope_section": [8, 12, 12]},
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
            **TEXT,
        ),
        vision_config={
            "depth": 2,
            "embed_dim": 32,
            "hidden_size": 128,
            "num_heads": 2,
            "mlp_ratio": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    _seed()
    model = Qwen2VLForConditionalGeneration(cfg).eval()
    _finish(model, tok)
    model.save_pretrained(out)
    proc.save_pretrained(out)
    return out


def _finish(model, tok) -> None:
    """Make greedy answers long and stable enough to compare across batch sizes.

    A random model would often emit EOS at once (an empty answer proves nothing about
    batching), so EOS and padding logits are pushed down; the ids stay valid.
    """
    import torch

    gen = model.generation_config
    gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = (
        tok.bos_token_id,
        tok.eos_token_id,
        tok.pad_token_id,
    )
    gen.do_sample = False
    with torch.no_grad():
        head = model.get_output_embeddings()
        for t in {tok.eos_token_id, tok.pad_token_id}:
            head.weight[t].zero_()
            if getattr(head, "bias", None) is not None:
                head.bias[t] = -1e4


def rename_clip_tower_for_vllm(out: Path) -> Path:
    """Rewrite a saved LLaVA checkpoint's CLIP tower keys into the llava-hf hub layout.

    transformers 5 saves ``vision_tower.embeddings...``; vLLM's LLaVA loader only knows the
    hub layout ``vision_tower.vision_model.embeddings...`` and refuses the folder otherwise.
    transformers loads the renamed file with no missing keys, so the ``hf`` and ``vllm``
    adapters can share one folder (and their greedy answers can be compared).
    """
    from safetensors.torch import load_file, save_file

    prefix = "vision_tower."
    for path in sorted(Path(out).glob("*.safetensors")):
        tensors = load_file(str(path))
        renamed = {
            (
                prefix + "vision_model." + k[len(prefix) :]
                if k.startswith(prefix) and not k.startswith(prefix + "vision_model.")
                else k
            ): v
            for k, v in tensors.items()
        }
        if renamed.keys() != tensors.keys():
            save_file(renamed, str(path), metadata={"format": "pt"})
    return Path(out)


def build_llava_vllm(out: Path) -> Path:
    """``build_llava`` whose weights vLLM's LLaVA loader accepts (see ``rename_clip_tower_for_vllm``)."""
    return rename_clip_tower_for_vllm(build_llava(out))


BUILDERS = {"llava": build_llava, "qwen2vl": build_qwen2vl, "llava-vllm": build_llava_vllm}


def build(kind: str, out: str | Path) -> Path:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return BUILDERS[kind](out)
