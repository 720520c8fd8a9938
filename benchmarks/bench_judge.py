"""Judge throughput: N reasoning ratings (one small image each) at a given concurrency against the
loopback OpenAI-compatible test server with a fixed per-request latency.

    python benchmarks/bench_judge.py                 # 2,500 items, concurrency 32, 200 ms
    python benchmarks/bench_judge.py --items 500 --latency 0.05

Target (issue 7): 2,500 items at concurrency 32 with 200 ms latency in under 30 s. The floor is
items / concurrency x latency (15.6 s for the defaults); the rest is client overhead. A second
pass over the same folder must send zero requests (everything cached).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "judge"))

from judge_helpers import _image, with_health, write_run
from tests.openai_server import OpenAIServer

from facebench.adapters.registry import ModelCard
from facebench.judge.client import Judge
from facebench.judge.reasoning import rate_task

REPLY = json.dumps({"rating": {"1": 7, "2": 8, "3": 6}, "reason": "ok"})  # Face-LLaVA Fig. 8's format


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2500)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--budget", type=float, default=30.0, help="seconds; exit 1 if slower")
    args = ap.parse_args()
    os.environ["FB_BENCH_KEY"] = "sk-bench"
    with tempfile.TemporaryDirectory() as tmp, OpenAIServer(latency=args.latency) as server:
        server.responder = with_health(lambda body: REPLY)
        images = [_image(Path(tmp) / "img" / f"{i}.png", i) for i in range(16)]
        items = [{"id": f"s{i}", "target": "happiness", "media": images[i % 16],
                  "response": f"Answer {i}: a broad smile with raised cheeks."} for i in range(args.items)]
        folder = write_run(Path(tmp) / "out", "bench", "rafdb", items)
        card = ModelCard(name="judge-bench", adapter="openai", settings={
            "model": "gpt-4o-mini", "base_url": server.base_url, "api_key_env": "FB_BENCH_KEY",
            "concurrency": args.concurrency, "timeout": 30.0})
        start = time.perf_counter()
        summary = rate_task(folder, Judge(card), "expression")
        elapsed = time.perf_counter() - start
        first_count = server.count
        start2 = time.perf_counter()
        again = rate_task(folder, Judge(card), "expression")
        cached = time.perf_counter() - start2
        floor = args.items / args.concurrency * args.latency
        print(f"{args.items} items, concurrency {args.concurrency}, latency {args.latency * 1000:.0f} ms: "
              f"{elapsed:.1f} s (floor {floor:.1f} s), {args.items / elapsed:.0f} items/s, "
              f"rated {summary['n_rated']}, peak in flight {server.max_in_flight}, "
              f"requests {first_count}")
        print(f"rerun: {cached:.1f} s, {server.count - first_count} requests, new calls {again['new_calls']}")
        ok = (elapsed < args.budget and summary["n_rated"] == args.items
              and server.count == first_count and server.max_in_flight <= args.concurrency)
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
