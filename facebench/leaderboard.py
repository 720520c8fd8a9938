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


def build_leaderboard(output: Path, results: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """The leaderboard: one row per (model, protocol variant), the floor rows last.

    The index is the model name; the first column, ``protocol``, is the variant folder
    (``face-mllm``, ``face-mllm~limit=200+seed=0``): a number is only comparable with the rows
    of the same protocol.
    """
    results = collect_metrics(output) if results is None else results
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
        if res.get("refusal_rate") is not None and f"{res['task']}/refusal_rate" not in row:
            row[f"{res['task']}/refusal_rate"] = res["refusal_rate"]
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
    rank = {"format_valid_rate": 1, "refusal_rate": 2, "coverage": 3, "errors": 4, "n": 5}.get(metric, 0)
    return (task, rank, metric)


def human_metric(value: float | None, low: float | None, high: float | None, metric: str,
                 lower_is_better: bool) -> str:
    """A metric for people: rates in % with one decimal, MM-Vet's score (already x100) with one,
    other numbers (MAE in years) with two; the 95% CI after it; ``null`` when undefined."""
    if value is None:
        return "null"
    percent = not lower_is_better and metric != "score" and abs(value) <= 1.0
    scale, digits = (100.0, 1) if percent else (1.0, 1 if metric == "score" else 2)
    cell = f"{value * scale:.{digits}f}"
    if low is not None and high is not None:
        cell += f" [{low * scale:.{digits}f}, {high * scale:.{digits}f}]"
    return cell


def headline_view(frame: pd.DataFrame, output: Path, results: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """The board people read: one headline cell per task, ``value [95% CI]``, rounded.

    Rates are shown in percent with one decimal, other metrics (MAE, in years) with two;
    a column whose metric is lower-is-better is marked with a down arrow; a cell whose run has
    error rows carries ``*`` (its metric covers only the answered samples). ``frame`` is the
    wide board (:func:`build_leaderboard`, possibly with reported rows); the full-precision
    numbers stay there and in the CSV.
    """
    results = collect_metrics(output) if results is None else results
    primary: dict[str, tuple[str, bool]] = {}
    intervals: dict[tuple[str, str, str], tuple[float, float]] = {}
    for res in results:
        metric = res["primary_metric"]
        primary.setdefault(res["task"], (metric, metric in (res.get("lower_is_better") or [])))
        ci = (res.get("confidence_intervals") or {}).get(metric) or {}
        if ci.get("low") is not None and ci.get("high") is not None:
            intervals[(res["model"], res["variant"], res["task"])] = (ci["low"], ci["high"])
    columns: dict[str, list[str]] = {}
    protocols = frame["protocol"] if "protocol" in frame.columns else pd.Series([""] * len(frame))
    for task in sorted(primary):
        metric, lower = primary[task]
        key = f"{task}/{metric}"
        if key not in frame.columns:
            continue
        percent = not lower and metric not in ("score",)
        header = f"{task} {metric}" + (" (%)" if percent else "") + (" ↓" if lower else "")
        cells = []
        for model, protocol, (_, row) in zip(frame.index, protocols, frame.iterrows()):
            value = row.get(key)
            if value is None or pd.isna(value):
                cells.append("")
                continue
            low, high = intervals.get((model, protocol, task), (None, None))
            cell = human_metric(float(value), low, high, metric, lower)
            coverage = row.get(f"{task}/coverage")
            if coverage is not None and not pd.isna(coverage) and coverage < 1.0:
                cell += "*"
            cells.append(cell)
        columns[header] = cells
    view = pd.DataFrame(columns, index=frame.index)
    front = [c for c in ("source", "protocol") if c in frame.columns]
    for i, c in enumerate(front):
        view.insert(i, c, frame[c].fillna("").values)
    return view


def to_markdown(frame: pd.DataFrame, floatfmt: str = ".4g") -> str:
    from tabulate import tabulate

    return tabulate(frame.reset_index(), headers="keys", tablefmt="github", floatfmt=floatfmt, showindex=False)


def to_terminal(frame: pd.DataFrame) -> str:
    """One table per protocol (a number is only comparable within its protocol), models as
    rows, only the columns that protocol has values in: it fits a terminal."""
    from tabulate import tabulate

    if "protocol" not in frame.columns:
        return tabulate(frame.reset_index(), headers="keys", tablefmt="simple", floatfmt=".4g",
                        showindex=False)
    blocks = []
    for protocol in dict.fromkeys(frame["protocol"]):
        part = frame[frame["protocol"] == protocol].drop(columns=["protocol", "source"], errors="ignore")
        filled = part.replace("", pd.NA).dropna(axis=1, how="all").astype(object).fillna("")
        table = tabulate(filled.reset_index(), headers="keys", tablefmt="simple", floatfmt=".4g",
                         showindex=False, missingval="")
        blocks.append(f"protocol {protocol}\n{table}")
    return "\n\n".join(blocks)
