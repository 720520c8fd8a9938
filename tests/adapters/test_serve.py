"""``facebench serve``: the vLLM server command built from a card, the openai card it prints, and
an end-to-end run through a real HTTP server started by ``serve`` (the test server stands in for
vLLM through the hidden ``--server-module`` option)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from facebench.adapters.registry import ModelCard, build_adapter, load_card
from facebench.errors import ConfigError
from facebench.serve import plan

ROOT = Path(__file__).resolve().parents[2]
SERVER = [sys.executable, "-m", "vllm.entrypoints.openai.api_server"]


def test_command_from_the_vllm_card_is_exact():
    p = plan(load_card("qwen2.5-vl-7b-vllm"), port=8123)
    assert p.command == SERVER + [
        "--model", "Qwen/Qwen2.5-VL-7B-Instruct",
        "--served-model-name", "qwen2.5-vl-7b-vllm",
        "--host", "127.0.0.1",
        "--port", "8123",
        "--dtype", "bfloat16",
        "--tensor-parallel-size", "1",
        "--max-model-len", "32768",
        "--limit-mm-per-prompt", '{"image": 8, "video": 1}',
        "--gpu-memory-utilization", "0.9",
        "--seed", "0",
        "--mm-processor-kwargs", '{"max_pixels": 1003520}',
    ]  # fmt: skip


def test_every_vllm_setting_reaches_the_server_and_engine_kwargs_win():
    card = ModelCard(name="m", adapter="vllm", settings={
        "model": "/models/m", "dtype": "float16", "tensor_parallel_size": 2,
        "limit_mm_per_prompt": {"image": 2}, "gpu_memory_utilization": 0.5,
        "enforce_eager": True, "trust_remote_code": True, "revision": "abc", "seed": 3,
        "max_new_tokens": 32, "video_mode": "frames",  # client side: no server flag
        "engine_kwargs": {"max_num_seqs": 16, "dtype": "float32", "enable_prefix_caching": True},
    })  # fmt: skip
    p = plan(card, host="127.0.0.1", port=9000)
    assert p.command == SERVER + [
        "--model", "/models/m", "--served-model-name", "m", "--host", "127.0.0.1",
        "--port", "9000", "--dtype", "float32", "--tensor-parallel-size", "2",
        "--limit-mm-per-prompt", '{"image": 2}', "--gpu-memory-utilization", "0.5",
        "--enforce-eager", "--trust-remote-code", "--revision", "abc", "--seed", "3",
        "--max-num-seqs", "16", "--enable-prefix-caching",
    ]  # fmt: skip
    assert any("takes 2 image(s)" in n for n in p.notes)  # video tasks would not fit


@pytest.mark.parametrize("settings", [{"enable_prefix_caching": False},
                                      {"engine_kwargs": {"enable_prefix_caching": False}}])
def test_a_card_that_turns_prefix_caching_off_turns_it_off_on_the_server(settings):
    card = ModelCard(name="m", adapter="vllm", settings={"model": "/models/m", **settings})
    command = plan(card, port=9000).command
    assert "--no-enable-prefix-caching" in command and "--enable-prefix-caching" not in command
    default = plan(ModelCard(name="m", adapter="vllm", settings={"model": "/models/m"}), port=9000).command
    assert not any("prefix-caching" in part for part in default)


def test_hf_cards_serve_with_room_for_video_frames_and_remote_code_only_when_asked():
    llava = plan(load_card("llava-1.5-7b"), overrides={"model": "/models/llava"})
    assert llava.command == SERVER + [
        "--model", "/models/llava", "--served-model-name", "llava-1.5-7b", "--host",
        "127.0.0.1", "--port", "8000", "--dtype", "bfloat16",
        "--limit-mm-per-prompt", '{"image": 8}',
    ]  # fmt: skip
    assert "--trust-remote-code" in plan(load_card("videollama3-7b")).command
    qwen = plan(load_card("qwen2.5-vl-7b")).command
    assert qwen[qwen.index("--mm-processor-kwargs") + 1] == '{"max_pixels": 1003520}'


def test_cards_of_other_adapters_and_bad_settings_are_refused():
    with pytest.raises(ConfigError, match="adapter 'openai'"):
        plan(load_card("gpt-4o-mini"))
    with pytest.raises(ConfigError, match="max_model_lenn"):
        plan(ModelCard(name="m", adapter="vllm", settings={"model": "m", "max_model_lenn": 4}))


def test_a_missing_vllm_is_named_before_anything_is_printed(cli):
    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vllm is installed")
    result = cli("serve", "qwen2.5-vl-7b-vllm", expect=2)
    assert "vllm is not installed" in result.output and "adapter: openai" not in result.stdout


def test_printed_card_validates_and_points_at_the_port(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    out = tmp_path / "served.yaml"
    result = cli("serve", "qwen2.5-vl-7b-vllm", "--port", "8123", "--dry-run", "--card-out", out,
                 "--model-arg", "max_model_len=8192", "--tensor-parallel-size", "2")  # fmt: skip
    stdout = result.stdout
    assert out.read_text() == stdout
    command = stdout.splitlines()[1]  # the command, as a comment
    assert "--max-model-len 8192" in command and "--tensor-parallel-size 2" in command
    card = ModelCard.model_validate(yaml.safe_load(stdout))
    assert card.name == "qwen2.5-vl-7b-vllm-server" and card.adapter == "openai"
    adapter = build_adapter(card)
    assert adapter.settings.base_url == "http://127.0.0.1:8123/v1"
    assert adapter.settings.model == "qwen2.5-vl-7b-vllm"  # the --served-model-name
    assert adapter._api_key() == "EMPTY"  # no environment variable needed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited {proc.returncode}: {proc.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                return json.load(reply)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} not ready after {timeout}s")


def test_serve_then_run_through_the_printed_card(cli, tmp_path):
    port = _free_port()
    card_file = tmp_path / "served.yaml"
    env = {**os.environ, "OPENAI_SERVER_ANSWER": "A", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "facebench", "serve", "qwen2.5-vl-7b-vllm", "--port", str(port),
         "--card-out", str(card_file), "--server-module", "tests.openai_server"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        models = _wait_ready(f"http://127.0.0.1:{port}/v1/models", proc)
        assert [m["id"] for m in models["data"]] == ["qwen2.5-vl-7b-vllm"]
        out = tmp_path / "results"
        cli("run", "--model", card_file, "--tasks", "rafdb", "--limit", "4", "--output", out)
        metrics = json.loads((out / "qwen2.5-vl-7b-vllm-server/facebench~limit=4+seed=0/rafdb/metrics.json").read_text())
        assert (metrics["n"], metrics["n_error"], metrics["n_invalid"]) == (4, 0, 0)
    finally:
        proc.terminate()  # serve became the server (exec): this stops it
        proc.wait(timeout=10)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=1)


def test_face_llava_card_serves_with_its_own_flags_and_client():
    """``facebench serve face-llava DIR`` (the form docs/face-llava.md uses)."""
    pytest.importorskip("facebench.face_llava.serve")
    from facebench.face_llava.openai_adapter import FaceLlavaOpenAISettings

    p = plan(load_card("face-llava"), port=8001, overrides={"model": "/models/fl"})
    cmd = p.command
    assert cmd[:5] == SERVER + ["--model", "/models/fl"]
    assert cmd[cmd.index("--served-model-name") + 1] == "face-llava"
    assert "--chat-template-content-format" in cmd and "--trust-request-mm-kwargs" in cmd
    assert p.card.adapter == "face-llava-openai"
    settings = FaceLlavaOpenAISettings.model_validate(p.card.settings)
    assert (settings.model, settings.base_url) == ("face-llava", "http://127.0.0.1:8001/v1")
