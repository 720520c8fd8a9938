"""``facebench report OUTPUT --html FILE``: one HTML page, plus the per-sample browser beside it.

Everything is read from the files a run leaves behind (``metrics.json``, ``predictions.jsonl``,
``judge/summary.json``), so the page can be rebuilt at any time without a model. The page opens
with the headline chart (each task's headline metric per model, 95% interval, floor), then the
leaderboard, then one section per task (row-normalised confusion matrices, per-class recall,
per-AU F1, per-attribute accuracy, age predicted vs true). Figures are inline PNGs, so the page
is one file; per-sample files and the sample browser (``<stem>_samples/index.html``) are linked
by relative path.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import jinja2

from facebench.judge.schema import CRITERIA, TABLE5_ORDER
from facebench.judge.tables import mmvet_table, reasoning_table
from facebench.leaderboard import FLOOR_ROW, build_leaderboard, collect_metrics
from facebench.metrics import format_valid_over_results
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


def _headline(results: list[dict[str, Any]]) -> str | None:
    """The headline chart: every task's headline metric per model, its 95% interval and floor."""
    entries = []
    for r in results:
        metric = r.get("primary_metric")
        if not metric:
            continue
        value = r["metrics"].get(metric)
        ci = (r.get("confidence_intervals") or {}).get(metric) or {}
        floor = (r.get("floor") or {}).get(metric)
        entries.append(plots.Headline(
            task=r["task"], metric=metric, model=r["model"],
            value=float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None,
            low=ci.get("low"), high=ci.get("high"),
            floor=float(floor) if isinstance(floor, (int, float)) else None,
            lower_is_better=metric in (r.get("lower_is_better") or [])))
    if not entries:
        return None
    entries.sort(key=lambda e: e.task)
    return _b64(plots.headline_chart(entries))


def _age_points(folder: Path) -> list[tuple[float, float]]:
    """(true, predicted) of every answered numeric row of predictions.jsonl (the age questions)."""
    from facebench.engine.store import read_jsonl

    points = []
    for p in read_jsonl(folder / "predictions.jsonl"):
        target, parsed = p.get("target"), p.get("parsed")
        if isinstance(target, dict):
            target = target.get("value")
        if p.get("error") or isinstance(parsed, bool) or isinstance(target, bool):
            continue
        if isinstance(parsed, (int, float)) and isinstance(target, (int, float)):
            points.append((float(target), float(parsed)))
    return points


#: per-key metrics drawn as grouped bars: metrics key -> what the figure calls it
_PER_KEY = (("per_class_recall", "per-class recall"), ("per_class_f1", "per-AU F1"),
            ("per_class_accuracy", "per-attribute accuracy"), ("per_group_accuracy", "per-category accuracy"),
            ("accuracy_by_method", "accuracy per manipulation method"))


