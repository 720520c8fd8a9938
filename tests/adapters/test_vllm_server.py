"""``facebench serve`` starting the real vLLM OpenAI server for a tiny model, and ``facebench
run`` talking to it through the printed ``openai`` card, compared with the in-process ``vllm``
adapter on the very same requests.

Real processes throughout: ``python -m facebench serve CARD --port N`` becomes
``python -m vllm.entrypoints.openai.api_server`` (CPU engine, 127.0.0.1, a free port), and
``python -m facebench run`` is the normal CLI on the embedded demo data. The server's process
group is always stopped at the end. Skipped when vLLM is not installed (CI runs it in the venv
made by ``.ci/setup_vllm.sh``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

pytest.importorskip("vllm")
pytest.importorskip("openai")
pytest.importorskip("torch")
pytest.importorskip("transformers")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

from facebench.adapters.openai_api import OpenAIAdapter
from facebench.adapters.vllm_local import VLLMAdapter
from facebench.types import Message, Part, Request

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 600  # s; ~25 s on an idle 2-core machine
RUN_TIMEOUT = 600
TASKS = ("rafdb", "dfew")
#: as in test_vllm_adapter: a checkpoint default the server and the adapter must both apply
PENALTY = 1.3
#: the in-process engine gets the same settings as the served one
SETTINGS = {
    "dtype": "float32",
    "enforce_eager": True,
    "max_model_len": 2048,
    # the openai adapter sends a video as 8 frames, i.e. 8 images
    "limit_mm_per_prompt": {"image": 8, "video": 1},
    "batch_size": 4,
}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        VLLM_CPU_KVCACHE_SPACE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    return env


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(
                f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return json.load(reply)
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}"
                )
            time.sleep(1)


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and its engine process (its own process group, started by us)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:  # the engine core may outlive the API process by a moment
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def as_sent_by_openai(request: Request, folder: Path) -> Request:
    """The request the server actually receives, as files: the openai adapter's own messages
    (images byte for byte, a video as ``num_frames`` JPEG frames) decoded back to image parts.
    """
    client = OpenAIAdapter(model="m", base_url="http://127.0.0.1:1/v1", api_key_env=None)
    messages = []
    for m in client.build_messages(request):
        if isinstance(m["content"], str):
            messages.append(Message(m["role"], (Part.text(m["content"]),)))
            continue
        parts = []
        for p in m["content"]:
            if p["type"] == "text":
                parts.append(Part.text(p["text"]))
                continue
            head, data = p["image_url"]["url"].split(",", 1)
            ext = {"data:image/jpeg;base64": ".jpg", "data:image/png;base64": ".png"}[head]
            f = folder / f"{request.task}-{request.key.replace('/', '_')}-{len(parts)}{ext}"
            f.write_bytes(base64.b64decode(data))
            parts.append(Part.image(f))
        messages.append(Message(m["role"], tuple(parts)))
    return Request(
        task=request.task,
        key=request.key,
        sample_id=request.sample_id,
        messages=tuple(messages),
        generation=request.generation,
    )


@pytest.fixture(scope="module")
def model_dir(tiny_qwen2vl, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("served") / "tiny-qwen2vl"
    shutil.copytree(tiny_qwen2vl, out)
    cfg_file = out / "generation_config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg_file.write_text(json.dumps({**cfg, "repetition_penalty": PENALTY}))
    return out


def test_serve_then_run_answers_like_the_in_process_adapter(model_dir, tmp_path):
    card = tmp_path / "tiny-qwen2vl-vllm.yaml"
    card.write_text(yaml.safe_dump({
        "name": "tiny-qwen2vl-vllm", "adapter": "vllm",
        "settings": {"model": str(model_dir), **SETTINGS},
    }))  # fmt: skip
    served = tmp_path / "served.yaml"
    port = _free_port()
    log = tmp_path / "serve.log"
    env = _env()
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "facebench", "serve", str(card), "--port", str(port),
             "--card-out", str(served)],
            cwd=tmp_path, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )  # fmt: skip
    local = None
    try:
        # start the in-process engine while the server loads (both take ~20-60 s)
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
        local = VLLMAdapter(model=str(model_dir), **SETTINGS)
        local._load()
        models = _wait_ready(f"http://127.0.0.1:{port}/v1/models", server, log, READY_TIMEOUT)
        assert [m["id"] for m in models["data"]] == ["tiny-qwen2vl-vllm"]

        client_card = yaml.safe_load(served.read_text())
        assert client_card["adapter"] == "openai"
        assert client_card["settings"]["base_url"] == f"http://127.0.0.1:{port}/v1"
        out = tmp_path / "results"
        run = subprocess.run(
            [sys.executable, "-m", "facebench", "run", "--model", str(served),
             "--tasks", ",".join(TASKS), "--limit", "4", "--output", str(out)],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]

        frames = tmp_path / "as_sent"
        frames.mkdir()
        for task in TASKS:
            folder = out / "tiny-qwen2vl-vllm-server" / "facebench~limit=4+seed=0" / task
            rows = {r["id"]: r for r in read_jsonl(folder / "responses.jsonl")}
            items = list(read_jsonl(folder / "items.jsonl"))
            assert len(items) == 4 and set(rows) == {it["id"] for it in items}
            assert all(r["error"] is None for r in rows.values()), list(rows.values())[:2]
            requests = [Request.from_dict(it["request"]) for it in items]
            if task == "dfew":
                assert all(p.type == "video" for r in requests for p in r.messages[-1].content
                           if p.type != "text")  # fmt: skip
            mine = local.generate([as_sent_by_openai(r, frames) for r in requests])
            assert all(r.ok for r in mine), [r.error for r in mine]
            theirs = [rows[r.key] for r in requests]
            # the openai adapter keeps the reply as it is; the vllm adapter strips it
            assert [t["response"].strip() for t in theirs] == [m.text for m in mine], task
            assert [t["prompt_tokens"] for t in theirs] == [m.prompt_tokens for m in mine]
            assert [t["completion_tokens"] for t in theirs] == [m.completion_tokens for m in mine]
            assert all(m.completion_tokens for m in mine)
            metrics = json.loads((folder / "metrics.json").read_text())
            assert metrics["n"] == 4 and metrics["n_error"] == 0
    finally:
        _stop(server)
        if local is not None:
            local.close()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
