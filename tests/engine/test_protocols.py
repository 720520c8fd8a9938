"""Protocols are named, recorded in every result, and results of different settings never
overwrite each other (results identity)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from facebench.fixtures.rafdb import write

from tests.helpers import read_jsonl, run_subprocess


@pytest.fixture
def data_root(tmp_path):
    write(tmp_path / "data" / "RAF-DB", seed=2, n_test=30, n_train=0)
    return tmp_path / "data"


def _run(cli, data_root, out, *extra, expect=0):
    return cli("run", "--model", "random", "--tasks", "rafdb", "--data-root", data_root, "--output", out,
               *extra, expect=expect)


def test_list_protocols_names_each_with_its_tasks(cli):
    out = cli("list", "protocols").output
    lines = {line.split(":")[0]: line for line in out.splitlines()}
    assert {"facebench (default)", "face-mllm", "face-llava"} <= set(lines)
    assert "rafdb" in lines["face-mllm"] and "lfwa" in lines["face-mllm"]
    assert "dfew" in lines["face-llava"] and "lfwa" not in lines["face-llava"]


def test_every_result_records_its_protocol_and_settings(cli, data_root, tmp_path):
    out = tmp_path / "out"
    result = _run(cli, data_root, out, "--protocol", "face-mllm")
    assert "protocol: face-mllm" in result.output
    metrics = json.loads((out / "random/face-mllm/rafdb/metrics.json").read_text())
    assert (metrics["protocol"], metrics["variant"], metrics["overrides"]) == ("face-mllm", "face-mllm", {})
    assert metrics["style"] == "mcq" and metrics["mode"] == "strict" and metrics["limit"] is None


def test_two_protocols_and_an_override_into_one_folder_keep_all_three(cli, data_root, tmp_path):
    out = tmp_path / "out"
    _run(cli, data_root, out)
    _run(cli, data_root, out, "--protocol", "face-mllm")
    _run(cli, data_root, out, "--protocol", "face-mllm", "--limit", "10")
    folders = sorted(p.parent.parent.name for p in out.glob("random/*/rafdb/metrics.json"))
    assert folders == ["face-mllm", "face-mllm~limit=10+seed=0", "facebench"]
    ns = {f: json.loads((out / "random" / f / "rafdb/metrics.json").read_text())["n"] for f in folders}
    assert ns == {"face-mllm": 30, "face-mllm~limit=10+seed=0": 10, "facebench": 30}
    limited = json.loads((out / "random/face-mllm~limit=10+seed=0/rafdb/metrics.json").read_text())
    assert limited["overrides"] == {"limit": 10, "seed": 0}

    board = tmp_path / "board.csv"
    cli("leaderboard", out, "--csv", board)
    import pandas as pd

    frame = pd.read_csv(board)
    measured = frame[frame["model"] == "random"]
    assert sorted(measured["protocol"]) == folders  # one row per (model, protocol)


def test_the_full_run_reuses_the_answers_of_a_limited_one(cli, data_root, tmp_path):
    out = tmp_path / "out"
    _run(cli, data_root, out, "--limit", "10")
    _run(cli, data_root, out)
    limited = {r["fp"]: r for r in read_jsonl(out / "random/facebench~limit=10+seed=0/rafdb/responses.jsonl")}
    full = {r["fp"]: r for r in read_jsonl(out / "random/facebench/rafdb/responses.jsonl")}
    assert set(limited) <= set(full) and len(full) == 30
    assert all(full[fp]["time"] == limited[fp]["time"] for fp in limited), "copied, not asked again"


def test_a_style_that_is_the_protocols_own_is_no_override(cli, data_root, tmp_path):
    out = tmp_path / "out"
    _run(cli, data_root, out, "--protocol", "face-mllm", "--prompt", "rafdb=mcq")
    assert (out / "random/face-mllm/rafdb/metrics.json").is_file()
    _run(cli, data_root, out, "--protocol", "face-mllm", "--prompt", "rafdb=open")
    assert (out / "random/face-mllm~style=open/rafdb/metrics.json").is_file()


def test_native_style_goes_to_models_that_claim_the_protocol(cli, data_root, tmp_path, monkeypatch):
    # face-llava face-crops every input; the fixture's cartoon faces need no mediapipe
    monkeypatch.setenv("FACEBENCH_FACE_DETECTOR", "facebench.fixtures.detector:ForegroundFaceDetector")
    card = tmp_path / "own.yaml"
    card.write_text("name: own-model\nadapter: random\nnative_protocols: [face-llava]\n")
    out = tmp_path / "out"
    cli("run", "--model", card, "--tasks", "rafdb", "--data-root", data_root, "--output", out,
        "--protocol", "face-llava")
    _run(cli, data_root, out, "--protocol", "face-llava")
    native = json.loads((out / "own-model/face-llava/rafdb/run.json").read_text())
    baseline = json.loads((out / "random/face-llava/rafdb/run.json").read_text())
    assert native["style"] == "open" and baseline["style"] == "constrained"


def test_tasks_outside_the_protocol_are_refused(cli, data_root, tmp_path):
    result = cli("run", "--model", "random", "--tasks", "lfwa", "--protocol", "face-llava",
                 "--output", tmp_path / "out", expect=2)
    assert "protocol face-llava does not evaluate lfwa" in result.output
    result = cli("run", "--model", "random", "--tasks", "rafdb", "--protocol", "face-lava",
                 "--output", tmp_path / "out", expect=2)
    assert "unknown protocol 'face-lava'" in result.output and "did you mean 'face-llava'" in result.output


def test_a_user_protocol_file_overrides_the_task_definition(cli, data_root, tmp_path):
    protocol = tmp_path / "mine.yaml"
    protocol.write_text(
        "name: mine\ndescription: RAF-DB with option shuffling and 5 answer tokens\n"
        "tasks:\n  rafdb:\n    style: mcq\n    task: {styles: {mcq: {shuffle_options: true, max_new_tokens: 5}}}\n"
        "    notes: {shuffle_options: \"a user's choice, recorded\"}\n"
    )
    out = tmp_path / "out"
    _run(cli, data_root, out, "--protocol", str(protocol))
    items = read_jsonl(out / "random/mine/rafdb/items.jsonl")
    assert {it["request"]["generation"]["max_new_tokens"] for it in items} == {5}
    prompts = {part["value"] for it in items for m in it["request"]["messages"] for part in m["content"]
               if part["type"] == "text"}
    assert len(prompts) > 1, "options are shuffled per sample under this protocol"
    cli("score", out)  # re-scoring applies the same protocol again
    assert json.loads((out / "random/mine/rafdb/metrics.json").read_text())["protocol"] == "mine"

    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndescription: x\ntasks:\n  rafdb:\n    task: {styles: {mcq: {shufle: true}}}\n")
    result = _run(cli, data_root, out, "--protocol", str(bad), expect=2)
    assert "tasks.rafdb.task" in result.output and "shufle" in result.output


def test_reference_rescoring_writes_beside_the_strict_result(cli, data_root, tmp_path):
    out = tmp_path / "out"
    _run(cli, data_root, out)
    folder = out / "random/facebench/rafdb"
    strict = (folder / "metrics.json").read_text()
    cli("score", out, "--mode", "reference")
    assert (folder / "metrics.json").read_text() == strict
    assert json.loads((folder / "metrics.reference.json").read_text())["mode"] == "reference"
    assert (folder / "predictions.reference.jsonl").is_file()


def test_a_second_process_on_the_same_folder_fails_clearly(tmp_path, data_root):
    """Two runs into one task folder never interleave their items: the second stops at once."""
    slow = tmp_path / "slow_adapter.py"
    slow.write_text(
        "import time\nfrom facebench.adapters.random_choice import RandomAdapter\n\n"
        "class SlowAdapter(RandomAdapter):\n    name = 'slow'\n\n"
        "    def generate(self, requests):\n        time.sleep(0.2)\n        return super().generate(requests)\n"
    )
    card = tmp_path / "slow.yaml"
    card.write_text("name: slow\nadapter: slow_adapter:SlowAdapter\nsettings: {batch_size: 1}\n")
    out = tmp_path / "out"
    args = ("run", "--model", card, "--tasks", "rafdb", "--data-root", data_root, "--output", out)
    first = run_subprocess(*args, stderr=subprocess.DEVNULL)
    responses = out / "slow/facebench/rafdb/responses.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and not responses.exists():
        time.sleep(0.05)
    second = subprocess.run([sys.executable, "-m", "facebench.cli", *map(str, args)],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "is being written by another facebench process" in second.stderr
    assert first.wait(timeout=120) == 0
    assert len(read_jsonl(out / "slow/facebench/rafdb/predictions.jsonl")) == 30
