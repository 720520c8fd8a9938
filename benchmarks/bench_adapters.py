"""Adapter throughput: ``hf`` batch 1 vs 8, ``vllm`` vs ``hf``, ``openai`` concurrency 1/8/32.

    PYTHONPATH=. python benchmarks/bench_adapters.py [--requests 64] [--latency 0.1] [--vllm]

``hf``: requests per second (best of 3) at batch size 1 and 8 (same requests, same greedy
answers), reported as the ratio batch-8 / batch-1.

``--vllm`` (needs vLLM): the same requests through ``hf`` at batch 8 and through ``vllm``
(in-process ``vllm.LLM``, all requests in one ``generate`` call), best of 3 each, reported as
req/s and the ratio vllm / hf-batch-8, plus the share of identical greedy answers.

By default both run a tiny random LLaVA on CPU, which measures the adapters' batching overhead
and gain, not a real model's speed. ``--hf-card`` / ``--vllm-card`` take the models from model
cards instead (e.g. ``qwen2.5-vl-7b`` and ``qwen2.5-vl-7b-vllm`` on a GPU node, see
docs/benchmarks.md); ``--images DIR`` uses real pictures (e.g. the RAF-DB demo faces).

``openai``: a loopback server (tests/openai_server.py) answering every request after a fixed
latency; at concurrency c the ideal wall time is ceil(n / c) * latency, and the reported
efficiency is ideal / measured (1.0 = no client overhead).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "adapters")]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB of KV cache when vLLM runs on CPU

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


def _image_list(args: argparse.Namespace, folder: Path) -> list[Path]:
    if args.images is None:
        return _images(folder)
    found = sorted(
        p for p in Path(args.images).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")
    )
    if not found:
        raise SystemExit(f"no .jpg/.png images under {args.images}")
    return found


def _on_gpu() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


class TinyModel:
    """The tiny random LLaVA, built once (its weights load in both transformers and vLLM)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        if self._path is None:
            from tests.adapters import tiny_models

            self._path = tiny_models.build("llava-vllm", self.folder / "tiny_llava")
        return self._path


def _card_settings(card: str | None, tiny: TinyModel, adapter: str) -> dict[str, Any]:
    if card is not None:
        from facebench.adapters.registry import load_card

        c = load_card(card)
        if c.adapter != adapter:
            raise SystemExit(f"card {card} is for adapter {c.adapter}, expected {adapter}")
        return dict(c.settings)
    if adapter == "hf":
        return {"model": str(tiny.path), "dtype": "float32", "device_map": None}
    return {
        "model": str(tiny.path),
        "dtype": "float32",
        "enforce_eager": True,
        "max_model_len": 1024,
    }


def _best_of(adapter: Any, reqs: list[Request], repeats: int = 3) -> tuple[float, list[Any]]:
    """Best requests/s over ``repeats`` runs: the machine may be shared, contention only slows."""
    best, out = 0.0, []
    for _ in range(repeats):
        start = time.perf_counter()
        out = adapter.generate(reqs)
        best = max(best, len(reqs) / (time.perf_counter() - start))
    assert all(r.ok for r in out), [r.error for r in out if not r.ok][:3]
    return best, out


def _hf_adapter(args: argparse.Namespace, tiny: TinyModel):
    import torch

    from facebench.adapters.hf import HFAdapter

    if not _on_gpu():
        # one thread: on a shared 2-core box, inter-op spin-waits would dominate tiny ops
        torch.set_num_threads(1)
    return HFAdapter(**_card_settings(args.hf_card, tiny, "hf"))


def _with_batch(adapter: Any, bs: int) -> Any:
    adapter.settings = adapter.settings.model_copy(update={"batch_size": bs})
    return adapter


def bench_hf(args: argparse.Namespace, reqs: list[Request], tiny: TinyModel) -> dict[str, float]:
    """``hf`` at batch 1 and 8: one loaded model, two batch sizes."""
    adapter = _hf_adapter(args, tiny)
    result: dict[str, float] = {}
    answers = {}
    try:
        for bs in (1, 8):
            _with_batch(adapter, bs).generate(reqs[:bs])  # load + warm up
            result[f"hf_bs{bs}_req_per_s"], out = _best_of(adapter, reqs)
            answers[bs] = [r.text for r in out]
    finally:
        adapter.close()
    result["hf_bs8_over_bs1"] = result["hf_bs8_req_per_s"] / result["hf_bs1_req_per_s"]
    result["hf_same_answers"] = float(answers[1] == answers[8])
    return result


