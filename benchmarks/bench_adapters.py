"""Adapter throughput: ``hf`` batch 1 vs 8 on a tiny model, ``openai`` concurrency 1/8/32.

    PYTHONPATH=. python benchmarks/bench_adapters.py [--requests 64] [--latency 0.1]

``hf``: requests per second (best of 3) of the tiny random LLaVA on CPU at batch size 1 and 8
(same requests, same greedy answers), reported as the ratio batch-8 / batch-1. The tiny model
measures the adapter's batching overhead and gain, not a real model's speed.

``openai``: a loopback server (tests/openai_server.py) answering every request after a fixed
latency; at concurrency c the ideal wall time is ceil(n / c) * latency, and the reported
efficiency is ideal / measured (1.0 = no client overhead).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "adapters")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from facebench.types import GenerationSettings, Message, Part, Request


def _requests(n: int, images: list[Path], max_new_tokens: int) -> list[Request]:
    return [
        Request(
            task="bench",
            key=f"r{i}",
            sample_id=f"r{i}",
            messages=(
                Message("user", (Part.image(images[i % len(images)]), Part.text(f"Emotion {i}?"))),
            ),
            generation=GenerationSettings(max_new_tokens=max_new_tokens),
        )
        for i in range(n)
    ]


def _images(folder: Path, k: int = 8) -> list[Path]:
    rng = np.random.default_rng(0)
    paths = []
    for i in range(k):
        p = folder / f"img{i}.jpg"
        Image.fromarray(rng.integers(0, 255, (48, 48, 3), dtype=np.uint8)).save(p)
        paths.append(p)
    return paths


def bench_hf(n: int, folder: Path) -> dict[str, float]:
    from tests.adapters import tiny_models
    import torch

    from facebench.adapters.hf import HFAdapter

    # one thread: on a shared 2-core box, inter-op spin-waits would dominate tiny ops
    torch.set_num_threads(1)
    model = tiny_models.build("llava", folder / "tiny_llava")
    reqs = _requests(n, _images(folder), max_new_tokens=16)
    result: dict[str, float] = {}
    answers = {}
    for bs in (1, 8):
        adapter = HFAdapter(model=str(model), dtype="float32", device_map=None, batch_size=bs)
        adapter.generate(reqs[:bs])  # load + warm up
        best = 0.0
        for _ in range(3):  # best of 3: the machine is shared, contention only slows runs
            start = time.perf_counter()
            answers[bs] = [r.text for r in adapter.generate(reqs)]
            best = max(best, n / (time.perf_counter() - start))
        result[f"hf_bs{bs}_req_per_s"] = best
    result["hf_bs8_over_bs1"] = result["hf_bs8_req_per_s"] / result["hf_bs1_req_per_s"]
    result["hf_same_answers"] = float(answers[1] == answers[8])
    return result


def bench_openai(n: int, latency: float, folder: Path) -> dict[str, float]:
    from tests.openai_server import OpenAIServer

    from facebench.adapters.openai_api import OpenAIAdapter

    reqs = _requests(n, _images(folder), max_new_tokens=16)
    result: dict[str, float] = {}
    with OpenAIServer(latency=latency) as server:
        for c in (1, 8, 32):
            adapter = OpenAIAdapter(
                model="fake", base_url=server.base_url, api_key_env=None, concurrency=c
            )
            server.reset()
            start = time.perf_counter()
            out = adapter.generate(reqs)
            wall = time.perf_counter() - start
            assert all(r.ok for r in out) and server.count == n
            ideal = math.ceil(n / c) * latency
            result[f"openai_c{c}_req_per_s"] = n / wall
            result[f"openai_c{c}_efficiency"] = ideal / wall
            result[f"openai_c{c}_peak_in_flight"] = server.max_in_flight
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=64)
    ap.add_argument("--latency", type=float, default=0.1, help="server latency in seconds")
    ap.add_argument("--skip-hf", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        result = {} if args.skip_hf else bench_hf(args.requests, folder)
        result.update(bench_openai(args.requests, args.latency, folder))
    print(json.dumps({k: round(v, 3) for k, v in result.items()}, indent=2))


if __name__ == "__main__":
    main()
