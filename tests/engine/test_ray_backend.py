"""``facebench run --backend ray``: same results as one process, shards merged, kills survived.

Real parts only: a Ray cluster on 127.0.0.1 (in this process, or ``ray start`` in a child
process group), the loopback OpenAI server, real ``facebench run`` subprocesses. The tests
that need Ray skip when it is not installed (``pip install 'facebench[ray]'``); the shard
merge, the replica resources and ``serve --data-parallel-size`` need no Ray.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

from facebench.adapters.registry import ModelCard
from facebench.engine.ray_backend import merge_shards, replica_resources
from facebench.engine.store import ResponseCache
from facebench.errors import ConfigError
from facebench.fixtures.rafdb import write

from tests.helpers import read_jsonl, run_subprocess
from tests.openai_server import OpenAIServer

N = 40
FOLDER = "facebench/rafdb"  # <model>/<protocol variant>/<task> under --output
#: a Ray that listens on 127.0.0.1 only, with token authentication (its own token, not ~/.ray)
RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_AUTH_MODE": "token"}


# -- fixtures -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ray_env():
    """Ray's settings for this module, set before Ray is imported (it reads them once)."""
    env = {**RAY_ENV, "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        pytest.importorskip("ray")
    except pytest.skip.Exception:
        os.environ.update({k: v for k, v in before.items() if v is not None})
        for k in (k for k, v in before.items() if v is None):
            os.environ.pop(k)
        raise
    yield env
    for k, v in before.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def ray_cluster(ray_env):
    """``ray start --head`` on 127.0.0.1 in its own process group; yields its address."""
    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))  # short: Ray's socket paths
    log = (temp / "head.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block",
         "--node-ip-address", "127.0.0.1", "--port", str(port), "--num-cpus", "2",
         "--include-dashboard", "false", "--temp-dir", str(temp)],
        env={**os.environ, **ray_env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.time() + 90
        while "Ray runtime started" not in (temp / "head.log").read_text():
            assert proc.poll() is None and time.time() < deadline, (temp / "head.log").read_text()
            time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)  # the head and every process it started, by group id
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture
def rafdb(tmp_path):
    """RAF-DB of 40 test faces, one of them unreadable (an error row from the media stage)."""
    data = tmp_path / "data"
    write(data / "RAF-DB", seed=3, n_test=N, n_train=0)
    for path in (data / "RAF-DB/basic/Image").rglob("test_0007*.jpg"):
        path.write_bytes(b"not a jpeg")
    return data


# -- results equal a single-process run --------------------------------------------------------------
def _predictions(out: Path, model: str) -> list[tuple]:
    rows = read_jsonl(out / model / FOLDER / "predictions.jsonl")
    return sorted((p["id"], p["response"], repr(p["parsed"]), p["score"], p["error"]) for p in rows)


def _metrics(out: Path, model: str) -> dict:
    m = json.loads((out / model / FOLDER / "metrics.json").read_text())
    return {k: m[k] for k in ("n", "n_answered", "n_invalid", "n_error", "metrics", "confidence_intervals")}


def _check_folder(out: Path, model: str) -> None:
    """Every item in responses.jsonl, no answer written twice, and no shard left (an error row
    is asked again by every run, so a rerun adds one, as a single-process rerun does)."""
    folder = out / model / FOLDER
    rows = read_jsonl(folder / "responses.jsonl")
    answered = [r["fp"] for r in rows if r["error"] is None]
    assert len(answered) == len(set(answered))
    assert {it["fp"] for it in read_jsonl(folder / "items.jsonl")} == {r["fp"] for r in rows}
    assert not (folder / "shards").exists()


