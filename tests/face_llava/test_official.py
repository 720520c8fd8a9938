"""Face-LLaVA against the official environment (github.com/ihp-lab/Face-LLaVA at acecbec7,
transformers 4.31, torch 2.5.1 + torchvision 0.20): prompt token ids, image pixels, decoding
settings, the vLLM floor and the landmark convention. Every expectation is computed here from
the official recipe, independently of facebench's code for it."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch is not installed (Face-LLaVA reference)")
spm = pytest.importorskip("sentencepiece", reason="sentencepiece is not installed")
pytest.importorskip("transformers", reason="transformers is not installed")

from facebench.face_llava import processing as P  # noqa: E402
from facebench.face_llava.tokenizer import OfficialTokenizer  # noqa: E402

QUESTIONS = [
    "What emotion is shown in the video?",
    "Guess the age of the individual shown in the picture; justify your answer.",
    "  two leading spaces, a\ttab,  double  spaces and a trailing space ",
    "Options: (A) anger (B) disgust\n(C) fear 0 1 2 é 中",
]


def _cfg(folder):
    return json.loads((folder / "config.json").read_text())["face_llava"]


def _sp(tiny):
    return spm.SentencePieceProcessor(model_file=str(tiny["checkpoint"] / "tokenizer.model"))


def expected_ids(prompt: str, sp, image_token_id: int, bos: int = 1) -> list[int]:
    """``tokenizer_image_token`` (facellava/mm_utils.py) with the official tokenizer call
    ``tokenizer(chunk).input_ids`` = BOS + ``SentencePieceProcessor.encode(chunk)`` (the slow
    LlamaTokenizer of transformers 4.31 on text without special tokens)."""
    chunks = [[bos] + sp.encode(c) for c in prompt.split("<image>")]
    ids = [bos]
    for i, chunk in enumerate(chunks):
        if i:
            ids.append(image_token_id)
        ids.extend(chunk[1:])
    return ids


def official_prompt(question: str, kind: str) -> str:
    """inference.py: ``' '.join([DEFAULT_IMAGE_TOKEN] * 8)`` for a video, ``DEFAULT_IMAGE_TOKEN``
    for an image, then ``'\\n' + inp``; conv_llava_v1's ``get_prompt()`` (SeparatorStyle.TWO)."""
    system = ("A chat between a curious human and an artificial intelligence assistant. The "
              "assistant gives helpful, detailed, and polite answers to the human's questions.")
    marker = " ".join(["<image>"] * 8) if kind == "video" else "<image>"
    return system + " " + "USER: " + marker + "\n" + question + " " + "ASSISTANT:"


# -- token ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["image", "video"])
def test_prompt_ids_equal_sentencepiece_official_ids(tiny, kind):
    folder = tiny["converted"]
    cfg = _cfg(folder)
    img, vid = cfg["image_token_id"], cfg["video_token_id"]
    tok = OfficialTokenizer.from_folder(folder)
    sp = _sp(tiny)
    for q in QUESTIONS:
        prompt = P.build_prompt(q, [kind])
        assert prompt == official_prompt(q, kind)
        want = expected_ids(prompt, sp, img)
        # the reference (face-llava-hf)
        assert P.official_token_ids(prompt, tok, img) == want
        # face-llava-vllm: one video id, expanded by the plugin with the official separators
        ids = P.vllm_token_ids(prompt, tok, img, vid, 8)
        assert ids.count(vid) == (kind == "video")
        sep = P.frame_separator_ids(tok)
        assert P.vllm_ids_to_official(ids, tok, img, vid, sep, 8) == want
        # the plugin keeps facebench's ids as they are
        from transformers import AutoTokenizer

        hf = AutoTokenizer.from_pretrained(folder)
        assert P.retokenize_prompt(ids, hf, tok, img, vid) == ids


def test_video_separator_is_sentencepiece_space(tiny):
    """The ``" "`` chunk between two frame markers: 4.31 gives ``sp.encode(" ")`` (the dummy
    prefix ``▁`` and the space's ``▁``: two pieces here, ``▁▁`` in Vicuna's vocabulary)."""
    tok = OfficialTokenizer.from_folder(tiny["converted"])
    sp = _sp(tiny)
    assert P.frame_separator_ids(tok) == sp.encode(" ")
    assert "".join(sp.id_to_piece(i) for i in sp.encode(" ")) == "\u2581\u2581"


