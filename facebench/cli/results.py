"""Results: leaderboard, judge, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from facebench.cli.common import (
    _fail,
    _pairs,
    app,
    console,
)
from facebench.errors import FacebenchError


@app.command()
def leaderboard(
    output: Annotated[Path, typer.Argument(help="results folder")],
    csv: Annotated[Path | None, typer.Option("--csv", help="write the table as CSV")] = None,
    markdown: Annotated[Path | None, typer.Option("--markdown", help="write the table as Markdown")] = None,
    paper: Annotated[bool, typer.Option("--paper", help="add the published numbers of Face-MLLM and Face-LLaVA as reference rows")] = False,
) -> None:
    """Build the leaderboard from the metrics files (one row per model)."""
    from facebench.leaderboard import build_leaderboard, to_markdown, to_terminal

    try:
        frame = build_leaderboard(output)
    except FileNotFoundError as exc:
        _fail(exc)
    if paper:
        from facebench.report.reference import add_reference_rows

        frame = add_reference_rows(frame)
    if csv:
        frame.to_csv(csv)
    if markdown:
        markdown.write_text(to_markdown(frame) + "\n", encoding="utf-8")
    typer.echo(to_terminal(frame))


@app.command()
def judge(
    output: Annotated[Path, typer.Argument(help="results folder of finished runs")],
    judge_card: Annotated[str, typer.Option("--judge", help="judge model card (e.g. judge-gpt-4o-mini) or card YAML path")] = "judge-gpt-4o-mini",
    tasks: Annotated[str, typer.Option("--tasks", help="'all' or comma-separated task names")] = "all",
    model: Annotated[str | None, typer.Option("--model", help="only this model's results")] = None,
    kind: Annotated[str, typer.Option("--kind", help="auto, reasoning (Face-LLaVA Table 10) or mmvet")] = "auto",
    rubric: Annotated[list[str] | None, typer.Option("--rubric", help="TASK=TYPE: reasoning rubric type of a task")] = None,
    repeats: Annotated[int, typer.Option("--repeats", help="MM-Vet: gradings per item")] = 5,
    policy: Annotated[str, typer.Option("--unrated", help="MM-Vet: unrated gradings count as 'zero' (evaluator rule) or 'skip'")] = "zero",
    concurrency: Annotated[int | None, typer.Option("--concurrency", help="concurrent judge requests")] = None,
    judge_arg: Annotated[list[str] | None, typer.Option("--judge-arg", help="k=v override of a judge card setting")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="render the judge prompts to judge/dry_run.jsonl; call nothing")] = False,
) -> None:
    """Rate cached responses with an LLM judge: reasoning ratings (1-10) or MM-Vet grading."""
    from facebench.judge.client import Judge
    from facebench.judge.command import JudgeOptions, run_judge

    if kind not in ("auto", "reasoning", "mmvet") or policy not in ("zero", "skip"):
        raise typer.BadParameter("--kind is auto|reasoning|mmvet and --unrated is zero|skip")
    overrides = {k: yaml.safe_load(v) for k, v in _pairs(judge_arg, "--judge-arg").items()}
    if concurrency is not None:
        overrides["concurrency"] = concurrency
    opts = JudgeOptions(
        tasks=None if tasks == "all" else [t.strip() for t in tasks.split(",") if t.strip()],
        model=model, kind=kind, rubric_types=_pairs(rubric, "--rubric"),  # type: ignore[arg-type]
        repeats=repeats, policy=policy, dry_run=dry_run,  # type: ignore[arg-type]
    )
    try:
        judge_obj = Judge.from_card(judge_card, overrides)
        summaries = run_judge(output, judge_obj, opts)
    except FacebenchError as exc:
        _fail(exc)
    for s in summaries:
        head = f"{s['model']}/{s['task']} [{s['kind']}, {s['rubric']}]"
        if s.get("dry_run"):
            typer.echo(f"{head}: {s['n_calls']} judge calls rendered (dry run, nothing sent)")
        elif s["kind"] == "mmvet":
            typer.echo(f"{head}: overall {s['overall']['mean']:.1f} +- {s['overall']['std']:.1f} "
                       f"({s['repeats']} repeats, {s['n_unrated_gradings']} unrated, "
                       f"{s['new_calls']} new calls, cost {s['usage']['cost_usd']})")
        else:
            means = ", ".join(f"{k}={v['mean']:.2f}" for k, v in s["criteria"].items() if v["mean"] is not None)
            typer.echo(f"{head}: rated {s['n_rated']}, unrated {s['n_unrated']}, errors {s['n_error']}; "
                       f"{means}; {s['new_calls']} new calls, cost {s['usage']['cost_usd']}")
    if any(s.get("n_error") or s.get("n_error_gradings") for s in summaries):
        console.print("[yellow]some judge calls failed; rerun the same command to retry them (cached calls are free)[/yellow]")
        raise typer.Exit(code=1)


@app.command()
def report(
    output: Annotated[Path, typer.Argument(help="results folder")],
    html: Annotated[Path, typer.Option("--html", help="HTML file to write")] = Path("report.html"),
    paper: Annotated[bool, typer.Option("--paper/--no-paper", help="include the papers' published numbers")] = True,
) -> None:
    """One HTML page: leaderboard, plots (confusion, recall, AU F1, format validity, judge ratings), links."""
    from facebench.report.html import write_report

    try:
        write_report(output, html, paper=paper)
    except (FacebenchError, FileNotFoundError) as exc:
        _fail(exc)
    console.print(f"wrote {html}")


