"""Each answer is saved as it arrives; a failed run says so and exits non-zero.

Real parts only: the loopback OpenAI server of tests/openai_server.py in this process and
``facebench run`` in a child process, interrupted with SIGINT or killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from facebench.fixtures.rafdb import write

from tests.helpers import read_jsonl, run_subprocess
from tests.openai_server import OpenAIServer

N = 60
CONCURRENCY = 4


def _card(path: Path, base_url: str, **settings) -> Path:
    body = {"model": "fake-model", "base_url": base_url, "api_key_env": None, "concurrency": CONCURRENCY,
            "batch_size": 64, "max_retries": 0, "timeout": 5, **settings}
    path.write_text("name: api\nadapter: openai\nsettings: " + json.dumps(body) + "\n")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def tree(tmp_path):
    write(tmp_path / "data" / "RAF-DB", seed=3, n_test=N, n_train=0)
    return tmp_path


def _args(tmp_path: Path, card: Path, *extra: str) -> list[str]:
    return ["run", "--model", str(card), "--tasks", "rafdb", "--data-root", str(tmp_path / "data"),
            "--output", str(tmp_path / "out"), *extra]


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def _wait_for_lines(path: Path, n: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and _lines(path) < n:
        time.sleep(0.02)
    assert _lines(path) >= n, f"{path} never reached {n} lines"


def test_sigint_saves_every_answer_and_says_how_many(tree):
    """Ctrl-C mid-run: the answers already back are on disk (not held for a batch of 64)."""
    with OpenAIServer(latency=0.1) as server:
        card = _card(tree / "api.yaml", server.base_url)
        responses = tree / "out/api/facebench/rafdb/responses.jsonl"
        proc = run_subprocess(*_args(tree, card), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for_lines(responses, 10)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        saved = _lines(responses)
        assert 10 <= saved < N
        assert f"{saved} responses saved this run" in err
        sent_before = server.count
        # only what was in flight at the interrupt was asked and not kept
        assert sent_before - saved <= CONCURRENCY

        assert run_subprocess(*_args(tree, card), stderr=subprocess.DEVNULL).wait(timeout=60) == 0
        assert server.count - sent_before == N - saved, "a saved answer was asked again"
    predictions = read_jsonl(tree / "out/api/facebench/rafdb/predictions.jsonl")
    assert len(predictions) == N and all(p["error"] is None for p in predictions)


def test_kill_9_costs_at_most_the_requests_in_flight(tree):
    """After k kills, requests sent <= n + k x concurrency, and every answer is kept once."""
    kills = 3
    with OpenAIServer(latency=0.05) as server:
        card = _card(tree / "api.yaml", server.base_url)
        responses = tree / "out/api/facebench/rafdb/responses.jsonl"
        for k in range(kills):
            proc = run_subprocess(*_args(tree, card), stderr=subprocess.DEVNULL)
            _wait_for_lines(responses, (k + 1) * 12)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        assert _lines(responses) < N, "the kills should land mid-run"
        assert run_subprocess(*_args(tree, card), stderr=subprocess.DEVNULL).wait(timeout=60) == 0
        assert server.count <= N + kills * CONCURRENCY
    rows = read_jsonl(responses)
    assert len({r["fp"] for r in rows}) == N
    predictions = read_jsonl(tree / "out/api/facebench/rafdb/predictions.jsonl")
    assert sorted(p["id"] for p in predictions) == sorted(f"test_{i:04d}" for i in range(1, N + 1))


def test_server_down_is_an_error_not_a_score(tree):
    """Every request fails: exit 1, the first error named, no accuracy published."""
    card = _card(tree / "api.yaml", f"http://127.0.0.1:{_free_port()}/v1")
    proc = subprocess.run([sys.executable, "-m", "facebench.cli", *_args(tree, card)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "60 of 60 samples are errors" in proc.stderr
    assert "first: test_0001: APIConnectionError" in proc.stderr
    assert "Traceback" not in proc.stderr
    metrics = json.loads((tree / "out/api/facebench/rafdb/metrics.json").read_text())
    assert metrics["n_error"] == N and metrics["n_answered"] == 0 and metrics["complete"] is False
    assert metrics["metrics"]["accuracy"] is None
    assert metrics["first_error"].startswith("test_0001: ")

    relaxed = subprocess.run([sys.executable, "-m", "facebench.cli", *_args(tree, card, "--allow-errors")],
                             capture_output=True, text=True, timeout=120)
    assert relaxed.returncode == 0, relaxed.stderr

    board = tree / "board.csv"
    subprocess.run([sys.executable, "-m", "facebench.cli", "leaderboard", str(tree / "out"), "--csv", str(board)],
                   check=True, capture_output=True, timeout=60)
    import pandas as pd

    row = pd.read_csv(board).set_index("model").loc["api"]
    assert row["rafdb/coverage"] == 0.0 and row["rafdb/errors"] == N
    assert pd.isna(row["rafdb/accuracy"])


def test_moving_the_server_keeps_the_cache(tree):
    """The server URL says where, not what: another port re-asks nothing."""
    with OpenAIServer() as first:
        card = _card(tree / "api.yaml", first.base_url)
        assert run_subprocess(*_args(tree, card), stderr=subprocess.DEVNULL).wait(timeout=60) == 0
        assert first.count == N
    with OpenAIServer() as second:
        moved = run_subprocess(*_args(tree, card, "--model-arg", f"base_url={second.base_url}"),
                               stderr=subprocess.DEVNULL)
        assert moved.wait(timeout=60) == 0
        assert second.count == 0
        # ...unless the card says the URL identifies the model
        strict = _card(tree / "api.yaml", second.base_url, base_url_identifies_model=True)
        # other model settings under the same name are refused, never written over the result
        assert run_subprocess(*_args(tree, strict), stderr=subprocess.DEVNULL).wait(timeout=60) == 1
        assert second.count == 0
        named = run_subprocess(*_args(tree, strict, "--name", "api-by-url"), stderr=subprocess.DEVNULL)
        assert named.wait(timeout=60) == 0
        assert second.count == N


def test_results_files_share_one_mode(tree, cli):
    cli("run", "--model", "random", "--tasks", "rafdb", "--data-root", tree / "data", "--output", tree / "out")
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tree / "out/random/facebench/rafdb").iterdir()}
    assert set(modes) >= {"items.jsonl", "responses.jsonl", "predictions.jsonl", "metrics.json", "run.json"}
    assert len(set(modes.values())) == 1, modes
    umask = os.umask(0)
    os.umask(umask)
    assert set(modes.values()) == {0o666 & ~umask}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--limit", "0"], "--limit must be a positive number"),
        (["--limit", "-3"], "--limit must be a positive number"),
        (["--prompt", "opne"], "no selected task has that style"),
        (["--prompt", "rafdb=opne"], "rafdb has no prompt style 'opne'"),
        (["--prompt", "dfew=open"], "task 'dfew' is not selected"),
        (["--name", "../elsewhere"], "cannot be a results folder name"),
        (["--name", "a/b"], "cannot be a results folder name"),
        (["--name", ".."], "cannot be a results folder name"),
    ],
)
def test_bad_options_are_one_line_errors(tree, extra, message):
    proc = subprocess.run(
        [sys.executable, "-m", "facebench.cli", "run", "--model", "random", "--tasks", "rafdb",
         "--data-root", str(tree / "data"), "--output", str(tree / "out"), *extra],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tree / "elsewhere").exists() and not (tree / "out" / "a").exists()


def test_output_that_is_a_file_is_refused(tree):
    target = tree / "results.txt"
    target.write_text("not a folder")
    proc = subprocess.run(
        [sys.executable, "-m", "facebench.cli", "run", "--model", "random", "--tasks", "rafdb",
         "--data-root", str(tree / "data"), "--output", str(target)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and "is a file, not a folder" in proc.stderr
    assert target.read_text() == "not a folder"


def test_card_name_that_escapes_output_is_refused(tree):
    card = tree / "evil.yaml"
    card.write_text("name: ../../escaped\nadapter: random\n")
    proc = subprocess.run(
        [sys.executable, "-m", "facebench.cli", "run", "--model", str(card), "--tasks", "rafdb",
         "--data-root", str(tree / "data"), "--output", str(tree / "out")],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2 and "model card name" in proc.stderr
    assert not (tree.parent / "escaped").exists()