@pytest.mark.parametrize("kind", ["image", "video"])
def test_server_text_prompt_is_retokenised_to_official_ids(tiny, kind):
    """The server renders the chat template to text and vLLM tokenises it with transformers'
    tokenizer; the plugin must end up with the official ids."""
    jinja2 = pytest.importorskip("jinja2")
    from transformers import AutoTokenizer

    folder = tiny["converted"]
    cfg = _cfg(folder)
    img, vid = cfg["image_token_id"], cfg["video_token_id"]
    tok = OfficialTokenizer.from_folder(folder)
    hf = AutoTokenizer.from_pretrained(folder)
    sep = P.frame_separator_ids(tok)
    for q in QUESTIONS[:2]:
        msgs = [{"role": "user", "content": [{"type": f"{kind}_url"}, {"type": "text", "text": q}]}]
        text = jinja2.Environment().from_string(P.CHAT_TEMPLATE).render(messages=msgs, add_generation_prompt=True)
        for add_special in (False, True):
            vllm_ids = hf(text, add_special_tokens=add_special).input_ids
            ids = P.retokenize_prompt(vllm_ids, hf, tok, img, vid)
            assert P.vllm_ids_to_official(ids, tok, img, vid, sep, 8) == expected_ids(
                official_prompt(q, kind), _sp(tiny), img)


def _write_tokenizer(folder, tiny, config: dict, special_map: dict | None = None):
    folder.mkdir()
    (folder / "tokenizer.model").write_bytes((tiny["checkpoint"] / "tokenizer.model").read_bytes())
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    if special_map is not None:
        (folder / "special_tokens_map.json").write_text(json.dumps(special_map))
    return OfficialTokenizer.from_folder(folder)


def test_special_tokens_in_text_follow_transformers_431(tiny, tmp_path):
    """Measured with transformers 4.31.0 + sentencepiece 0.1.99 (slow LlamaTokenizer) on this
    tokenizer model: ``</s>`` in the text becomes its id; a special token given as a plain
    string eats the spaces around it, an AddedToken dict (``lstrip/rstrip: false``, what
    Vicuna's config holds) does not; ``legacy: false`` drops the ``▁`` sentencepiece puts
    before the text that follows a special token."""
    sp = _sp(tiny)
    enc = sp.encode

    def bare(text):  # the first piece without its leading ▁ (legacy=False after a special token)
        pieces = sp.encode(text, out_type=str)
        first = [pieces[0][1:]] if len(pieces[0]) > 1 else []
        return [sp.piece_to_id(p) for p in first + pieces[1:]]

    text = "x </s> y"
    plain = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
    added = {k: {"__type": "AddedToken", "content": v, "lstrip": False, "rstrip": False}
             for k, v in plain.items()}
    cases = [
        (dict(plain, legacy=True), [1, *enc("x"), 2, *enc("y")]),
        (dict(plain, legacy=False), [1, *enc("x"), 2, *bare("y")]),
        (dict(added, legacy=True), [1, *enc("x "), 2, *enc(" y")]),
        (dict(added, legacy=False), [1, *enc("x "), 2, *enc(" y")]),  # " y" starts with a space
        ({"legacy": True}, [1, *enc("x "), 2, *enc(" y")]),  # LlamaTokenizer's own AddedTokens
    ]
    for i, (config, want) in enumerate(cases):
        tok = _write_tokenizer(tmp_path / f"t{i}", tiny, config)
        assert tok.encode(text) == want, config
    tok = _write_tokenizer(tmp_path / "eos", tiny, {"add_eos_token": True, "add_bos_token": False})
    assert tok.encode("x") == [*enc("x"), 2]


def test_decode_drops_special_tokens_like_431(tiny):
    """4.31's ``decode(ids, skip_special_tokens=True)``: the special ids go, the rest is one
    sentencepiece decode (the official script prints ``decode(ids)``, which ends in ``</s>``)."""
    tok = OfficialTokenizer.from_folder(tiny["converted"])
    sp = _sp(tiny)
    ids = sp.encode("The person looks happy.\n Yes")
    assert tok.decode([*ids[:3], 2, *ids[3:], 2]) == sp.decode(ids) == "The person looks happy.\n Yes"


