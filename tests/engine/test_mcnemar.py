"""``facebench compare`` adds McNemar's exact test beside the paired bootstrap."""

from __future__ import annotations

import json
from math import comb

from facebench.fixtures.rafdb import write
from facebench.loaders.rafdb import LABELS

LETTERS = "ABCDEFG"


def _exact_two_sided(k: int, n: int) -> float:
    """Two-sided exact binomial p of k successes in n at p=0.5, by hand (symmetric case)."""
    tail = sum(comb(n, i) for i in range(0, min(k, n - k) + 1)) / 2**n
    return min(1.0, 2 * tail)


def test_mcnemar_counts_the_discordant_pairs_by_hand(cli, tmp_path):
    labels = write(tmp_path / "data" / "RAF-DB", seed=5, n_test=40, n_train=0)
    export = tmp_path / "req.jsonl"
    cli("export", "--tasks", "rafdb", "--data-root", tmp_path / "data", "--out", export)
    rows = [json.loads(x) for x in export.read_text().splitlines()]
    out = tmp_path / "out"
    right_a = {r["id"] for i, r in enumerate(rows) if i % 4 != 0}  # 30 right
    right_b = {r["id"] for i, r in enumerate(rows) if i % 2 == 0}  # 20 right
    for name, right in (("model-a", right_a), ("model-b", right_b)):
        answers = tmp_path / f"{name}.jsonl"
        with answers.open("w") as fh:
            for r in rows:
                options = [o.split(":")[1] for o in r["prompt"].split("? ", 1)[1].split(" Answer")[0].split()]
                truth = options.index(LABELS[labels[r["id"]]])
                letter = LETTERS[truth if r["id"] in right else (truth + 1) % 7]
                fh.write(json.dumps({"task": "rafdb", "id": r["id"], "response": letter}) + "\n")
        cli("run", "--model", "replay", "--model-arg", f"path={answers}", "--name", name, "--tasks", "rafdb",
            "--data-root", tmp_path / "data", "--output", out)
    result = cli("compare", out, "--models", "model-a,model-b").output
    a_only, b_only = len(right_a - right_b), len(right_b - right_a)
    assert (a_only, b_only) == (20, 10)
    line = next(x for x in result.splitlines() if "McNemar" in x)
    assert f"right / model-b wrong on {a_only}, the reverse on {b_only} of 40 questions" in line
    assert f"p={_exact_two_sided(b_only, a_only + b_only):.4f}" in line
