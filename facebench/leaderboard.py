"""Leaderboards, always regenerated from the ``metrics.json`` files of an output folder.

One row per model, one column per ``task/metric`` (scalar metrics only; per-class values stay
in the metrics files), the format-valid rate per task, and a "majority-class floor" row computed
from the evaluated targets so a number can be read against chance (FF++'s 80% is the classic).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

FLOOR_ROW = "majority-class floor"


def collect_metrics(output: Path) -> list[dict[str, Any]]:
    """Every ``<model>/<task>/metrics.json`` under an output folder."""
    rows = []
    for path in sorted(Path(output).glob("*/*/metrics.json")):
        rows.append(json.loads(path.read_text(encoding="utf-8")))
    return rows


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def build_leaderboard(output: Path) -> pd.DataFrame:
    """The leaderboard table, models as rows (the floor row last)."""
    results = collect_metrics(output)
    if not results:
        raise FileNotFoundError(f"no */*/metrics.json under {output}")
    table: dict[str, dict[str, float]] = {}
    floors: dict[str, tuple[int, dict[str, float]]] = {}
    for res in results:
        row = table.setdefault(res["model"], {})
        for name, value in scalar_metrics(res["metrics"]).items():
            row[f"{res['task']}/{name}"] = value
        row[f"{res['task']}/n"] = res["n"]
        floor = scalar_metrics(res.get("floor") or {})
        # the floor comes from the largest evaluated set of that task
        if floor and res["n"] >= floors.get(res["task"], (-1, {}))[0]:
            floors[res["task"]] = (res["n"], floor)
    if floors:
        table[FLOOR_ROW] = {
            f"{task}/{name}": value for task, (_, floor) in floors.items() for name, value in floor.items()
        }
    add_judge_columns(table, output)
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "model"
    frame = frame[sorted(frame.columns, key=_column_order)]
    models = sorted(i for i in frame.index if i != FLOOR_ROW)
    return frame.loc[models + ([FLOOR_ROW] if FLOOR_ROW in frame.index else [])]


def add_judge_columns(table: dict[str, dict[str, float]], output: Path) -> None:
    """Merge LLM-judge results (``*/*/judge/summary.json``: reasoning ratings, MM-Vet scores)."""
    if not any(Path(output).glob("*/*/judge/summary.json")):
        return
    from facebench.judge.tables import judge_columns

    for model, columns in judge_columns(output).items():
        table.setdefault(model, {}).update(columns)


def _column_order(column: str) -> tuple[str, int, str]:
    task, _, metric = column.partition("/")
    rank = {"n": 2, "format_valid_rate": 1}.get(metric, 0)
    return (task, rank, metric)


def to_markdown(frame: pd.DataFrame, floatfmt: str = ".4g") -> str:
    from tabulate import tabulate

    return tabulate(frame.reset_index(), headers="keys", tablefmt="github", floatfmt=floatfmt, showindex=False)


def to_terminal(frame: pd.DataFrame) -> str:
    """Models as columns: a task x metric list reads better in a terminal than 40 columns."""
    from tabulate import tabulate

    t = frame.T
    t.index.name = "task/metric"
    return tabulate(t.reset_index(), headers="keys", tablefmt="simple", floatfmt=".4g", showindex=False)
