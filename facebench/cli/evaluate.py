"""Evaluating: run, score, compare, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from facebench.cli.common import (
    DataOpt,
    DataRootOpt,
    FaceCropOpt,
    LimitOpt,
    ModeOpt,
    PromptOpt,
    SeedOpt,
    TasksOpt,
    ProtocolOpt,
    _fail,
    _options,
    check_styles,
    protocol_tasks,
    _pairs,
    app,
    console,
)
from facebench.errors import FacebenchError


AllowErrorsOpt = Annotated[bool, typer.Option("--allow-errors", help="exit 0 even when some samples are error rows (failed tasks still exit 1)")]


@app.command()
def run(
    model: Annotated[str, typer.Option("--model", help="model card name, card YAML path, or adapter name")],
    tasks: TasksOpt = "all",
    output: Annotated[Path, typer.Option("--output", help="results folder")] = Path("results"),
    data_root: DataRootOpt = None,
    data: DataOpt = None,
    prompt: PromptOpt = None,
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    mode: ModeOpt = None,
    model_arg: Annotated[list[str] | None, typer.Option("--model-arg", help="k=v override of a card setting")] = None,
    name: Annotated[str | None, typer.Option("--name", help="name of the model in the results")] = None,
    face_crop: FaceCropOpt = None,
    protocol: ProtocolOpt = None,
    allow_errors: AllowErrorsOpt = False,
) -> None:
    """Run tasks on a model: infer (cached, resumable), parse, score, aggregate; print a leaderboard.

    Exit status: 0 when every task ran and every sample was answered; 1 when a task failed or
    (without --allow-errors) some samples are error rows; 2 for bad options; 130 on Ctrl-C.
    """
    from facebench.adapters.registry import build_adapter, load_card
    from facebench.engine.names import check_component
    from facebench.engine.runner import InferStats, run_task
    from facebench.leaderboard import build_leaderboard, to_terminal

    try:
        card = load_card(model)
        opts = _options(output, data_root, data, prompt, limit, seed, mode, face_crop, protocol,
                        card.native_protocols)
        model_name = check_component(name or card.name, "--name" if name else "model card name")
        overrides = {k: yaml.safe_load(v) for k, v in _pairs(model_arg, "--model-arg").items()}
        selected = protocol_tasks(tasks, opts)
        check_styles(opts, selected)
        adapter = build_adapter(card, overrides)
    except FacebenchError as exc:
        _fail(exc)
    console.print(f"protocol: {opts.protocol.name} ({opts.protocol.description})", markup=False, highlight=False)
    if data_root is None and not data:
        console.print("using the EMBEDDED DEMO DATA (a few synthetic samples per task), not a real dataset: "
                      "pass --data-root DIR for real numbers", style="bold yellow", markup=False, highlight=False)
    summary = []
    failed: list[tuple[str, str]] = []
    stats = InferStats()
    current = ""
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as bar:
            for task in selected:
                handle = bar.add_task(f"{task.name}: prepare", total=None)
                stats, current = InferStats(), task.name

                def progress(stage: str, done: int, total: int, handle=handle, task=task) -> None:
                    bar.update(handle, description=f"{task.name}: {stage}", completed=done, total=total)

                try:
                    result = run_task(task, adapter, model_name, opts, progress, stats)
                except FacebenchError as exc:
                    failed.append((task.name, str(exc)))
                    console.print(f"{task.name}: {exc}", style="red", markup=False)
                    continue
                except Exception as exc:  # noqa: BLE001 - one broken task must not stop the others
                    failed.append((task.name, f"internal error {exc.__class__.__name__}: {exc}"))
                    console.print(f"{task.name}: internal error {exc.__class__.__name__}: {exc}", markup=False)
                    console.print_exception(max_frames=5)
                    continue
                summary.append(result)
    except KeyboardInterrupt:
        console.print(
            f"[yellow]interrupted during {current}: {stats.saved} responses saved this run "
            f"({stats.cached + stats.saved} of {stats.total} for {current}); nothing answered was "
            f"lost. Rerun the same command to resume.[/yellow]"
        )
        raise typer.Exit(code=130)
    finally:
        adapter.close()
    with_errors = [r for r in summary if r["n_error"]]
    for r in summary:
        primary = r["metrics"].get(r["primary_metric"])
        shown = "null (too few answered samples)" if primary is None else round(primary, 4)
        console.print(
            f"{r['task']} [{r['variant']}]: n={r['n']} answered={r['n_answered']} errors={r['n_error']} "
            f"invalid={r['n_invalid']} {r['primary_metric']}={shown}",
            markup=False, highlight=False,
        )
    if summary:
        typer.echo(to_terminal(build_leaderboard(opts.output)))
    for r in with_errors:
        console.print(
            f"{r['task']}: {r['n_error']} of {r['n']} samples are errors, metrics cover only the "
            f"answered ones; first: {r['first_error']}",
            style="red", markup=False, highlight=False,
        )
    for task_name, message in failed:
        console.print(f"{task_name}: FAILED: {message}", style="red", markup=False, highlight=False)
    if with_errors and not failed:
        console.print("rerun the same command to retry only the error rows"
                      + ("" if allow_errors else "; --allow-errors exits 0 despite them"),
                      markup=False, highlight=False)
    if failed or (with_errors and not allow_errors):
        raise typer.Exit(code=1)


@app.command()
def score(
    output: Annotated[Path, typer.Argument(help="results folder of a run")],
    mode: ModeOpt = None,
    model: Annotated[str | None, typer.Option("--model", help="only this model's folders")] = None,
    protocol: Annotated[str | None, typer.Option("--protocol", help="only this protocol variant's folders")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="also parse in the other mode and count answers read differently")] = False,
) -> None:
    """Re-parse and re-score cached responses (no model needed).

    In the run's own mode the result replaces ``metrics.json``; in the other mode (``--mode``)
    it is written beside it as ``metrics.<mode>.json``, never over it.
    """
    from facebench.engine.layout import label, run_folders
    from facebench.engine.modes import compare_modes
    from facebench.engine.runner import score_folder

    if mode not in (None, "strict", "reference"):
        raise typer.BadParameter("--mode must be 'strict' or 'reference'")
    try:
        folders = run_folders(output, model, protocol)
    except FacebenchError as exc:
        _fail(exc)
    if not folders:
        _fail(FacebenchError(f"no run folders (<model>/<protocol>/<task>/run.json) under {output}"))
    for folder in folders:
        try:
            res = score_folder(folder, mode)  # type: ignore[arg-type]
        except FacebenchError as exc:
            _fail(exc)
        line = (f"{label(folder)} ({res['mode']}): n={res['n']} invalid={res['n_invalid']} "
                f"errors={res['n_error']} {res['primary_metric']}={res['metrics'].get(res['primary_metric'])}")
        if compare:
            diff = compare_modes(folder)
            line += f" | strict vs reference: {diff['n_different']} of {diff['n']} answers read differently"
        typer.echo(line)


@app.command()
def compare(
    output: Annotated[Path, typer.Argument(help="results folder holding both models")],
    models: Annotated[str, typer.Option("--models", help="A,B: the two model names to compare")],
    tasks: TasksOpt = "all",
    seed: SeedOpt = 0,
    mode: ModeOpt = None,
) -> None:
    """Paired bootstrap of two models' headline metric on the samples both answered, for every
    (protocol variant, task) both models were run with."""
    from facebench.engine.layout import run_folders
    from facebench.engine.paired import compare_models

    a, _, b = models.partition(",")
    if not a or not b:
        raise typer.BadParameter("--models must be two names: A,B")
    wanted = None if tasks == "all" else {t.strip() for t in tasks.split(",")}
    try:
        mine = {(f.parent.name, f.name): f for f in run_folders(output, a)}
        theirs = {(f.parent.name, f.name): f for f in run_folders(output, b)}
    except FacebenchError as exc:
        _fail(exc)
    pairs = sorted(k for k in mine.keys() & theirs.keys() if wanted is None or k[1] in wanted)
    if not pairs:
        _fail(FacebenchError(f"no task was run for both {a} and {b} under the same protocol in {output}"))
    for variant, name in pairs:
        where = f"{name} [{variant}]"
        try:
            r = compare_models(mine[(variant, name)], theirs[(variant, name)], seed, mode)  # type: ignore[arg-type]
        except FacebenchError as exc:
            typer.echo(f"{where}: {exc}")
            continue
        if r["estimate"] is None:
            typer.echo(f"{where}: {r['metric']} undefined for one of the models")
            continue
        interval = ("[95% CI undefined]" if r["low"] is None or r["high"] is None
                    else f"[95% CI {r['low']:+.4f}, {r['high']:+.4f}]")
        p_value = "n/a" if r["p_value"] is None else f"{r['p_value']:.4f}"
        typer.echo(
            f"{where}: {r['metric']} {a} - {b} = {r['estimate']:+.4f} "
            f"{interval} p={p_value} "
            f"over {r['n_units']} samples" + (" (lower is better)" if r["lower_is_better"] else "")
        )


@app.command()
def export(
    out_file: Annotated[Path, typer.Option("--out", help="JSONL file to write")],
    tasks: TasksOpt = "all",
    data_root: DataRootOpt = None,
    data: DataOpt = None,
    prompt: PromptOpt = None,
    limit: LimitOpt = None,
    seed: SeedOpt = 0,
    face_crop: FaceCropOpt = None,
    protocol: ProtocolOpt = None,
) -> None:
    """Write every request (task, id, prompt, messages, media; no targets) to run a model elsewhere."""
    from facebench.engine.export import export_requests
    from facebench.tasks.registry import resolve_tasks

    try:
        opts = _options(Path("results"), data_root, data, prompt, limit, seed, None, face_crop, protocol)
        selected = protocol_tasks(tasks, opts)
        check_styles(opts, selected)
        n = export_requests(selected, opts, out_file)
    except FacebenchError as exc:
        _fail(exc)
    console.print(f"wrote {n} requests to {out_file}")


