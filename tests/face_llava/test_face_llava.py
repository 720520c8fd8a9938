"""Face-LLaVA: reference, converter, vLLM plugin parity, and the served model through
``facebench run``. Skips cleanly when torch / transformers / vllm are not importable (run them
in the venv made by ``.ci/setup_vllm.sh``)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).parent
REPO = HERE.parents[1]

torch = pytest.importorskip("torch", reason="torch is not installed (Face-LLaVA reference)")
pytest.importorskip("transformers", reason="transformers is not installed")
pytest.importorskip("safetensors", reason="safetensors is not installed")
pytest.importorskip("sentencepiece", reason="sentencepiece is not installed (tiny tokenizer)")

from facebench.face_llava import processing as P  # noqa: E402

# the ``tiny`` fixture (a tiny official checkpoint and its converted folder) is in conftest.py


# -- pure pieces -------------------------------------------------------------------------------


def test_prompt_is_llava_v1():
    assert P.build_prompt("Q?", ["image"]) == (
        "A chat between a curious human and an artificial intelligence assistant. The assistant "
        "gives helpful, detailed, and polite answers to the human's questions. USER: <image>\nQ? "
        "ASSISTANT:"
    )
    assert "USER: <image> <image> <image> <image> <image> <image> <image> <image>\nQ?" in P.build_prompt(
        "Q?", ["video"]
    )


def test_chat_template_renders_the_same_prompt():
    jinja2 = pytest.importorskip("jinja2")
    t = jinja2.Environment().from_string(P.CHAT_TEMPLATE)
    msgs = [{"role": "user", "content": [{"type": "image_url"}, {"type": "text", "text": "Q?"}]}]
    assert t.render(messages=msgs, add_generation_prompt=True) == P.build_prompt("Q?", ["image"])


def test_official_frame_indices_floor_and_repeat():
    assert P.official_frame_indices(16, 8) == [0, 2, 4, 6, 8, 10, 12, 15]
    assert P.official_frame_indices(4, 8) == [0, 0, 0, 1, 1, 2, 2, 3]


def test_packed_attention_matches_torch_multihead_attention():
    from facebench.face_llava.landmarks import PackedMultiheadAttention

    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(32, 8, batch_first=True).eval()
    mine = PackedMultiheadAttention(32, 8)
    mine.load_state_dict({k: v for k, v in ref.state_dict().items()})
    q, kv = torch.randn(2, 5, 32), torch.randn(2, 9, 32)
    torch.testing.assert_close(mine(q, kv), ref(q, kv, kv, need_weights=False)[0])


def test_region_projector_shapes():
    from facebench.face_llava.landmarks import LandmarkRegionProjector

    p = LandmarkRegionProjector(16)
    assert p(torch.rand(3, 136)).shape == (3, 9, 16)
    assert p(torch.rand(2, 8, 136)).shape == (2, 8, 9, 16)


# -- reference and converter ------------------------------------------------------------------


def test_convert_layout(tiny):
    out = tiny["converted"]
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model_type"] == "llama"
    assert cfg["architectures"] == ["FaceLlavaForConditionalGeneration"]
    fl = cfg["face_llava"]
    assert fl["video_tower"]["add_time_attn"] and fl["video_tower"]["num_frames"] == 8
    assert fl["image_token_id"] >= cfg["vocab_size"] and fl["video_token_id"] >= cfg["vocab_size"]
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as f:
        keys = set(f.keys())
    assert "mm_projector.0.weight" in keys and "lm_head.weight" in keys
    assert "video_tower.encoder.layers.0.temporal_attn.q_proj.weight" in keys
    # layer -2 of 3: the last tower layer is not needed and not written
    assert not any(k.startswith("image_tower.encoder.layers.2.") for k in keys)


def test_reference_depends_on_media_and_landmarks(tiny):
    from facebench.face_llava.reference import FaceLlavaReference, Media
    from facebench.face_llava.tokenizer import OfficialTokenizer

    folder = tiny["converted"]
    ref = FaceLlavaReference.from_folder(folder)
    tok = OfficialTokenizer.from_folder(folder)
    cfg = ref.cfg
    rng = __import__("numpy").random.default_rng(0)
    ids = P.official_token_ids(P.build_prompt("Q?", ["image"]), tok, cfg.image_token_id)
    outs = set()
    for _ in range(2):
        img = (rng.random((64, 64, 3)) * 255).astype("uint8")
        px = P.preprocess_image(img, cfg.image_size)
        outs.add(tuple(ref.generate(ids, [Media("image", px)], max_new_tokens=8)))
    lm = torch.rand(136)
    outs.add(tuple(ref.generate(ids, [Media("image", px, lm)], max_new_tokens=8)))
    assert len(outs) == 3


def test_hf_adapter_on_demo_task(tiny, tmp_path):
    from facebench.adapters.face_llava_hf import FaceLlavaHFAdapter
    from facebench.types import GenerationSettings, Message, Part, Request

    demo = REPO / "facebench" / "demo_data"
    image = next(demo.rglob("*.jpg"))
    ad = FaceLlavaHFAdapter(model=str(tiny["converted"]), dtype="float32", device="cpu")
    req = Request(task="t", key="k", sample_id="s",
                  messages=(Message("user", (Part.image(image), Part.text("What emotion?"))),),
                  generation=GenerationSettings(max_new_tokens=6))
    (resp,) = ad.generate([req])
    assert resp.ok and resp.completion_tokens and resp.completion_tokens <= 6


# -- vLLM -------------------------------------------------------------------------------------


def _vllm_env(tmp_path: Path) -> dict[str, str]:
    """Subprocess env whose ``vllm.general_plugins`` entry point names the facebench plugin,
    whether or not the installed facebench metadata already declares it."""
    shim = tmp_path / "epshim" / "facebench_face_llava_plugin-0.0.dist-info"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "METADATA").write_text("Metadata-Version: 2.1\nName: facebench-face-llava-plugin\nVersion: 0.0\n")
    (shim / "entry_points.txt").write_text(
        "[vllm.general_plugins]\nface_llava = facebench.face_llava.vllm_plugin:register\n\n"
        "[facebench.adapters]\n"
        "face-llava-hf = facebench.adapters.face_llava_hf:FaceLlavaHFAdapter\n"
        "face-llava-vllm = facebench.face_llava.vllm_adapter:FaceLlavaVLLMAdapter\n"
        "face-llava-openai = facebench.face_llava.openai_adapter:FaceLlavaOpenAIAdapter\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(shim.parent), str(REPO), env.get("PYTHONPATH", "")])
    env.update(HF_HUB_OFFLINE="1", VLLM_CPU_KVCACHE_SPACE="1", TOKENIZERS_PARALLELISM="false")
    return env


@pytest.mark.slow
def test_vllm_greedy_parity(tiny, tmp_path):
    pytest.importorskip("vllm", reason="vllm is not installed (see .ci/setup_vllm.sh)")
    report = tmp_path / "parity.json"
    proc = subprocess.run(
        [sys.executable, str(HERE / "parity.py"), str(tiny["converted"]), str(report)],
        env=_vllm_env(tmp_path), capture_output=True, text=True, timeout=900,
    )
    assert report.is_file(), proc.stderr[-3000:]
    rep = json.loads(report.read_text())
    for name, case in rep["cases"].items():
        assert case["match"], f"{name}: vllm {case['vllm']} != reference {case['reference']}"
        # the language model saw the official ids, each <image> widened to its feature slots
        assert case["prompt_ids_official"], name
    assert set(rep["cases"]) == {"image", "video", "image+landmarks", "video+landmarks"}
    assert rep["distinct_outputs"] == 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_served_model_through_facebench_run(tiny, tmp_path):
    pytest.importorskip("vllm", reason="vllm is not installed (see .ci/setup_vllm.sh)")
    pytest.importorskip("openai", reason="openai is not installed")
    env = _vllm_env(tmp_path)
    port = _free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "facebench", "serve", "face-llava", str(tiny["converted"]),
         "--port", str(port), "--dtype", "float32",
         "--model-arg", "max_model_len=2048", "--model-arg", "enforce_eager=true"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        import urllib.request

        deadline = time.time() + 600
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
                assert time.time() < deadline, "server did not come up"
                time.sleep(2)
        out = tmp_path / "results"
        proc = subprocess.run(
            [sys.executable, "-m", "facebench", "run", "--model", "face-llava-server",
             "--model-arg", f"base_url=http://127.0.0.1:{port}/v1", "--tasks", "rafdb,dfew",
             "--output", str(out)],
            env=env, capture_output=True, text=True, timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        for task in ("rafdb", "dfew"):
            rows = [json.loads(l) for l in (out / "face-llava-server" / "facebench" / task / "responses.jsonl").read_text().splitlines()]
            assert rows and all(r["error"] is None for r in rows), rows[:2]
            assert (out / "face-llava-server" / "facebench" / task / "metrics.json").is_file()
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
