"""Judge result tables, regenerated from ``<output>/<model>/<variant>/<task>/judge/summary.json``.

Rows are labelled ``model [variant]`` (the variant is the protocol, plus any overrides), so
ratings of two protocols' runs are never averaged together.

- reasoning: model x (criterion, task) mean ratings plus an ``all`` column per criterion (the
  unweighted mean over tasks, as Face-LLaVA Table 10's "All" is the mean of its five columns);
- MM-Vet: model x capability (x100), overall and its std over repeats (Face-MLLM Table 5 order);
- :func:`judge_columns`: the same numbers as ``task/metric`` columns for the leaderboard.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import pandas as pd

from facebench.judge.schema import CRITERIA, TABLE5_ORDER


def collect_summaries(output: Path) -> list[dict[str, Any]]:
    rows = []
    for path in sorted(Path(output).glob("*/*/*/judge/summary.json")):
        summary = json.loads(path.read_text(encoding="utf-8"))
        if not summary.get("dry_run"):
            summary["variant"] = path.parents[2].name
            summary["label"] = f"{summary['model']} [{summary['variant']}]"
            rows.append(summary)
    return rows


def reasoning_table(output: Path) -> pd.DataFrame:
    """Rows: models; columns: ``(criterion, task)`` mean ratings, and ``(criterion, all)``."""
    table: dict[str, dict[tuple[str, str], float]] = {}
    for s in collect_summaries(output):
        if s["kind"] != "reasoning":
            continue
        row = table.setdefault(s["label"], {})
        for crit in CRITERIA:
            mean = s["criteria"][crit]["mean"]
            if mean is not None:
                row[(crit, s["task"])] = mean
    for row in table.values():
        for crit in CRITERIA:
            values = [v for (c, _), v in row.items() if c == crit]
            if values:
                row[(crit, "all")] = statistics.fmean(values)
    frame = pd.DataFrame.from_dict(table, orient="index")
    if frame.empty:
        return frame
    order = {c: i for i, c in enumerate(CRITERIA)}
    cols = sorted(frame.columns, key=lambda c: (order[c[0]], c[1] == "all", c[1]))
    frame = frame[cols]
    frame.columns = pd.MultiIndex.from_tuples(cols, names=["criterion", "task"])
    frame.index.name = "model"
    return frame.sort_index()


def mmvet_table(output: Path) -> pd.DataFrame:
    """Rows: models (and task, if several MM-Vet-like tasks); columns as Face-MLLM Table 5."""
    table: dict[str, dict[str, float | None]] = {}
    for s in collect_summaries(output):
        if s["kind"] != "mmvet":
            continue
        name = s["label"] if s["task"] == "mmvet" else f"{s['label']} ({s['task']})"
        row = {c: s["capabilities"].get(c, {}).get("mean") for c in TABLE5_ORDER}
        row["overall"] = s["overall"]["mean"]
        row["overall_std"] = s["overall"]["std"]
        row["repeats"] = s["repeats"]
        table[name] = row
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "model"
    return frame.sort_index()


def judge_columns(output: Path) -> dict[tuple[str, str], dict[str, float]]:
    """(model, variant) -> {``task/judge_<criterion>`` or ``mmvet/<capability>``: value}."""
    cols: dict[tuple[str, str], dict[str, float]] = {}
    for s in collect_summaries(output):
        row = cols.setdefault((s["model"], s["variant"]), {})
        task = s["task"]
        if s["kind"] == "reasoning":
            for crit in CRITERIA:
                mean = s["criteria"][crit]["mean"]
                if mean is not None:
                    row[f"{task}/judge_{crit}"] = mean
            row[f"{task}/judge_n_unrated"] = s["n_unrated"]
        elif s["kind"] == "mmvet":
            for cap, st in s["capabilities"].items():
                if st["mean"] is not None:
                    row[f"{task}/{cap}"] = st["mean"]
            if s["overall"]["mean"] is not None:
                row[f"{task}/overall"] = s["overall"]["mean"]
                row[f"{task}/score"] = s["overall"]["mean"]  # the task's primary metric
                row[f"{task}/overall_std"] = s["overall"]["std"]
    return cols


def write_tables(output: Path) -> list[Path]:
    """``judge_reasoning.{csv,md}`` and ``judge_mmvet.{csv,md}`` at the top of the output folder."""
    from tabulate import tabulate

    written = []
    for name, frame in (("judge_reasoning", reasoning_table(output)), ("judge_mmvet", mmvet_table(output))):
        if frame.empty:
            continue
        csv_path = Path(output) / f"{name}.csv"
        frame.to_csv(csv_path)
        flat = frame.copy()
        if isinstance(flat.columns, pd.MultiIndex):
            flat.columns = ["/".join(c) for c in flat.columns]
        md_path = Path(output) / f"{name}.md"
        md_path.write_text(tabulate(flat.reset_index(), headers="keys", tablefmt="github",
                                    floatfmt=".2f", showindex=False) + "\n", encoding="utf-8")
        written += [csv_path, md_path]
    return written
