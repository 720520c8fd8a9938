"""Judge result tables, regenerated from ``<output>/<model>/<variant>/<task>/judge/summary.json``.

Rows are labelled ``model [variant]`` (the variant is the protocol, plus any overrides), so
ratings of two protocols' runs are never averaged together.

- reasoning: model x (criterion, column) mean ratings: one column per task, one per task type
  (``reasoning_<type>``: the mean over every rated answer of that type's tasks, as Face-LLaVA
  Table 10 rates one pool of samples per task type) and ``all`` per criterion, the unweighted mean
  over the task types present (Table 10's "All" is the mean of its five task-type columns);
- MM-Vet: model x capability (x100), overall and its std over repeats (Face-MLLM Table 5 order),
  with the judge versions that graded it and the rubric version;
- :func:`judge_columns`: the same numbers as ``task/metric`` columns for the leaderboard, plus
  ``reasoning_<type>/judge_<criterion>`` and, when all five task types are rated,
  ``reasoning_all/judge_<criterion>``: the columns of the paper's reference rows.

A summary that is incomplete (some judge call failed, so its scores are null) is left out of
every table: a number over the gradings that happened to succeed is not the task's number.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import pandas as pd

from facebench.judge.schema import CRITERIA, TABLE5_ORDER, TASK_TYPE_ORDER


def is_complete(summary: dict[str, Any]) -> bool:
    """False while any judge call behind the summary failed (files from before the ``complete``
    field: judged by their error counts)."""
    if "complete" in summary:
        return bool(summary["complete"])
    return not (summary.get("n_error") or summary.get("n_error_gradings"))


def collect_summaries(output: Path, complete_only: bool = True) -> list[dict[str, Any]]:
    """Every judge summary under ``output`` (dry runs excluded; incomplete ones too, by default)."""
    rows = []
    for path in sorted(Path(output).glob("*/*/*/judge/summary.json")):
        summary = json.loads(path.read_text(encoding="utf-8"))
        if summary.get("dry_run") or (complete_only and not is_complete(summary)):
            continue
        summary["variant"] = path.parents[2].name
        summary["label"] = f"{summary['model']} [{summary['variant']}]"
        rows.append(summary)
    return rows


def _type_means(summaries: list[dict[str, Any]]) -> dict[str, dict[tuple[str, str], float]]:
    """label -> {(criterion, task type): mean over every rated answer of that type's tasks}."""
    pooled: dict[str, dict[tuple[str, str], list[float]]] = {}
    for s in summaries:
        if s["kind"] != "reasoning" or not s.get("task_type"):
            continue
        acc = pooled.setdefault(s["label"], {})
        for crit in CRITERIA:
            st = s["criteria"][crit]
            if st["mean"] is not None and st["n"]:
                total = acc.setdefault((crit, s["task_type"]), [0.0, 0])
                total[0] += st["mean"] * st["n"]
                total[1] += st["n"]
    return {label: {k: t / n for k, (t, n) in acc.items()} for label, acc in pooled.items()}


def reasoning_table(output: Path) -> pd.DataFrame:
    """Rows: models; columns: ``(criterion, task)``, ``(criterion, reasoning_<type>)`` and
    ``(criterion, all)``."""
    summaries = collect_summaries(output)
    table: dict[str, dict[tuple[str, str], float]] = {}
    for s in summaries:
        if s["kind"] != "reasoning":
            continue
        row = table.setdefault(s["label"], {})
        for crit in CRITERIA:
            mean = s["criteria"][crit]["mean"]
            if mean is not None:
                row[(crit, s["task"])] = mean
    for label, means in _type_means(summaries).items():
        row = table[label]
        for crit in CRITERIA:
            types = [t for t in TASK_TYPE_ORDER if (crit, t) in means]
            for t in types:
                row[(crit, f"reasoning_{t}")] = means[(crit, t)]
            if types:
                row[(crit, "all")] = statistics.fmean(means[(crit, t)] for t in types)
    frame = pd.DataFrame.from_dict(table, orient="index")
    if frame.empty:
        return frame
    order = {c: i for i, c in enumerate(CRITERIA)}
    type_rank = {f"reasoning_{t}": i for i, t in enumerate(TASK_TYPE_ORDER)}

    def rank(col: tuple[str, str]) -> tuple[int, int, int, str]:
        crit, name = col
        group = 2 if name == "all" else (1 if name in type_rank else 0)
        return (order[crit], group, type_rank.get(name, 0), name)

    cols = sorted(frame.columns, key=rank)
    frame = frame[cols]
    frame.columns = pd.MultiIndex.from_tuples(cols, names=["criterion", "task"])
    frame.index.name = "model"
    return frame.sort_index()


def mmvet_table(output: Path) -> pd.DataFrame:
    """Rows: models (and task, if several MM-Vet-like tasks); columns as Face-MLLM Table 5,
    then the judge versions (the replies' ``model`` field) and the rubric version."""
    table: dict[str, dict[str, Any]] = {}
    for s in collect_summaries(output):
        if s["kind"] != "mmvet":
            continue
        name = s["label"] if s["task"] == "mmvet" else f"{s['label']} ({s['task']})"
        row: dict[str, Any] = {c: s["capabilities"].get(c, {}).get("mean") for c in TABLE5_ORDER}
        row["overall"] = s["overall"]["mean"]
        row["overall_std"] = s["overall"]["std"]
        row["repeats"] = s["repeats"]
        row["judge"] = ", ".join(s.get("judge_models") or []) or None
        row["rubric"] = s.get("rubric")
        table[name] = row
    frame = pd.DataFrame.from_dict(table, orient="index")
    frame.index.name = "model"
    return frame.sort_index()


def judge_columns(output: Path) -> dict[tuple[str, str], dict[str, float]]:
    """(model, variant) -> {``task/judge_<criterion>``, ``reasoning_<type>/judge_<criterion>``,
    ``reasoning_all/judge_<criterion>`` or ``mmvet/<capability>``: value}; complete summaries only."""
    summaries = collect_summaries(output)
    cols: dict[tuple[str, str], dict[str, float]] = {}
    keys = {}
    for s in summaries:
        key = (s["model"], s["variant"])
        keys[s["label"]] = key
        row = cols.setdefault(key, {})
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
    for label, means in _type_means(summaries).items():
        row = cols[keys[label]]
        for crit in CRITERIA:
            for t in TASK_TYPE_ORDER:
                if (crit, t) in means:
                    row[f"reasoning_{t}/judge_{crit}"] = means[(crit, t)]
            if all((crit, t) in means for t in TASK_TYPE_ORDER):  # comparable with the paper's All
                row[f"reasoning_all/judge_{crit}"] = statistics.fmean(
                    means[(crit, t)] for t in TASK_TYPE_ORDER)
    return cols


def write_tables(output: Path) -> list[Path]:
    """``judge_reasoning.{csv,md}`` and ``judge_mmvet.{csv,md}`` at the top of the output folder.

    A table with no complete summary left is removed, so no stale numbers outlive a regrading.
    """
    from tabulate import tabulate

    written = []
    for name, frame in (("judge_reasoning", reasoning_table(output)), ("judge_mmvet", mmvet_table(output))):
        csv_path = Path(output) / f"{name}.csv"
        md_path = Path(output) / f"{name}.md"
        if frame.empty:
            csv_path.unlink(missing_ok=True)
            md_path.unlink(missing_ok=True)
            continue
        frame.to_csv(csv_path)
        flat = frame.copy()
        if isinstance(flat.columns, pd.MultiIndex):
            flat.columns = ["/".join(c) for c in flat.columns]
        md_path.write_text(tabulate(flat.reset_index(), headers="keys", tablefmt="github",
                                    floatfmt=".2f", showindex=False) + "\n", encoding="utf-8")
        written += [csv_path, md_path]
    return written
