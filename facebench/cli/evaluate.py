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
    _fail,
    _options,
    _pairs,
    app,
    console,
)
from facebench.errors import FacebenchError


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
    mode: ModeOpt = "strict",
    model_arg: Annotated[list[str] | None, typer.Option("--model-arg", help="k=v override of a card setting")] = None,
    name: Annotated[str | None, typer.Option("--name", help="name of the model in the results")] = None,
    face_crop: FaceCropOpt = None,
) -> None:
    """Run tasks on a model: infer (cached, resumable), parse, score, aggregate; print a leaderboard."""
    from facebench.adapters.registry import build_adapter, load_card
    from facebench.engine.runner import run_task
    from facebench.leaderboard import build_leaderboard, to_terminal
    from facebench.tasks.registry import resolve_tasks

    try:
        opts = _options(output, data_root, data, prompt, limit, seed, mode, face_crop)
        card = load_card(model)
        overrides = {k: yaml.safe_load(v) for k, v in _pairs(model_arg, "--model-arg").items()}
        selected = resolve_tasks(tasks)
        adapter = build_adapter(card, overrides)
    except FacebenchError as exc:
        _fail(exc)
    model_name = name or card.name
    summary = []
    failed = False
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=False) as bar:
            for task in selected:
                handle = bar.add_task(f"{task.name}: infer", total=None)

                def progress(stage: str, done: int, total: int, handle=handle, task=task) -> None:
                    bar.update(handle, description=f"{task.name}: {stage}", completed=done, total=total)

                try:
                    result = run_task(task, adapter, model_name, opts, progress)
                except FacebenchError as exc:
                    failed = True
                    console.print(f"{task.name}: {exc}", style="red", markup=False)
                    continue
                except Exception as exc:  # noqa: BLE001 - one broken task must not stop the others
                    failed = True
                    console.print(f"{task.name}: internal error {exc.__class__.__name__}: {exc}", markup=False)
                    console.print_exception(max_frames=5)
                    continue
                summary.append(result)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted: every finished response is saved; rerun the same command to resume[/yellow]")
        raise typer.Exit(code=130)
    finally:
        adapter.close()
    for r in summary:
        primary = r["metrics"].get(r["primary_metric"])
        console.print(
            f"{r['task']}: n={r['n']} errors={r['n_error']} invalid={r['n_invalid']} "
            f"{r['primary_metric']}={primary if primary is None else round(primary, 4)}"
        )
    if summary:
        typer.echo(to_terminal(build_leaderboard(opts.output)))
    if failed:
        raise typer.Exit(code=1)


@app.command()
def score(
    output: Annotated[Path, typer.Argument(help="results folder of a run")],
    mode: ModeOpt = "strict",
    model: Annotated[str | None, typer.Option("--model", help="only this model's folder")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="also parse in the other mode and count answers read differently")] = False,
) -> None:
    """Re-parse and re-score cached responses (no model needed)."""
    from facebench.engine.modes import compare_modes
    from facebench.engine.runner import score_folder

    folders = sorted(p.parent for p in Path(output).glob("*/*/run.json"))
    if model:
        folders = [f for f in folders if f.parent.name == model]
    if not folders:
        _fail(FacebenchError(f"no run folders (*/*/run.json) under {output}"))
    for folder in folders:
        try:
            res = score_folder(folder, mode)  # type: ignore[arg-type]
        except FacebenchError as exc:
            _fail(exc)
        line = (f"{folder.parent.name}/{folder.name}: n={res['n']} invalid={res['n_invalid']} "
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
    mode: ModeOpt = "strict",
) -> None:
    """Paired bootstrap of two models' headline metric on the samples both answered."""
    from facebench.engine.paired import compare_models
    from facebench.tasks.registry import task_names

    a, _, b = models.partition(",")
    if not a or not b:
        raise typer.BadParameter("--models must be two names: A,B")
    names = task_names() if tasks == "all" else [t.strip() for t in tasks.split(",")]
    names = [n for n in names if (output / a / n / "run.json").is_file() and (output / b / n / "run.json").is_file()]
    if not names:
        _fail(FacebenchError(f"no task was run for both {a} and {b} under {output}"))
    for name in names:
        try:
            r = compare_models(output, name, a, b, seed, mode)  # type: ignore[arg-type]
        except FacebenchError as exc:
            typer.echo(f"{name}: {exc}")
            continue
        if r["estimate"] is None:
            typer.echo(f"{name}: {r['metric']} undefined for one of the models")
            continue
        typer.echo(
            f"{name}: {r['metric']} {a} - {b} = {r['estimate']:+.4f} "
            f"[95% CI {r['low']:+.4f}, {r['high']:+.4f}] p={r['p_value']:.4f} "
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
) -> None:
    """Write every request (task, id, prompt, messages, media; no targets) to run a model elsewhere."""
    from facebench.engine.export import export_requests
    from facebench.tasks.registry import resolve_tasks

    try:
        opts = _options(Path("results"), data_root, data, prompt, limit, seed, "strict", face_crop)
        n = export_requests(resolve_tasks(tasks), opts, out_file)
    except FacebenchError as exc:
        _fail(exc)
    console.print(f"wrote {n} requests to {out_file}")


