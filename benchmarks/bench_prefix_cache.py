"""Prefix and multimodal caching in the ``vllm`` adapter: tokens prefilled and wall time.

    PYTHONPATH=. python benchmarks/bench_prefix_cache.py [--images 20] [--batch-size 64]

A CelebA-like set (facebench's CelebA fixture writer, ``--images`` test images, the real
``celeba`` task and its ``qa`` style: 40 yes/no questions per image, the image before the
question) goes through ``VLLMAdapter.generate_each`` on the CPU vLLM engine:

  (a) prefix caching off, requests shuffled
  (b) prefix caching on,  requests shuffled
  (c) prefix caching on,  the engine's order (an image's 40 questions adjacent), batches cut
      at image boundaries (the adapter's ``generate_each``)
  (d) as (c) with fixed-size batches (``batch_size`` at a time, as the base
      ``Adapter.generate_each`` cuts them: an image's questions may straddle two calls)
  (e) with ``--mm-cache-off``: (c) with vLLM's multimodal processor cache off

Per run: wall time of the inference (engine start and a warm-up request excluded), chat calls,
prompt tokens, tokens served from the prefix cache (``RequestOutput.num_cached_tokens``),
tokens actually prefilled (prompt - cached), and the multimodal processor cache hits
(``vllm:mm_cache_hits`` / ``vllm:mm_cache_queries``). Both caches are reset before each run.
Greedy answers of every run are compared with run (a). Numbers only, no assertions.

The model is the tests' tiny random Qwen2-VL (tests/adapters/tiny_models.py), made a little
larger so prefill is not lost in per-request overhead (``--hidden``, ``--layers``), with
``--image-side`` pixels per side (224: 64 image tokens, about what Qwen2-VL gives an aligned
178x218 CelebA face). Only whole KV blocks are prefix-cached, and the CPU engine's default
block is 128 tokens: a shared prefix shorter than that (template + 64 image tokens + the
question's first words is ~70-100) is never reused there; ``--block-size 32`` comes closer to
a GPU's 16. ``--kv-blocks`` caps the KV cache (``num_gpu_blocks_override``) so that cached
prefixes are evicted as on a full 19,962-image run, where a shuffled order brings an image
back only after thousands of other prompts (with ``--batch-size`` below the image count, so
that a shuffled batch holds mostly distinct images, as it would there).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB of KV cache when vLLM runs on CPU

from facebench.types import Request  # noqa: E402


def build_model(out: Path, hidden: int, layers: int, image_side: int) -> Path:
    """The tests' tiny Qwen2-VL with a wider/deeper text model and a fixed image size."""
    from tests.adapters import tiny_models

    text = tiny_models.TEXT
    saved = dict(text)
    text.update(
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=layers,
        num_attention_heads=hidden // 64,  # head_dim 64 (the mrope sections assume it)
        num_key_value_heads=hidden // 64,
    )
    import transformers

    real = transformers.Qwen2VLConfig

    def config(*args, **kwargs):  # the vision merger's output width is the text model's
        kwargs["vision_config"] = {**kwargs["vision_config"], "hidden_size": hidden}
        return real(*args, **kwargs)

    transformers.Qwen2VLConfig = config
    try:
        tiny_models.build("qwen2vl", out)
    finally:
        transformers.Qwen2VLConfig = real
        text.clear()
        text.update(saved)
    pixels = image_side * image_side  # every face is resized to image_side x image_side
    f = out / "processor_config.json"
    cfg = json.loads(f.read_text())
    cfg["image_processor"]["size"] = {"shortest_edge": pixels, "longest_edge": pixels}
    f.write_text(json.dumps(cfg, indent=2))
    return out


def celeba_requests(root: Path, n_images: int) -> list[Request]:
    """Every request of the real ``celeba`` task (default ``qa`` style) on a fixture tree."""
    from facebench.fixtures import celeba as fixture
    from facebench.tasks.registry import get_task

    fixture.write(root, seed=0, n_train=0, n_valid=0, n_test=n_images)
    task = get_task("celeba")
    samples = task.load_samples(root)
    return [request for request, _, _ in task.build_requests(samples)]


class Recorder:
    """Wraps ``LLM.chat`` to keep each output's prompt length and prefix-cache hits."""

    def __init__(self, llm: Any) -> None:
        self.llm, self.real = llm, llm.chat
        self.prompt = self.cached = self.calls = 0
        llm.chat = self

    def __call__(self, messages, *args, **kwargs):
        outputs = self.real(messages, *args, **kwargs)
        self.calls += 1
        for o in outputs:
            self.prompt += len(o.prompt_token_ids or ())
            self.cached += o.num_cached_tokens or 0
        return outputs

    def reset(self) -> None:
        self.prompt = self.cached = self.calls = 0


def counters(llm: Any) -> dict[str, float]:
    wanted = {"vllm:mm_cache_queries", "vllm:mm_cache_hits"}
    out: dict[str, float] = {}
    for m in llm.get_metrics():
        if m.name in wanted and hasattr(m, "value"):
            out[m.name] = out.get(m.name, 0.0) + float(m.value)
    return out


def fixed_batches(pairs, size):
    """``batch_size`` requests at a time, whatever they show (the base adapter's batching)."""
    source = iter(pairs)
    while batch := list(islice(source, max(1, size))):
        yield batch