def test_convert_keeps_the_checkpoint_tokenizer(tiny):
    out = tiny["converted"] / "official_tokenizer"
    for name in ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"):
        assert (out / name).read_bytes() == (tiny["checkpoint"] / name).read_bytes()


# -- pixels ------------------------------------------------------------------------------------


def _photo() -> np.ndarray:
    try:
        from skimage import data

        return data.astronaut()  # 512x512 RGB photo with a face
    except ImportError:
        from PIL import Image, ImageDraw

        im = Image.new("RGB", (512, 512), (30, 60, 90))
        d = ImageDraw.Draw(im)
        for i in range(0, 512, 9):
            d.line([(i, 0), (511 - i, 511)], fill=(i % 256, 255 - i % 256, 128), width=2)
        d.ellipse([150, 100, 360, 400], fill=(230, 190, 160), outline=(0, 0, 0), width=5)
        return np.asarray(im)


@pytest.mark.parametrize("crop", [(slice(None), slice(None)), (slice(40, 340), slice(None)),
                                  (slice(None), slice(100, 331))])
def test_image_preprocessing_equals_torchvision_antialias(crop):
    """processing_image.py: ToTensor, Resize(224, BICUBIC), CenterCrop(224), Normalize, with
    torchvision >= 0.17's ``antialias=True`` (the official README: torch 2.5.1)."""
    tvf = pytest.importorskip("torchvision.transforms.functional", reason="torchvision is not installed")
    from torchvision.transforms import InterpolationMode

    arr = np.ascontiguousarray(_photo()[crop])
    x = tvf.to_tensor(arr)
    want = tvf.resize(x, 224, interpolation=InterpolationMode.BICUBIC, antialias=True)
    want = tvf.normalize(tvf.center_crop(want, 224), P.CLIP_MEAN, P.CLIP_STD)
    got = P.preprocess_image(arr, 224)
    assert got.shape == want.shape == (3, 224, 224)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)
    aliased = tvf.resize(x, 224, interpolation=InterpolationMode.BICUBIC, antialias=False)
    aliased = tvf.normalize(tvf.center_crop(aliased, 224), P.CLIP_MEAN, P.CLIP_STD)
    assert (got - aliased).abs().max() > 0.1  # the difference the setting makes is visible


# -- decoding ----------------------------------------------------------------------------------


def test_official_sampling_reads_the_generation_config(tiny, tmp_path):
    """inference.py: do_sample=True, temperature=0.1, max_new_tokens=1024; the rest from the
    checkpoint's generation_config.json (make_tiny writes Vicuna's: temperature 0.9, top_p 0.6)
    with transformers' GenerationConfig defaults (top_k 50) where it is silent."""
    assert P.official_sampling(tiny["converted"]) == {
        "temperature": 0.1, "top_p": 0.6, "top_k": 50, "repetition_penalty": 1.0, "max_new_tokens": 1024,
    }
    assert P.official_sampling(tmp_path)["top_p"] == 1.0


def _request(image, max_new_tokens=6):
    from facebench.types import GenerationSettings, Message, Part, Request

    return Request(task="t", key="k", sample_id="s",
                   messages=(Message("user", (Part.image(image), Part.text("What emotion?"))),),
                   generation=GenerationSettings(max_new_tokens=max_new_tokens))