def bench_vllm(args: argparse.Namespace, reqs: list[Request], tiny: TinyModel) -> dict[str, float]:
    """The same requests through ``hf`` (batch 8) and ``vllm`` (one call); hf is freed first so
    that vLLM gets the GPU memory it asks for."""
    from facebench.adapters.vllm_local import VLLMAdapter

    result: dict[str, float] = {}
    hf = _with_batch(_hf_adapter(args, tiny), 8)
    try:
        start = time.perf_counter()
        hf.generate(reqs[:8])
        result["hf_load_s"] = time.perf_counter() - start
        result["hf_bs8_req_per_s"], hf_out = _best_of(hf, reqs)
    finally:
        hf.close()
        del hf
        gc.collect()
    settings = {**_card_settings(args.vllm_card, tiny, "vllm"), "batch_size": len(reqs)}
    vl = VLLMAdapter(**settings)
    try:
        start = time.perf_counter()
        vl.generate(reqs[:8])
        result["vllm_load_s"] = time.perf_counter() - start
        result["vllm_req_per_s"], vl_out = _best_of(vl, reqs)
    finally:
        vl.close()
    result["vllm_over_hf_bs8"] = result["vllm_req_per_s"] / result["hf_bs8_req_per_s"]
    # U+FFFD: transformers shows a cut multi-byte character, vLLM's detokenizer drops it
    same = [a.text.rstrip("\ufffd") == b.text.rstrip("\ufffd") for a, b in zip(hf_out, vl_out)]
    result["vllm_hf_same_answers"] = sum(same) / len(same)
    return result


def bench_openai(n: int, latency: float, folder: Path) -> dict[str, float]:
    from facebench.adapters.openai_api import OpenAIAdapter
    from tests.openai_server import OpenAIServer

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


def bench_openai_stream(n: int, concurrency: int, lo: float, hi: float, folder: Path) -> dict[str, float]:
    """The engine path (infer: media checks, per-answer saving) against a server in another
    process whose latency varies uniformly in [lo, hi]: efficiency against the latency-bound
    time n x mean latency / concurrency, and this process's CPU seconds per request."""
    import socket
    import subprocess

    from facebench.adapters.openai_api import OpenAIAdapter
    from facebench.engine.runner import infer
    from facebench.engine.store import ResponseCache

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.openai_server", "--port", str(port), "--served-model-name", "fake",
         "--latency-range", f"{lo},{hi}"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert server.stdout is not None and "listening" in server.stdout.readline()
        reqs = _requests(n, _images(folder), max_new_tokens=16)
        from facebench.engine.items import PreparedItems

        items = PreparedItems.write(folder / f"items-{concurrency}-{lo}-{hi}.jsonl", (
            {"fp": f"{i:024d}", "id": r.key, "request": r.to_dict(derived=False)} for i, r in enumerate(reqs)))
        adapter = OpenAIAdapter(model="fake", base_url=f"http://127.0.0.1:{port}/v1", api_key_env=None,
                                concurrency=concurrency, batch_size=64)
        cache = ResponseCache(folder / f"stream-{concurrency}-{lo}-{hi}.jsonl")
        cpu, start = time.process_time(), time.perf_counter()
        stats = infer(adapter, items, cache)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert stats.saved == n and stats.errors == 0, stats
    finally:
        server.terminate()
        server.wait(timeout=10)
    ideal = n * (lo + hi) / 2 / concurrency
    key = f"openai_stream_c{concurrency}" + ("" if lo == hi else "_varying")
    return {f"{key}_wall_s": wall, f"{key}_ideal_s": ideal, f"{key}_efficiency": ideal / wall,
            f"{key}_client_cpu_ms_per_request": 1000 * cpu / n}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=64)
    ap.add_argument("--latency", type=float, default=0.1, help="server latency in seconds")
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--skip-hf", action="store_true", help="skip hf batch 1 vs 8")
    ap.add_argument("--skip-openai", action="store_true")
    ap.add_argument("--vllm", action="store_true", help="also vllm vs hf batch 8 (needs vllm)")
    ap.add_argument("--hf-card", help="hf model card (name or YAML) instead of the tiny model")
    ap.add_argument("--vllm-card", help="vllm model card instead of the tiny model")
    ap.add_argument("--images", help="folder of .jpg/.png images to ask about (default: noise)")
    args = ap.parse_args()
    import importlib.util

    needs = ([] if args.skip_hf else ["torch", "transformers"]) + (["vllm"] if args.vllm else [])
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        raise SystemExit(f"bench_adapters.py: {', '.join(missing)} not installed: pip install "
                         f"'facebench[hf]' (vllm: .ci/setup_vllm.sh), or pass --skip-hf for openai only")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tiny = TinyModel(folder)
        reqs = _requests(args.requests, _image_list(args, folder), args.max_new_tokens)
        result: dict[str, float] = {}
        if not args.skip_hf:
            result.update(bench_hf(args, reqs, tiny))
        if args.vllm:
            result.update(bench_vllm(args, reqs, tiny))
        if not args.skip_openai:
            result.update(bench_openai(args.requests, args.latency, folder))
            for c in (1, 8, 32, 128):  # the engine path, fixed 0.1 s and varying 0.05-1.0 s latency
                result.update(bench_openai_stream(max(16, 10 * c), c, 0.1, 0.1, folder))
                result.update(bench_openai_stream(max(16, 10 * c), c, 0.05, 1.0, folder))
    print(json.dumps({k: round(v, 3) for k, v in result.items()}, indent=2))


if __name__ == "__main__":
    main()
