"""``facebench report OUTPUT --html FILE``: one self-contained HTML page.

Everything is read from the files a run leaves behind (``metrics.json``, ``predictions.jsonl``,
``judge/summary.json``), so the page can be rebuilt at any time without a model. Figures are
inline PNGs (one file to mail around); per-sample files are linked by relative path.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import statistics
from pathlib import Path
from typing import Any

import jinja2

from facebench.judge.schema import CRITERIA, TABLE5_ORDER
from facebench.judge.tables import mmvet_table, reasoning_table
from facebench.leaderboard import FLOOR_ROW, build_leaderboard, collect_metrics
from facebench.report import plots

TEMPLATE = Path(__file__).with_name("template.html.jinja")


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def _leaderboard_html(output: Path, paper: bool) -> str:
    frame = build_leaderboard(output)
    if paper:
        from facebench.report.reference import add_reference_rows

        frame = add_reference_rows(frame)
    html = frame.to_html(float_format=lambda v: f"{v:.4g}", na_rep="", border=0)
    # grey out the reported rows so they never pass for measurements
    return re.sub(r"<tr>(\s*<th>[^<]*</th>\s*<td>reported)", r'<tr class="reported">\1', html)


def _task_figures(output: Path, task: str, results: list[dict[str, Any]]) -> list[dict[str, str]]:
    figures = []
    for res in results:
        cm = res["metrics"].get("confusion_matrix")
        if isinstance(cm, dict) and {"labels", "columns", "matrix"} <= cm.keys():
            figures.append({"title": f"{res['model']}: confusion matrix",
                            "png": _b64(plots.confusion_matrix(cm["labels"], cm["columns"], cm["matrix"],
                                                               f"{res['model']} / {task}"))})
    for key, what in (("per_class_recall", "per-class recall"), ("per_class_f1", "per-AU F1")):
        per_model = {r["model"]: r["metrics"][key] for r in results  # skip all-None (unanswered)
                     if isinstance(r["metrics"].get(key), dict)
                     and any(v is not None for v in r["metrics"][key].values())}
        if per_model:
            figures.append({"title": f"{task}: {what}",
                            "png": _b64(plots.grouped_bars(per_model, f"{task}: {what}", what, (0, 1)))})
    return figures


def _links(html_dir: Path, folder: Path) -> list[dict[str, str]]:
    links = []
    for rel in ("predictions.jsonl", "metrics.json", "judge/ratings.jsonl", "judge/gradings.jsonl"):
        path = folder / rel
        if path.is_file():
            href = os.path.relpath(path.resolve(), html_dir.resolve())
            links.append({"href": href, "text": f"{folder.parent.parent.name} [{folder.parent.name}]/{rel}"})
    return links


def _format_valid(results: list[dict[str, Any]]) -> str | None:
    per_model: dict[str, list[float]] = {}
    for r in results:
        v = r["metrics"].get("format_valid_rate")
        if isinstance(v, (int, float)):
            per_model.setdefault(r["model"], []).append(float(v))
    if not per_model:
        return None
    means = {m: statistics.fmean(v) for m, v in per_model.items()}
    return _b64(plots.sorted_bars(means, "format-valid rate (mean over tasks)", "%"))


def _judge_sections(output: Path) -> list[dict[str, Any]]:
    sections = []
    reasoning = reasoning_table(output)
    if not reasoning.empty:
        values = {m: {c: reasoning.loc[m].get((c, "all")) for c in CRITERIA} for m in reasoning.index}
        flat = reasoning.copy()
        flat.columns = [f"{c}/{t}" for c, t in flat.columns]
        sections.append({
            "title": "Reasoning ratings (1-10, Face-LLaVA Table 10 layout; 'all' = mean over tasks)",
            "png": _b64(plots.grouped_bars(values, "mean judge rating over tasks", "rating", (0, 10))),
            "table": flat.to_html(float_format=lambda v: f"{v:.2f}", na_rep="", border=0),
        })
    mmvet = mmvet_table(output)
    if not mmvet.empty:
        values = {m: {c: mmvet.loc[m].get(c) for c in (*TABLE5_ORDER, "overall")} for m in mmvet.index}
        sections.append({
            "title": "MM-Vet (x100, Face-MLLM Table 5 layout; std over repeats)",
            "png": _b64(plots.grouped_bars(values, "MM-Vet by capability", "score", (0, 100))),
            "table": mmvet.to_html(float_format=lambda v: f"{v:.1f}", na_rep="", border=0),
        })
    return sections


def write_report(output: Path, html_file: Path, paper: bool = True) -> Path:
    """Render the report page for an output folder to ``html_file``."""
    output = Path(output)
    results = [r for r in collect_metrics(output) if r.get("model") != FLOOR_ROW]
    for r in results:  # a model under two protocols is two entries in every figure
        r["model"] = f"{r['model']} [{r['variant']}]"
    by_task: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_task.setdefault(r["task"], []).append(r)
    html_dir = Path(html_file).resolve().parent
    tasks = []
    for task, task_results in sorted(by_task.items()):
        links = [link for r in task_results for link in _links(html_dir, Path(r["folder"]))]
        tasks.append({"name": task, "figures": _task_figures(output, task, task_results), "links": links})
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        output=str(output),
        generated=dt.datetime.now().isoformat(timespec="seconds"),
        paper=paper,
        leaderboard=_leaderboard_html(output, paper),
        format_valid=_format_valid(results),
        tasks=tasks,
        judge=_judge_sections(output),
    )
    html_file = Path(html_file)
    html_file.parent.mkdir(parents=True, exist_ok=True)
    html_file.write_text(page, encoding="utf-8")
    return html_file