def _run_on_local_ray(*args) -> None:
    """``facebench run ... --backend ray`` in a child process: it starts its own local Ray
    instance with a fresh import (an earlier test of the session may already have imported Ray,
    e.g. through vLLM, with other settings, so Ray is never started inside this process)."""
    env = {k: v for k, v in os.environ.items() if k not in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN")}
    env["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    done = subprocess.run([sys.executable, "-m", "facebench.cli", "run", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]


@pytest.mark.parametrize("adapter", ["random", "replay"])
def test_ray_run_equals_a_single_process_run(cli, rafdb, tmp_path, adapter):
    pytest.importorskip("ray")
    args = ["--tasks", "rafdb", "--data-root", rafdb, "--allow-errors"]
    if adapter == "random":
        model = ["--model", "random"]
    else:  # answers from a file that lacks four of them: those become error rows
        cli("run", "--model", "random", *args, "--output", tmp_path / "source")
        rows = read_jsonl(tmp_path / "source/random" / FOLDER / "responses.jsonl")
        lines = [json.dumps({"task": r["task"], "id": r["id"], "response": r["response"]})
                 for r in rows if r["error"] is None][4:]
        (tmp_path / "replay.jsonl").write_text("\n".join(lines) + "\n")
        model = ["--model", "replay", "--model-arg", f"path={tmp_path / 'replay.jsonl'}"]
    cli("run", *model, *args, "--output", tmp_path / "local")
    _run_on_local_ray(*model, *args, "--output", tmp_path / "ray", "--backend", "ray", "--workers", "2")

    local, on_ray = _predictions(tmp_path / "local", adapter), _predictions(tmp_path / "ray", adapter)
    assert len(on_ray) == N and on_ray == local
    errors = [p for p in on_ray if p[4] is not None]
    assert any("test_0007" in p[0] for p in errors)  # the unreadable face, from the media stage
    assert len(errors) == (1 if adapter == "random" else 5)
    assert _metrics(tmp_path / "ray", adapter) == _metrics(tmp_path / "local", adapter)
    _check_folder(tmp_path / "ray", adapter)


# -- killed replicas and killed runs (openai, loopback server, ray start cluster) -----------------------
def _digest(body: dict) -> str:
    """The server's answer: a digest of what was asked, so a saved answer names its request."""
    return hashlib.sha256(json.dumps(body["messages"], sort_keys=True).encode()).hexdigest()[:16]


@pytest.fixture
def server():
    with OpenAIServer(latency=0.3, responder=_digest) as s:
        yield s


def _openai_card(tmp_path: Path, server: OpenAIServer) -> Path:
    card = tmp_path / "api.yaml"
    card.write_text(
        "name: api\nadapter: openai\nsettings:\n"
        f"  model: fake-model\n  base_url: {server.base_url}\n  api_key_env: null\n"
        "  concurrency: 2\n  batch_size: 4\n  backoff: 0.05\n"
    )
    return card


def _shards(out: Path) -> list[Path]:
    return sorted((out / "api" / FOLDER / "shards").glob("responses.*.jsonl"))


def _saved(out: Path) -> set[str]:
    """Answers (digests) in the shards of the run folder."""
    return {r["response"] for path in _shards(out) for r in read_jsonl(path) if r["error"] is None}


def _wait_for(condition, seconds: float = 90, what: str = "") -> None:
    deadline = time.time() + seconds
    while not condition():
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _pid_of(shard: Path) -> int:
    return int(shard.name.split(".")[1].rsplit("-", 1)[1])  # responses.<host>-<pid>.jsonl


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _run(ray_cluster: str, ray_env: dict, card: Path, data: Path, out: Path) -> subprocess.Popen:
    return run_subprocess(
        "run", "--model", card, "--tasks", "rafdb", "--data-root", data, "--output", out,
        "--backend", "ray", "--ray-address", ray_cluster, "--workers", "2", "--allow-errors",
        env=ray_env,
    )  # fmt: skip


def _check_answers(out: Path) -> None:
    predictions = read_jsonl(out / "api" / FOLDER / "predictions.jsonl")
    assert len(predictions) == N
    assert [p["id"] for p in predictions if p["error"]] == ["test_0007"]
    _check_folder(out, "api")


def test_a_killed_replica_loses_no_saved_answer(ray_cluster, ray_env, server, rafdb, tmp_path):
    out = tmp_path / "results"
    proc = _run(ray_cluster, ray_env, _openai_card(tmp_path, server), rafdb, out)
    try:
        _wait_for(lambda: any(len(read_jsonl(s)) >= 4 for s in _shards(out)), what="4 answers")
        victim = next(s for s in _shards(out) if len(read_jsonl(s)) >= 4)
        os.kill(_pid_of(victim), signal.SIGKILL)  # the replica's process, mid-batch
        _wait_for(lambda: _gone(_pid_of(victim)), what="the replica to die")
        before = {r["response"] for r in read_jsonl(victim) if r["error"] is None}
        assert proc.wait(timeout=180) == 0  # Ray restarts the replica and retries its batch
    finally:
        if proc.poll() is None:
            proc.kill()
    asked = [_digest(b) for b in server.requests]
    assert len(set(asked)) == N - 1  # every readable face was asked
    assert all(asked.count(d) == 1 for d in before), "an answer saved before the kill was asked again"
    assert len(asked) - len(set(asked)) <= 2  # at most the requests in flight in the dead replica
    _check_answers(out)


def test_a_killed_run_resumes_asking_only_what_is_missing(ray_cluster, ray_env, server, rafdb, tmp_path):
    out, card = tmp_path / "results", _openai_card(tmp_path, server)
    proc = _run(ray_cluster, ray_env, card, rafdb, out)
    try:
        _wait_for(lambda: len(_saved(out)) >= 8, what="8 answers")
        proc.send_signal(signal.SIGKILL)  # the driver: Ray ends the job's replicas
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    replicas = [_pid_of(s) for s in _shards(out)]
    _wait_for(lambda: all(_gone(p) for p in replicas), 60, "the replicas to end with their job")
    saved = _saved(out)
    assert 8 <= len(saved) < N - 1, "the kill should land mid-run"
    responses = out / "api" / FOLDER / "responses.jsonl"
    assert not responses.exists() or not responses.read_text().strip()  # all in the shards

    server.reset()
    assert _run(ray_cluster, ray_env, card, rafdb, out).wait(timeout=180) == 0
    asked_again = [_digest(b) for b in server.requests]
    assert len(asked_again) == len(set(asked_again)) == N - 1 - len(saved)
    assert saved.isdisjoint(asked_again)
    _check_answers(out)


# -- pieces that need no Ray ---------------------------------------------------------------------------
def _row(fp: str, response: str | None = "ok", error: str | None = None) -> dict:
    return {"fp": fp, "task": "t", "id": fp, "response": response, "error": error, "time": 1.0}


def test_merge_adds_what_is_missing_once_and_is_idempotent(tmp_path):
    cache = ResponseCache(tmp_path / "responses.jsonl")
    cache.append([_row("a"), _row("b", None, "timeout")])
    shards = tmp_path / "shards"
    shards.mkdir()
    (shards / "responses.h-1.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in (_row("a", "other"), _row("b", None, "timeout"), _row("c")))
        + '{"fp": "d", "resp'  # a replica killed mid-write
    )
    (shards / "responses.h-2.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in (_row("e", None, "500"), _row("e"), _row("b")))
    )
    assert merge_shards(cache, remove=False) == 3  # c, e's answer, b's answer; a keeps its own
    assert merge_shards(cache) == 0 and not shards.exists()
    cache.close()
    rows = read_jsonl(tmp_path / "responses.jsonl")
    assert [(r["fp"], r["error"]) for r in rows] == [
        ("a", None), ("b", "timeout"), ("c", None), ("e", None), ("b", None)
    ]
    assert ResponseCache(tmp_path / "responses.jsonl").get("a")["response"] == "ok"


def test_replica_resources_follow_the_card():
    vllm = ModelCard(name="m", adapter="vllm", settings={"model": "m", "tensor_parallel_size": 2})
    assert replica_resources(vllm, {}, cluster_gpus=8) == {"num_cpus": 1, "num_gpus": 2}
    assert replica_resources(vllm, {"tensor_parallel_size": 4}, 8)["num_gpus"] == 4
    assert replica_resources(vllm, {}, cluster_gpus=0)["num_gpus"] == 0  # vLLM on CPU
    with pytest.raises(ConfigError, match="needs 2 GPUs"):
        replica_resources(vllm, {}, cluster_gpus=1)
    hf = ModelCard(name="h", adapter="hf", settings={"model": "h"})
    assert replica_resources(hf, {}, 8)["num_gpus"] == 1
    assert replica_resources(hf, {"device_map": None}, 8)["num_gpus"] == 0
    for name in ("random", "replay", "openai"):
        assert replica_resources(ModelCard(name=name, adapter=name), {}, 8)["num_gpus"] == 0


def test_serve_dry_run_carries_data_parallel_size(cli):
    result = cli("serve", "qwen2.5-vl-7b-vllm", "--data-parallel-size", "4", "--dry-run")
    command = result.stdout.splitlines()[1]  # the server command, as a comment of the card
    assert "--data-parallel-size 4" in command
    plain = cli("serve", "qwen2.5-vl-7b-vllm", "--dry-run").stdout
    assert "--data-parallel-size" not in plain.splitlines()[1]
    # the client keeps four times the requests in flight, one share per engine replica
    wide, one = yaml.safe_load(result.stdout)["settings"], yaml.safe_load(plain)["settings"]
    assert wide["concurrency"] == 4 * one["concurrency"]