def test_hf_adapter_official_decoding(tiny, tmp_path):
    from PIL import Image

    from facebench.adapters.face_llava_hf import FaceLlavaHFAdapter, bitsandbytes_available

    image = tmp_path / "face.png"
    Image.fromarray(_photo()).save(image)
    folder = str(tiny["converted"])
    greedy = FaceLlavaHFAdapter(model=folder, dtype="float32", device="cpu")
    official = FaceLlavaHFAdapter(model=folder, dtype="float32", device="cpu", decoding="official",
                                  max_new_tokens=12)
    assert greedy.generation_kwargs(_request(image)) == {"max_new_tokens": 6, "temperature": 0.0}
    assert official.generation_kwargs(_request(image)) == {
        "max_new_tokens": 12, "temperature": 0.1, "top_p": 0.6, "top_k": 50,
        "repetition_penalty": 1.0, "seed": 0,
    }
    assert greedy.fingerprint() != official.fingerprint()
    assert official.fingerprint_settings()["decoding"] == "official"
    assert official.fingerprint_settings()["weights"] == ("nf4" if bitsandbytes_available() else "float32")
    if bitsandbytes_available():
        return  # the 4-bit path is test_official_4bit_loading's
    (a,), (b,) = official.generate([_request(image)]), official.generate([_request(image)])
    assert a.ok and a.text == b.text and a.completion_tokens <= 12  # seeded: reproducible


def test_official_4bit_loading(tiny):
    """Where bitsandbytes is installed: every Linear of the language model and of the projector
    and landmark modules in nf4, the towers and lm_head not."""
    pytest.importorskip("bitsandbytes", reason="bitsandbytes is not installed (official 4-bit)")
    import bitsandbytes as bnb

    from facebench.face_llava.reference import FaceLlavaReference

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    ref = FaceLlavaReference.from_folder(tiny["converted"], device=dev, load_4bit=True)
    mm = ref.vision.mm_projector[0]
    assert isinstance(mm, bnb.nn.Linear4bit) and mm.weight.quant_type == "nf4"
    assert isinstance(ref.language_model.model.layers[0].self_attn.q_proj, bnb.nn.Linear4bit)
    assert not isinstance(ref.language_model.lm_head, bnb.nn.Linear4bit)
    towers = [m for n, m in ref.vision.named_modules() if n.startswith(("image_tower", "video_tower"))]
    assert towers and not any(isinstance(m, bnb.nn.Linear4bit) for m in towers)
    ids = P.official_token_ids(P.build_prompt("Q?", ["image"]), OfficialTokenizer.from_folder(tiny["converted"]),
                               ref.cfg.image_token_id)
    from facebench.face_llava.reference import Media

    px = P.preprocess_image(_photo(), ref.cfg.image_size)
    out = ref.generate(ids, [Media("image", px)], max_new_tokens=4, temperature=0.1, top_p=0.6, top_k=50, seed=0)
    assert 0 < len(out) <= 4


def test_vllm_adapter_sampling_params(tiny):
    pytest.importorskip("vllm", reason="vllm is not installed (see .ci/setup_vllm.sh)")
    from facebench.face_llava.vllm_adapter import FaceLlavaVLLMAdapter
    from facebench.types import GenerationSettings

    folder = str(tiny["converted"])
    g = GenerationSettings(max_new_tokens=7)
    greedy = FaceLlavaVLLMAdapter(model=folder).sampling(g)
    assert (greedy.temperature, greedy.max_tokens) == (0.0, 7)
    off = FaceLlavaVLLMAdapter(model=folder, decoding="official", seed=3).sampling(g)
    assert (off.temperature, off.top_p, off.top_k, off.max_tokens, off.seed) == (0.1, 0.6, 50, 1024, 3)
    assert FaceLlavaVLLMAdapter(model=folder).fingerprint() != FaceLlavaVLLMAdapter(
        model=folder, decoding="official").fingerprint()


# -- vLLM floor --------------------------------------------------------------------------------


def test_vllm_version_floor():
    from facebench.face_llava.vllm_plugin import MIN_VLLM, VLLMVersionError, require_vllm

    assert MIN_VLLM == (0, 31)
    for ok in ("0.31.0", "0.32.0+cpu", "0.31.0.dev12+gabc", "1.0.0"):
        assert require_vllm(ok) == ok
    for old in ("0.6.3", "0.30.0", "0.29.0", "0.11.0"):
        with pytest.raises(VLLMVersionError) as e:
            require_vllm(old)
        msg = str(e.value)
        assert "\n" not in msg and "vllm>=0.31" in msg and old in msg


def test_vllm_extra_floor_matches_the_plugin():
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert re.search(r'^vllm = \["vllm>=0\.31"\]', text, re.M)


# -- landmarks ---------------------------------------------------------------------------------


