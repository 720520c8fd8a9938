"""Shared steps of the task tests: export a task's requests, answer them by hand, replay them
through the real CLI and read back the metrics and predictions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[dict]:
    # not imported from conftest: several test folders have a conftest module of that name
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def export(cli, task: str, data_root: Path, out: Path, style: str | None = None) -> list[dict]:
    """``facebench export`` rows of one task (no targets)."""
    args = ["export", "--tasks", task, "--data-root", data_root, "--out", out]
    if style:
        args += ["--prompt", f"{task}={style}"]
    cli(*args)
    return read_jsonl(out)


def replay(
    cli,
    tmp_path: Path,
    task: str,
    data_root: Path,
    answer: Callable[[dict], str | None],
    style: str | None = None,
) -> tuple[dict[str, Any], list[dict], list[dict]]:
    """Export, answer every request with ``answer(row)`` (None = no line: an error row), run the
    replay adapter; returns (metrics.json, predictions rows, exported rows)."""
    rows = export(cli, task, data_root, tmp_path / f"{task}_requests.jsonl", style)
    answers = tmp_path / f"{task}_answers.jsonl"
    with answers.open("w") as fh:
        for row in rows:
            text = answer(row)
            if text is not None:
                fh.write(json.dumps({"task": task, "id": row["id"], "response": text}) + "\n")
    out = tmp_path / "results"
    args = ["run", "--model", "replay", "--model-arg", f"path={answers}", "--tasks", task,
            "--data-root", data_root, "--output", out]
    if style:
        args += ["--prompt", f"{task}={style}"]
    result = cli(*args, expect=None)
    (folder,) = (out / "replay").glob(f"*/{task}")  # facebench, or facebench~style=... with a style
    metrics = json.loads((folder / "metrics.json").read_text())
    # a run with error rows exits 1 (and says so); one without exits 0
    assert result.exit_code == (1 if metrics["n_error"] else 0), result.output
    return metrics, read_jsonl(folder / "predictions.jsonl"), rows