def run(
    adapter, requests: list[Request], batching: str
) -> tuple[float, dict[str, str], dict[str, float]]:
    """One pass over ``requests`` from empty caches through ``adapter.generate_each``.

    ``batching``: ``media`` is the adapter's own (batches end at image boundaries), ``fixed``
    swaps in fixed-size batches (an image's questions may straddle two calls), all else equal.
    """
    from facebench.adapters import vllm_local

    llm = adapter._load()
    llm.reset_prefix_cache()
    llm.reset_mm_cache()
    rec: Recorder = llm.chat
    rec.reset()
    before = counters(llm)
    answers: dict[str, str] = {}
    real = vllm_local.media_batches
    if batching == "fixed":
        vllm_local.media_batches = fixed_batches
    try:
        start = time.perf_counter()
        adapter.generate_each(
            ((r.key, r) for r in requests), lambda k, resp: answers.__setitem__(k, resp.text)
        )
        wall = time.perf_counter() - start
    finally:
        vllm_local.media_batches = real
    after = counters(llm)
    delta = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    stats = {"prompt": rec.prompt, "cached": rec.cached, "calls": rec.calls, **delta}
    return wall, answers, stats


def make_adapter(model: Path, prefix: bool, mm_cache: bool, args) -> Any:
    from facebench.adapters.vllm_local import VLLMAdapter

    engine_kwargs: dict[str, Any] = {"disable_log_stats": False}  # get_metrics() needs stats
    if not mm_cache:
        engine_kwargs["mm_processor_cache_gb"] = 0
    if args.kv_blocks:
        engine_kwargs["num_gpu_blocks_override"] = args.kv_blocks
    if args.block_size:
        engine_kwargs["block_size"] = args.block_size
    adapter = VLLMAdapter(
        model=str(model),
        dtype="float32",
        enforce_eager=True,
        max_model_len=1024,
        batch_size=args.batch_size,
        enable_prefix_caching=prefix,
        engine_kwargs=engine_kwargs,
    )
    Recorder(adapter._load())
    return adapter


#: (name, prefix caching, multimodal processor cache, order, batching)
PLAN = [
    ("a", False, True, "shuffled", "media"),
    ("b", True, True, "shuffled", "media"),
    ("c", True, True, "adjacent", "media"),
    ("d", True, True, "adjacent", "fixed"),
]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--images", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--image-side", type=int, default=224)
    ap.add_argument("--block-size", type=int, default=None,
                    help="KV block size (CPU default 128; only whole blocks are prefix-cached)")
    ap.add_argument("--kv-blocks", type=int, default=None, help="cap the KV cache (blocks)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="passes per run; the fastest is shown")
    ap.add_argument("--mm-cache-off", action="store_true",
                    help="add run (e): (c) with vLLM's multimodal processor cache off")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        model = build_model(tmp / "model", args.hidden, args.layers, args.image_side)
        requests = celeba_requests(tmp / "CelebA", args.images)
        shuffled = requests[:]
        random.Random(args.seed).shuffle(shuffled)
        warm = celeba_requests(tmp / "warm", 1)[:1]  # another image, its own question
        print(f"{len(requests)} requests ({args.images} images x 40), model built in "
              f"{time.perf_counter() - t0:.1f}s; batch_size {args.batch_size}, "
              f"block size {args.block_size or 'default'}, "
              f"kv blocks {args.kv_blocks or 'default'}", flush=True)  # fmt: skip

        plan = PLAN + ([("e", True, False, "adjacent", "media")] if args.mm_cache_off else [])
        rows = []
        for prefix, mm in dict.fromkeys((p, m) for _, p, m, _, _ in plan):
            t0 = time.perf_counter()
            adapter = make_adapter(model, prefix, mm, args)
            llm = adapter._load()
            adapter.generate(warm)
            cfg = llm.llm_engine.vllm_config
            mm_gb = cfg.model_config.multimodal_config.mm_processor_cache_gb
            print(f"engine prefix_caching={cfg.cache_config.enable_prefix_caching} "
                  f"block_size={cfg.cache_config.block_size} "
                  f"kv_blocks={cfg.cache_config.num_gpu_blocks} "
                  f"max_num_batched_tokens={cfg.scheduler_config.max_num_batched_tokens} "
                  f"mm_processor_cache_gb={mm_gb} "
                  f"started in {time.perf_counter() - t0:.1f}s", flush=True)  # fmt: skip
            try:
                for name, p, m, order, batching in plan:
                    if (p, m) != (prefix, mm):
                        continue
                    todo = shuffled if order == "shuffled" else requests
                    best = None
                    for _ in range(args.repeat):  # the best wall time of --repeat passes
                        result = run(adapter, todo, batching)
                        best = result if best is None or result[0] < best[0] else best
                    rows.append((name, prefix, mm, order, batching, *best))
                    print(f"  ({name}) done in {best[0]:.1f}s", flush=True)
            finally:
                adapter.close()

        base = rows[0][6]
        print()
        print(f"{'run':<44} {'wall s':>7} {'req/s':>6} {'calls':>5} {'prompt tok':>10} "
              f"{'cached':>8} {'prefilled':>9} {'share':>6} {'mm hits':>9} "
              f"{'same as (a)':>11}")  # fmt: skip
        for name, prefix, mm, order, batching, wall, answers, s in rows:
            label = f"({name}) prefix {'on ' if prefix else 'off'}, {order}, {batching}"
            label += "" if mm else ", no mm cache"
            prefilled = s["prompt"] - s["cached"]
            hits = f"{s.get('vllm:mm_cache_hits', 0):.0f}/{s.get('vllm:mm_cache_queries', 0):.0f}"
            same = sum(answers[k] == base[k] for k in base)
            print(f"{label:<44} {wall:7.1f} {len(answers) / wall:6.1f} {s['calls']:5d} "
                  f"{s['prompt']:10d} {s['cached']:8d} {prefilled:9d} "
                  f"{prefilled / max(1, s['prompt']):6.1%} {hits:>9} "
                  f"{same:>7}/{len(base)}")  # fmt: skip


if __name__ == "__main__":
    main()