def _slice_rows(results: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Fairness slices of a task (``metrics.json`` ``slices``): one row per model, slice and
    group with the headline metric, its 95% CI and n."""
    rows = []
    for r in results:
        for name, groups in (r.get("slices") or {}).items():
            for group, cell in groups.items():
                value, low, high = cell.get("value"), cell.get("low"), cell.get("high")
                shown = "n/a" if value is None else f"{value:.4g}"
                if low is not None and high is not None:
                    shown += f" [{low:.4g}, {high:.4g}]"
                rows.append({"model": r["model"], "slice": name, "group": group, "value": shown,
                             "n": str(cell.get("n", ""))})
    return rows


def _task_figures(output: Path, task: str, results: list[dict[str, Any]]) -> list[dict[str, str]]:
    figures = []
    for res in results:
        cm = res["metrics"].get("confusion_matrix")
        if isinstance(cm, dict) and {"labels", "columns", "matrix"} <= cm.keys():
            title = f"{task}: {res['model']}: confusion matrix (row-normalised)"
            figures.append({"title": title, "kind": "confusion",
                            "png": _b64(plots.confusion_matrix(cm["labels"], cm["columns"], cm["matrix"],
                                                               f"{task}: {res['model']}"))})
    for key, what in _PER_KEY:
        per_model = {r["model"]: r["metrics"][key] for r in results  # skip all-None (unanswered)
                     if isinstance(r["metrics"].get(key), dict)
                     and any(v is not None for v in r["metrics"][key].values())}
        if per_model:
            if key == "per_class_accuracy" and all(str(k).startswith("AU") for m in per_model.values() for k in m):
                what = "per-AU accuracy"
            figures.append({"title": f"{task}: {what}", "kind": key,
                            "png": _b64(plots.grouped_bars(per_model, f"{task}: {what}", what, (0, 1)))})
    if any(r.get("lower_is_better") for r in results):
        points = {r["model"]: pts for r in results if (pts := _age_points(Path(r["folder"])))}
        if points:
            figures.append({"title": f"{task}: age, predicted vs true", "kind": "age_scatter",
                            "png": _b64(plots.age_scatter(points, f"{task}: predicted vs true age"))})
    return figures


def _links(html_dir: Path, folder: Path) -> list[dict[str, str]]:
    links = []
    for rel in ("predictions.jsonl", "metrics.json", "judge/ratings.jsonl", "judge/gradings.jsonl"):
        path = folder / rel
        if path.is_file():
            href = os.path.relpath(path.resolve(), html_dir.resolve())
            links.append({"href": href, "text": f"{folder.parent.parent.name} [{folder.parent.name}]/{rel}"})
    return links


def _format_valid(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Face-MLLM Fig. 4: per model (and protocol), valid answers over all answers of its tasks,
    pooled (:func:`facebench.metrics.format_valid_over_results`), not a mean of task rates."""
    per_model: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        per_model.setdefault(r["model"], []).append(r)
    pooled = {m: format_valid_over_results(rs) for m, rs in per_model.items()}
    rates = {m: p["format_valid_rate"] for m, p in pooled.items() if p["format_valid_rate"] is not None}
    if not rates:
        return None
    png = plots.sorted_bars(rates, "format-valid rate (pooled over all answers)", "%")
    rows = [{"model": m, "rate": f"{100 * rates[m]:.1f}", "valid": pooled[m]["n_valid"],
             "answers": pooled[m]["n_answers"]} for m in sorted(rates, key=rates.__getitem__)]
    return {"png": _b64(png), "rows": rows}


def _judge_sections(output: Path) -> list[dict[str, Any]]:
    sections = []
    reasoning = reasoning_table(output)
    if not reasoning.empty:
        values = {m: {c: reasoning.loc[m].get((c, "all")) for c in CRITERIA} for m in reasoning.index}
        flat = reasoning.copy()
        flat.columns = [f"{c}/{t}" for c, t in flat.columns]
        sections.append({
            "title": "Reasoning ratings (1-10, Face-LLaVA Table 10 layout; 'all' = mean over task types)",
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


def write_report(output: Path, html_file: Path, paper: bool = True, samples: bool = True) -> Path:
    """Render the report page for an output folder to ``html_file``.

    With ``samples``, the per-sample browser is written beside it into ``<stem>_samples/``
    (see :mod:`facebench.report.browser`) and every task section links to its rows there.
    """
    output = Path(output)
    results = [r for r in collect_metrics(output) if r.get("model") != FLOOR_ROW]
    for r in results:  # a model under two protocols is two entries in every figure
        r["model"] = f"{r['model']} [{r['variant']}]"
    by_task: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        by_task.setdefault(r["task"], []).append(r)
    html_file = Path(html_file)
    html_dir = html_file.resolve().parent
    browser = None
    if samples:
        from facebench.report.browser import write_browser

        page = write_browser(output, html_dir / f"{html_file.stem}_samples")
        browser = os.path.relpath(page, html_dir)
    tasks = []
    for task, task_results in sorted(by_task.items()):
        links = [link for r in task_results for link in _links(html_dir, Path(r["folder"]))]
        lower = sorted({m for r in task_results for m in (r.get("lower_is_better") or [])})
        tasks.append({"name": task, "figures": _task_figures(output, task, task_results), "links": links,
                      "lower_is_better": lower,
                      "primary": sorted({r.get("primary_metric") for r in task_results if r.get("primary_metric")}),
                      "samples": f"{browser}#task={task}" if browser else None,
                      "slices": _slice_rows(task_results)})
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    page = env.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        output=str(output),
        generated=dt.datetime.now().isoformat(timespec="seconds"),
        paper=paper,
        headline=_headline(results),
        leaderboard=_leaderboard_html(output, paper),
        format_valid=_format_valid(results),
        tasks=tasks,
        browser=browser,
        judge=_judge_sections(output),
    )
    html_file.parent.mkdir(parents=True, exist_ok=True)
    html_file.write_text(page, encoding="utf-8")
    return html_file
