"""Leaderboards, always regenerated from the ``metrics.json`` files of an output folder.

One row per (model, protocol), one column per ``task/metric`` (scalar metrics only; per-class values stay
in the metrics files), the format-valid rate, coverage (share of samples answered) and error
count per task, and a "majority-class floor" row computed
from the evaluated targets so a number can be read against chance (FF++'s 80% is the classic).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

FLOOR_ROW = "majority-class floor"


def collect_metrics(output: Path) -> list[dict[str, Any]]:
    """Every ``<model>/<variant>/<task>/metrics.json`` under an output folder, each with its
    ``variant`` (the folder name: protocol plus overrides) and ``folder``."""
    from facebench.engine.layout import run_folders

    rows = []
    for folder in run_folders(output):
        path = folder / "metrics.json"
        if path.is_file():
            res = json.loads(path.read_text(encoding="utf-8"))
            res.setdefault("variant", folder.parent.name)
            res["folder"] = str(folder)
            rows.append(res)
    return rows


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Numeric metrics; answered counts are left to the board's own coverage column."""
    return {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.endswith("n_answered")
    }


def build_leaderboard(output: Path) -> pd.DataFrame:
    """The leaderboard: one row per (model, protocol variant), the floor rows last.

    The index is the model name; the first column, ``protocol``, is the variant folder
    (``face-mllm``, ``face-mllm~limit=200+seed=0``): a number is only comparable with the rows
    of the same protocol.
    """
    results = collect_metrics(output)
    if not results:
        raise FileNotFoundError(f"no <model>/<protocol>/<task>/metrics.json under {output}")
    table: dict[tuple[str, str], dict[str, Any]] = {}
    floors: dict[tuple[str, str], tuple[int, dict[str, float]]] = {}
    for res in results:
        variant = res["variant"]
        row = table.setdefault((res["model"], variant), {})
        for name, value in scalar_metrics(res["metrics"]).items():
            row[f"{res['task']}/{name}"] = value
        n, n_error = res["n"], res.get("n_error", 0)
        row[f"{res['task']}/n"] = n
        # coverage: the share of samples answered; a metric over part of a task is not the
        # task's number, and the board must say so beside it
        row[f"{res['task']}/coverage"] = (n - n_error) / n if n else None
        row[f"{res['task']}/errors"] = n_error
        floor = scalar_metrics(res.get("floor") or {})
        # the floor comes from the largest evaluated set of that task under that variant
        if floor and n >= floors.get((res["task"], variant), (-1, {}))[0]:
            floors[(res["task"], variant)] = (n, floor)
    for (task, variant), (_, floor) in floors.items():
        row = table.setdefault((FLOOR_ROW, variant), {})
        row.update({f"{task}/{name}": value for name, value in floor.items()})
    add_judge_columns(table, output)
    index = sorted(table, key=lambda key: (key[0] == FLOOR_ROW, key[1], key[0]))
    frame = pd.DataFrame([table[k] for k in index], index=pd.Index([k[0] for k in index], name="model"))
    frame = frame[sorted(frame.columns, key=_column_order)]
    frame.insert(0, "protocol", [k[1] for k in index])
    return frame


def add_judge_columns(table: dict[tuple[str, str], dict[str, Any]], output: Path) -> None:
    """Merge LLM-judge results (``judge/summary.json``: reasoning ratings, MM-Vet scores)."""
    if not any(Path(output).glob("*/*/*/judge/summary.json")):
        return
    from facebench.judge.tables import judge_columns

    for key, columns in judge_columns(output).items():
        table.setdefault(key, {}).update(columns)


def _column_order(column: str) -> tuple[str, int, str]:
    task, _, metric = column.partition("/")
    rank = {"format_valid_rate": 1, "coverage": 2, "errors": 3, "n": 4}.get(metric, 0)
    return (task, rank, metric)


def to_markdown(frame: pd.DataFrame, floatfmt: str = ".4g") -> str:
    from tabulate import tabulate

    return tabulate(frame.reset_index(), headers="keys", tablefmt="github", floatfmt=floatfmt, showindex=False)


def to_terminal(frame: pd.DataFrame) -> str:
    """Models as columns: a task x metric list reads better in a terminal than 40 columns."""
    from tabulate import tabulate

    labelled = frame.drop(columns=["protocol"]) if "protocol" in frame.columns else frame
    if "protocol" in frame.columns:
        labelled.index = [f"{m} [{p}]" for m, p in zip(frame.index, frame["protocol"])]
    t = labelled.T
    t.index.name = "task/metric"
    return tabulate(t.reset_index(), headers="keys", tablefmt="simple", floatfmt=".4g", showindex=False)