def _points(t: int | None = None) -> np.ndarray:
    """68 (x, y) pixel points of a 256 crop with x != y everywhere (x: column, y: row)."""
    rng = np.random.default_rng(0)
    shape = (68, 2) if t is None else (t, 68, 2)
    pts = rng.uniform(0, 255, size=shape).astype(np.float32)
    pts[..., 1] = 255 - pts[..., 0] * 0.5  # y depends on x but differs from it
    return pts


def test_landmarks_to_input_is_the_official_npy_conversion():
    """processing_image.py: ``torch.from_numpy(np.load(p)) / 256.`` then ``.view(-1)``;
    processing_video.py: ``landmark[frame_id_list] / 256.`` viewed as ``(num_frames, -1)``."""
    from facebench.face_llava.landmarks import landmarks_to_input

    pts = _points()
    got = landmarks_to_input(pts)
    official = (torch.from_numpy(pts) / 256.0).view(-1)
    assert len(got) == 136
    torch.testing.assert_close(torch.tensor(got), official)
    assert got[0] == pytest.approx(pts[0, 0] / 256) and got[1] == pytest.approx(pts[0, 1] / 256)  # x0, y0
    video = _points(16)
    frame_id_list = np.linspace(0, 15, 8, dtype=int)
    official_v = (torch.from_numpy(video[frame_id_list]) / 256.0).view(8, -1)
    torch.testing.assert_close(torch.tensor(landmarks_to_input(video[frame_id_list])), official_v)
    with pytest.raises(ValueError):
        landmarks_to_input(pts.T)


def test_landmark_detector_returns_official_input(tmp_path):
    """A TorchScript stand-in for FAN returning known (x, y) pixels: the detector's output is
    the official landmark vector of those points."""
    from PIL import Image

    from facebench.face_llava.landmarks import landmarks_to_input

    pts = torch.from_numpy(_points())

    class Fixed(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("pts", pts)

        def forward(self, x):
            return self.pts.unsqueeze(0) + 0 * x.mean()

    path = tmp_path / "fan.pt"
    torch.jit.script(Fixed()).save(str(path))
    got = P.LandmarkDetector(path)(Image.fromarray(_photo()))
    assert got == landmarks_to_input(pts.numpy())


def test_converted_landmark_modules_follow_the_official_layout(tiny):
    """FRLP + global projector of the converted folder on a landmark vector equal the official
    LandmarkRegionProjector maths (``x.view(B, F, 68, 2)[:, :, region]`` flattened, one Linear
    per region, + the global Linear on all 136 values) with the official checkpoint's tensors."""
    from safetensors.torch import load_file

    from facebench.face_llava.landmarks import REGIONS, landmarks_to_input
    from facebench.face_llava.reference import FaceLlavaReference

    ck = tiny["checkpoint"]
    index = json.loads((ck / "model.safetensors.index.json").read_text())["weight_map"]
    state = {}
    for f in sorted(set(index.values())):
        state.update(load_file(str(ck / f)))
    ref = FaceLlavaReference.from_folder(tiny["converted"])
    lm = torch.tensor([landmarks_to_input(_points())])  # (1, 136)
    x_points = lm.view(1, 1, 68, 2)
    want = []
    for name, s in REGIONS.items():
        w = state[f"model.landmarks_projector.region_layers.{name}.weight"]
        b = state[f"model.landmarks_projector.region_layers.{name}.bias"]
        want.append(x_points[:, :, s, :].flatten(start_dim=2) @ w.T + b)
    want = torch.stack(want, dim=2).squeeze(1)  # (1, 9, D)
    glob = lm @ state["model.global_landmarks_projector.weight"].T + state["model.global_landmarks_projector.bias"]
    with torch.no_grad():
        got_region = ref.vision.landmarks_projector(lm)
        got_glob = ref.vision.global_landmarks_projector(lm)
        swapped = ref.vision.landmarks_projector(lm.view(1, 68, 2).flip(-1).reshape(1, 136))
    torch.testing.assert_close(got_region, want)
    torch.testing.assert_close(got_glob, glob)
    assert not torch.allclose(swapped, want)  # (y, x) order would give other features
