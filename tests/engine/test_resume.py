"""An interrupted run (kill -9 mid-inference) resumes with no response lost or duplicated."""

from __future__ import annotations

import json
import signal
import sys
import textwrap
import time

from facebench.fixtures.rafdb import write

from tests.helpers import read_jsonl, run_subprocess

ADAPTER = textwrap.dedent(
    '''
    import os, time
    from facebench.adapters.random_choice import RandomAdapter

    class SlowAdapter(RandomAdapter):
        """Random answers, slowly, logging every request it is asked."""
        name = "slow"

        def generate(self, requests):
            with open(os.environ["ASKED_LOG"], "a") as fh:
                for r in requests:
                    fh.write(r.key + "\\n")
            time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))
            return super().generate(requests)
    '''
)


def test_kill_9_then_resume(tmp_path):
    data = tmp_path / "data"
    write(data / "RAF-DB", seed=1, n_test=40, n_train=0)
    (tmp_path / "slow_adapter.py").write_text(ADAPTER)
    card = tmp_path / "slow.yaml"
    card.write_text("name: slow\nadapter: slow_adapter:SlowAdapter\nsettings: {batch_size: 2}\n")
    out, log = tmp_path / "results", tmp_path / "asked.log"
    env = {"PYTHONPATH": str(tmp_path) + ":" + ":".join(sys.path), "ASKED_LOG": str(log), "SLOW_SECONDS": "0.2"}
    args = ("run", "--model", card, "--tasks", "rafdb", "--data-root", data, "--output", out)

    proc = run_subprocess(*args, env=env)
    responses = out / "slow/facebench/rafdb/responses.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and (not responses.exists() or len(responses.read_text().splitlines()) < 6):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    saved = {r["id"] for r in read_jsonl(responses)}
    assert 6 <= len(saved) < 40, "the kill should land mid-run"

    # simulate a write cut short by the crash: a half line at the end of the cache
    with responses.open("a") as fh:
        fh.write('{"fp": "deadbeef", "id": "tes')
    log.write_text("")
    env["SLOW_SECONDS"] = "0"
    assert run_subprocess(*args, env=env).wait(timeout=120) == 0

    asked_again = log.read_text().split()
    assert len(asked_again) == len(set(asked_again))
    assert set(asked_again).isdisjoint(saved), "a finished response was asked again"
    assert len(saved) + len(asked_again) == 40
    predictions = read_jsonl(out / "slow/facebench/rafdb/predictions.jsonl")
    assert sorted(p["id"] for p in predictions) == sorted(f"test_{i:04d}" for i in range(1, 41))
    assert all(p["error"] is None for p in predictions)
    metrics = json.loads((out / "slow/facebench/rafdb/metrics.json").read_text())
    assert metrics["n"] == 40 and metrics["n_error"] == 0
