"""Re-scoring a Face-MLLM-sized run through the real engine path (``facebench score``).

    python benchmarks/bench_rescore.py [--images 8275]

Writes a CelebA tree in its official layout with ``--images`` test images (8,275 x 40
attribute questions = 331,000 requests, the size of the Face-MLLM test set), answers every
question with the ``random`` adapter through ``facebench run`` (timed), then times
``score_folder``: read items.jsonl and responses.jsonl, parse every answer, score, write
predictions.jsonl, aggregate metrics with the bootstrap interval, write metrics.json. Numbers
are printed, not asserted. Peak memory (RSS) is reported too.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from facebench.adapters.registry import build_adapter, load_card
from facebench.engine.runner import RunOptions, run_task, score_folder
from facebench.fixtures.celeba import write
from facebench.tasks.registry import get_task


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--images", type=int, default=8275)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        write(root / "CelebA", seed=0, n_train=0, n_valid=0, n_test=args.images)
        print(f"wrote {args.images} CelebA test images in {time.perf_counter() - t:.1f}s")
        task = get_task("celeba")
        opts = RunOptions(output=root / "results", data_root=root)
        adapter = build_adapter(load_card("random"))
        t = time.perf_counter()
        first = run_task(task, adapter, "random", opts)
        print(f"run (prepare + infer + score + aggregate), {first['n']:,} requests: "
              f"{time.perf_counter() - t:.1f}s")
        folder = root / "results" / "random" / "facebench" / "celeba"
        for mode in ("strict", "reference"):
            if mode == "strict":  # the run's own result is up to date: score it again for real
                (folder / "metrics.json").unlink()
            t = time.perf_counter()
            result = score_folder(folder, mode)
            took = time.perf_counter() - t
            print(f"facebench score ({mode}), {result['n']:,} cached responses: {took:.2f}s "
                  f"({result['n'] / took:,.0f}/s; target: 331,000 in < 5 s)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
