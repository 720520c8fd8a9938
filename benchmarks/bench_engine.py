"""The engine's own cost, with a model that costs nothing: speed by stage, rerun, peak memory.

    python benchmarks/bench_engine.py [--sizes 10000,100000,331000] [--task celeba]

For each size, a child process (so peak RSS is that size's own) writes a CelebA tree in its
official layout with size / 40 test images, then through the real engine path:

1. ``run_task`` with the ``random`` adapter (a no-op model): prepare, infer, score, aggregate,
   each stage timed;
2. the same run again (a finished run: 0 model calls);
3. ``facebench score`` in reference mode (a re-score of every answer in another mode);

and prints questions/s per stage and the peak RSS of the process. Numbers are printed, never
asserted. Targets (issue 15): prepare + score >= 20,000 questions/s, a finished run's rerun in
seconds, re-score of 331,000 answers < 5 s, peak RSS under 1 GiB at 331,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(size: int) -> dict:
    from facebench.adapters.registry import build_adapter, load_card
    from facebench.engine import runner
    from facebench.engine.runner import RunOptions, run_task, score_folder
    from facebench.fixtures.celeba import write
    from facebench.tasks.registry import get_task

    images = max(1, size // 40)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write(root / "CelebA", seed=0, n_train=0, n_valid=0, n_test=images)
        task = get_task("celeba")
        opts = RunOptions(output=root / "results", data_root=root)
        adapter = build_adapter(load_card("random"))
        stages: dict[str, float] = {}
        for name in ("prepare", "infer", "score_folder"):
            original = getattr(runner, name)

            def timed(*a, _f=original, _n=name, **k):
                t = time.perf_counter()
                try:
                    return _f(*a, **k)
                finally:
                    stages[_n] = stages.get(_n, 0.0) + time.perf_counter() - t

            setattr(runner, name, timed)
        t = time.perf_counter()
        first = run_task(task, adapter, "random", opts)
        total = time.perf_counter() - t
        first_stages = dict(stages)
        stages.clear()
        t = time.perf_counter()
        run_task(task, adapter, "random", opts)
        rerun = time.perf_counter() - t
        folder = root / "results" / "random" / "facebench" / "celeba"
        t = time.perf_counter()
        score_folder(folder, "reference")
        rescore = time.perf_counter() - t
        n = first["n"]
        return {
            "n": n,
            "first_run_s": total,
            "prepare_s": first_stages["prepare"],
            "infer_s": first_stages["infer"],
            "score_s": first_stages["score_folder"],
            "rerun_s": rerun,
            "rescore_reference_s": rescore,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,331000")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one(args.child)))
        return
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    print(f"{'questions':>10} {'first run':>10} {'prepare/s':>10} {'infer/s':>9} {'score/s':>9} "
          f"{'prep+score/s':>12} {'rerun':>7} {'re-score':>9} {'peak RSS':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--child", str(size)], capture_output=True,
                             text=True, check=True, cwd=ROOT)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        n = r["n"]
        print(f"{n:>10,} {r['first_run_s']:>9.1f}s {n / r['prepare_s']:>10,.0f} {n / r['infer_s']:>9,.0f} "
              f"{n / r['score_s']:>9,.0f} {n / (r['prepare_s'] + r['score_s']):>12,.0f} "
              f"{r['rerun_s']:>6.2f}s {r['rescore_reference_s']:>8.2f}s {r['peak_rss_mib']:>6.0f} MiB")


if __name__ == "__main__":
    main()
