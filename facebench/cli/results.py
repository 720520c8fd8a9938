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
    csv: Annotated[Path | None, typer.Option("--csv", help="write the full table (every metric, count and coverage) as CSV")] = None,
    markdown: Annotated[Path | None, typer.Option("--markdown", help="write the table as Markdown")] = None,
    paper: Annotated[bool, typer.Option("--paper", help="add the published numbers of the papers the protocols reproduce")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="every metric, count and coverage, not just each task's headline metric")] = False,
) -> None:
    """Build the leaderboard from the metrics files: one row per (model, protocol).

    The terminal and Markdown views show each task's headline metric with its 95% CI (lower-is-
    better marked, ``*`` where error rows leave the metric over part of the task); ``--wide``
    and the CSV carry every metric at full precision.
    """
    from facebench.leaderboard import build_leaderboard, collect_metrics, headline_view, to_markdown, to_terminal

    try:
        results = collect_metrics(output)  # read once for both views
        frame = build_leaderboard(output, results)
    except (FileNotFoundError, FacebenchError) as exc:
        _fail(exc)
    if paper:
        from facebench.report.reference import add_reference_rows

        frame = add_reference_rows(frame)
    if csv:
        frame.to_csv(csv)
    shown = frame if wide else headline_view(frame, output, results)
    if markdown:
        markdown.write_text(to_markdown(shown) + "\n", encoding="utf-8")
    typer.echo(to_terminal(shown))
    if not wide:
        typer.echo("values: % for rates, years for MAE; [95% CI]; * = some samples are error rows; "
                   "--wide for every metric")


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
    from facebench.judge.command import JudgeOptions, incomplete, run_judge, summary_line

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
        typer.echo(summary_line(s))
    failed = incomplete(summaries)
    if failed:
        console.print(f"[yellow]{len(failed)} result(s) incomplete: some judge calls failed, so their "
                      "scores are null and kept out of the tables and the leaderboard; rerun the same "
                      "command to ask only the failed calls (everything else is cached)[/yellow]")
        raise typer.Exit(code=1)


@app.command()
def report(
    output: Annotated[Path, typer.Argument(help="results folder")],
    html: Annotated[Path, typer.Option("--html", help="HTML file to write")] = Path("report.html"),
    paper: Annotated[bool, typer.Option("--paper/--no-paper", help="include the papers' published numbers")] = True,
    samples: Annotated[bool, typer.Option("--samples/--no-samples", help="also write the per-sample browser into <stem>_samples/ beside the page")] = True,
) -> None:
    """One HTML page: headline chart, leaderboard, per-task plots, links, and the sample browser."""
    from facebench.report.html import write_report

    try:
        write_report(output, html, paper=paper, samples=samples)
    except (FacebenchError, FileNotFoundError) as exc:
        _fail(exc)
    console.print(f"wrote {html}" + (f" and {html.parent / (html.stem + '_samples')}/index.html" if samples else ""))


@app.command()
def view(
    output: Annotated[Path, typer.Argument(help="results folder")],
    site: Annotated[Path, typer.Option("--site", help="folder to write the browser into (static files)")] = Path("facebench-view"),
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the folder on 127.0.0.1 (else only write it)")] = True,
    port: Annotated[int, typer.Option("--port", help="port on 127.0.0.1; 0 picks a free one")] = 8765,
    seconds: Annotated[float, typer.Option("--seconds", help="stop serving after this many seconds (0: until Ctrl-C)")] = 0.0,
) -> None:
    """Browse every sample: media thumbnails, prompt, response, parsed value, rule, target, score.

    The folder works from disk (open its index.html); serving it is a convenience. Only the
    site folder is served, only on 127.0.0.1; Ctrl-C stops the server.
    """
    import functools
    import http.server
    import sys
    import threading

    from facebench.report.browser import write_browser

    if not output.is_dir():
        _fail(FileNotFoundError(f"results folder not found: {output}"))
    try:
        page = write_browser(output, site)
    except FacebenchError as exc:
        _fail(exc)
    if not any(f.is_file() for f in output.glob("*/*/*/predictions.jsonl")):
        _fail(FileNotFoundError(f"no <model>/<variant>/<task>/predictions.jsonl under {output}"))
    if not serve:
        typer.echo(f"wrote {page}; open {page.resolve().as_uri()}")
        return

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
            pass

    handler = functools.partial(Quiet, directory=str(site.resolve()))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as exc:
        _fail(OSError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc} (try --port 0)"))
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    typer.echo(f"serving {site} at {url} (Ctrl-C stops)")
    sys.stdout.flush()
    timer = threading.Timer(seconds, server.shutdown) if seconds > 0 else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if timer:
            timer.cancel()
        server.server_close()
    typer.echo("stopped")


