"""Soak: ``facebench run`` against a loopback OpenAI server, killed with SIGKILL at random moments.

Checks what the reliability contract promises and prints the figures as one JSON object:

- every sample ends with exactly one saved answer (no duplicates, none missing);
- requests sent <= n + kills x concurrency (a kill loses only what was in flight);
- the final metrics cover all n samples with zero errors.

Usage (from the repository root, in a venv with facebench installed)::

    python benchmarks/soak_kill.py                       # 2,000 requests, 25 kills
    python benchmarks/soak_kill.py --n 400 --kills 10 --concurrency 16 --latency 0.02

The server answers after ``--latency`` seconds (uniformly jittered by +-50%). Each kill lands
at a random moment after that run's first saved answer, so the kills spread over the answering
(a kill during start-up would test nothing). Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from facebench.fixtures.rafdb import write  # noqa: E402

from tests.openai_server import OpenAIServer  # noqa: E402


def lines(path: Path) -> int:
    return sum(1 for line in path.read_bytes().splitlines() if line.strip()) if path.exists() else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="requests (RAF-DB test images)")
    ap.add_argument("--kills", type=int, default=25)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=64, help="the card's batch_size (must not matter)")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds per reply (jittered +-50%%)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="facebench-soak-") as tmp:
        root = Path(tmp)
        write(root / "data" / "RAF-DB", seed=args.seed, n_test=args.n, n_train=0)
        server = OpenAIServer(latency=0.0)
        base_responder = server.responder

        def slow(body):  # jittered latency, per request
            time.sleep(args.latency * rng.uniform(0.5, 1.5))
            return base_responder(body)

        server.responder = slow
        server.start()
        card = root / "api.yaml"
        settings = {"model": "fake-model", "base_url": server.base_url, "api_key_env": None,
                    "concurrency": args.concurrency, "batch_size": args.batch_size,
                    "max_retries": 0, "timeout": 30}
        card.write_text("name: api\nadapter: openai\nsettings: " + json.dumps(settings) + "\n")
        cmd = [sys.executable, "-m", "facebench.cli", "run", "--model", str(card), "--tasks", "rafdb",
               "--data-root", str(root / "data"), "--output", str(root / "out")]
        responses = root / "out/api/rafdb/responses.jsonl"
        t0 = time.perf_counter()
        kills_done, saved_at_kill = 0, []
        for _ in range(args.kills):
            before = lines(responses)
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
            # kill while answers stream in: after this run's first saved answer, at a random
            # moment within a share of the answering time that is left
            while proc.poll() is None and lines(responses) <= before:
                time.sleep(0.005)
            left = max(0, args.n - lines(responses)) / args.concurrency * args.latency
            time.sleep(rng.uniform(0, 2 * left / (args.kills - kills_done)))
            if proc.poll() is not None:
                break  # finished before the kill: fewer kills than asked
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills_done += 1
            saved_at_kill.append(lines(responses))
        final = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        wall = time.perf_counter() - t0
        server.stop()

        rows = [json.loads(x) for x in responses.read_bytes().splitlines() if x.strip()]
        fps = [r["fp"] for r in rows if r.get("error") is None]
        metrics = json.loads((root / "out/api/rafdb/metrics.json").read_text())
        budget = args.n + kills_done * args.concurrency
        report = {
            "n": args.n,
            "kills": kills_done,
            "concurrency": args.concurrency,
            "batch_size": args.batch_size,
            "requests_sent": server.count,
            "requests_budget": budget,
            "extra_requests": server.count - args.n,
            "answers_saved": len(fps),
            "duplicate_answers": len(fps) - len(set(fps)),
            "saved_at_each_kill": saved_at_kill,
            "final_exit": final.returncode,
            "final_n": metrics["n"],
            "final_errors": metrics["n_error"],
            "wall_s": round(wall, 1),
        }
        ok = (
            final.returncode == 0
            and len(set(fps)) == args.n
            and report["duplicate_answers"] == 0
            and server.count <= budget
            and metrics["n"] == args.n
            and metrics["n_error"] == 0
        )
        report["ok"] = ok
        print(json.dumps(report))
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
