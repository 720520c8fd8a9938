"""``--backend ray`` vs one process on the same machine: wall time of the infer stage.

    PYTHONPATH=. python benchmarks/bench_ray.py [--faces 400] [--latency 0.05] [--workers 1 2]

Each case runs the real ``facebench run`` in a child process on a fresh RAF-DB fixture of
``--faces`` test images, once with the local backend and once per ``--workers`` value with
``--backend ray`` (a local Ray instance on 127.0.0.1 started by the run itself, so its start-up
is in the number, as a user would see it), and prints the seconds and answers per second.

- ``random``: no model at all, so it measures the pipeline's own cost (Ray start-up, the media
  stage, shard writes and the merge) against the local loop;
- ``openai``: the loopback server (tests/openai_server.py) answering each request after
  ``--latency`` seconds, ``concurrency`` 8 per replica: the case Ray replicas speed up, as each
  replica keeps its own requests in flight.

On a 2-CPU machine the numbers say what the pipeline costs, not what a cluster gains: the
gain comes from replicas on other nodes and GPUs (docs/scale.md).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from facebench.fixtures.rafdb import write  # noqa: E402
from tests.openai_server import OpenAIServer  # noqa: E402


def run(model: list[str], data: Path, out: Path, backend: list[str]) -> float:
    """Seconds of one ``facebench run`` (a child process), failing loudly on a non-zero exit."""
    cmd = [sys.executable, "-m", "facebench.cli", "run", *model, "--tasks", "rafdb",
           "--data-root", str(data), "--output", str(out), *backend]  # fmt: skip
    env = {**os.environ, "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
    env.setdefault("RAY_AUTH_MODE", "disabled")  # a local instance on 127.0.0.1, this run only
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def case(name: str, model: list[str], data: Path, tmp: Path, faces: int, workers: list[int]) -> None:
    local = run(model, data, tmp / f"{name}-local", [])
    print(f"{name:8s} local          {local:6.1f} s  {faces / local:7.1f} answers/s")
    for w in workers:
        seconds = run(model, data, tmp / f"{name}-ray{w}", ["--backend", "ray", "--workers", str(w)])
        print(f"{name:8s} ray workers={w}  {seconds:6.1f} s  {faces / seconds:7.1f} answers/s"
              f"  ({local / seconds:.2f}x local)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faces", type=int, default=400)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data = tmp / "data"
        write(data / "RAF-DB", seed=0, n_test=args.faces, n_train=0)
        print(f"{args.faces} RAF-DB faces, {os.cpu_count()} CPUs; wall time of `facebench run`")
        case("random", ["--model", "random"], data, tmp, args.faces, args.workers)
        with OpenAIServer(latency=args.latency) as server:
            card = tmp / "api.yaml"
            card.write_text(
                "name: api\nadapter: openai\nsettings:\n  model: fake-model\n"
                f"  base_url: {server.base_url}\n  api_key_env: null\n  concurrency: 8\n  batch_size: 32\n"
            )
            ideal = args.faces * args.latency / 8
            print(f"openai: latency {args.latency} s, concurrency 8 per replica "
                  f"(one replica's ideal: {ideal:.1f} s)")
            case("openai", ["--model", str(card)], data, tmp, args.faces, args.workers)
            print(f"openai: {server.count} requests served, most in flight at once: {server.max_in_flight}")


if __name__ == "__main__":
    main()
