"""Evaluating: run, score, compare, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

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
    TaskOptionOpt,
    _fail,
    _options,
    check_styles,
    protocol_tasks,
    task_options,
    _pairs,
    app,
    console,
)
from facebench.errors import FacebenchError


class RateColumn(ProgressColumn):
    """Answers per second of the stage in progress (blank while unknown)."""

    def render(self, task):  # noqa: ANN001, ANN201 - rich's column protocol
        from rich.text import Text

        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.1f}/s" if speed else "", style="progress.data.speed")


#: the options of ``run`` a --config file may hold, in the order of the signature
RUN_OPTIONS = ("model", "tasks", "output", "data_root", "data", "prompt", "limit", "seed", "mode",
               "model_arg", "name", "face_crop", "protocol", "allow_errors", "backend",
               "ray_address", "workers", "task_option")


def config_options(ctx: typer.Context, path: Path) -> dict:
    """Options from a ``--config`` file that the command line did not set itself.

    A task folder's ``run.json`` holds the options of the run that wrote it (``options``), so
    ``facebench run --config results/m/facebench/rafdb/run.json`` repeats that run.
    """
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FacebenchError(f"--config {path}: cannot read it: {str(exc).splitlines()[0]}") from exc
    if isinstance(raw, dict) and isinstance(raw.get("options"), dict):
        raw = raw["options"]  # a run.json
    if not isinstance(raw, dict):
        raise FacebenchError(f"--config {path}: expected a mapping of run options")
    out = {}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name not in RUN_OPTIONS:
            import difflib

            close = difflib.get_close_matches(name, RUN_OPTIONS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise FacebenchError(f"--config {path}: unknown option {key!r}{hint}")
        source = ctx.get_parameter_source(name)
        if source is not None and source.name == "COMMANDLINE":
            continue
        if name in ("data", "prompt", "model_arg", "task_option") and isinstance(value, str):
            value = [value]
        if name in ("data", "model_arg") and isinstance(value, dict):
            value = [f"{k}={v}" for k, v in value.items()]
        if name in ("output", "data_root") and value is not None:
            value = Path(value)
        out[name] = value
    return out


def run_summary(results: list[dict], stats: dict) -> str:
    """The closing table of ``facebench run``: one row per task (full precision stays in the
    files). A task whose answers were all cached says so: nothing was asked of the model."""
    from tabulate import tabulate

    from facebench.leaderboard import human_metric

    rows = []
    for r in results:
        metric = r["primary_metric"]
        lower = metric in (r.get("lower_is_better") or [])
        ci = (r.get("confidence_intervals") or {}).get(metric) or {}
        floor = (r.get("floor") or {}).get(metric)
        st = stats.get(r["task"])
        asked = "all cached" if st is not None and st.saved == 0 and st.cached == st.total else (
            f"{st.saved} asked" if st is not None else "")
        rows.append([
            r["task"], r.get("variant") or "", metric + (" ↓" if lower else ""),
            human_metric(r["metrics"].get(metric), ci.get("low"), ci.get("high"), metric, lower),
            "" if floor is None else human_metric(floor, None, None, metric, lower),
            r["n"], f"{100 * r['n_invalid'] / r['n']:.1f}%" if r["n"] else "", r["n_error"], asked,
        ])
    headers = ["task", "protocol", "metric", "value [95% CI]", "floor", "n", "invalid", "errors", "model calls"]
    table = tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)
    note = "rates in %, MAE in years; null = too few answered samples"
    if all(st.saved == 0 and st.cached == st.total for st in stats.values()) and stats:
        note += "; every answer came from the cache (no model calls)"
    return f"{table}\n{note}"


AllowErrorsOpt = Annotated[bool, typer.Option("--allow-errors", help="exit 0 even when some samples are error rows (failed tasks still exit 1)")]


@app.command()
def run(
    ctx: typer.Context,
    model: Annotated[str | None, typer.Option("--model", help="model card name, card YAML path, or adapter name")] = None,
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
    task_option: TaskOptionOpt = None,
    allow_errors: AllowErrorsOpt = False,
    backend: Annotated[str, typer.Option("--backend", help="local (this process) or ray (Ray Data; pip install 'facebench[ray]')")] = "local",
    ray_address: Annotated[str | None, typer.Option("--ray-address", help="Ray cluster address (default: a local Ray instance)")] = None,
    workers: Annotated[int, typer.Option("--workers", help="model replicas under --backend ray")] = 1,
    config: Annotated[Path | None, typer.Option("--config", help="YAML of run options (keys as the long options: model, tasks, data-root, ...), or a task folder's run.json to repeat that run; flags given on the command line win")] = None,
) -> None:
    """Run tasks on a model: infer (cached, resumable), parse, score, aggregate; print a summary.

    Exit status: 0 when every task ran and every sample was answered; 1 when a task failed or
    (without --allow-errors) some samples are error rows; 2 for bad options; 130 on Ctrl-C.
    """
    from facebench.adapters.registry import build_adapter, load_card
    from facebench.engine.names import check_component
    from facebench.engine.runner import InferStats, run_task

    values = dict(ctx.params)
    if config is not None:
        try:
            values.update(config_options(ctx, config))
        except FacebenchError as exc:
            _fail(exc)
    values.pop("config", None)
    (model, tasks, output, data_root, data, prompt, limit, seed, mode, model_arg, name, face_crop,
     protocol, allow_errors, backend, ray_address, workers, task_option) = (values[k] for k in RUN_OPTIONS)
    if model is None:
        _fail(FacebenchError("--model is required (or a --config that names the model)"))
    recorded = {k: (str(v) if isinstance(v, Path) else v) for k, v in values.items()}

    try:
        card = load_card(model)
        opts = _options(output, data_root, data, prompt, limit, seed, mode, face_crop, protocol,
                        card.native_protocols)
        opts.recorded = recorded
        opts.task_options = task_options(task_option)
        if backend not in ("local", "ray"):
            raise FacebenchError(f"--backend must be 'local' or 'ray', got {backend!r}")
        if workers < 1:
            raise FacebenchError(f"--workers must be at least 1, got {workers}")
        opts.backend, opts.ray_address, opts.workers = backend, ray_address, workers
        model_name = check_component(name or card.name, "--name" if name else "model card name")
        overrides = {k: yaml.safe_load(v) for k, v in _pairs(model_arg, "--model-arg").items()}
        if card.adapter == "random" and "seed" not in overrides and "seed" not in card.settings:
            overrides["seed"] = seed  # --seed reaches the chance floor's draws too
        selected = protocol_tasks(tasks, opts)
        check_styles(opts, selected)
        adapter = build_adapter(card, overrides)
        opts.adapter_spec = (card, overrides)
    except FacebenchError as exc:
        _fail(exc)
    console.print(f"protocol: {opts.protocol.name} ({opts.protocol.description})", markup=False, highlight=False)
    if data_root is None and not data:
        console.print("using the EMBEDDED DEMO DATA (a few synthetic samples per task), not a real dataset: "
                      "pass --data-root DIR for real numbers", style="bold yellow", markup=False, highlight=False)
    summary = []
    failed: list[tuple[str, str]] = []
    stats = InferStats()
    per_task: dict[str, InferStats] = {}
    current = ""
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      RateColumn(), TimeElapsedColumn(),
                      TextColumn("eta"), TimeRemainingColumn(), console=console, transient=False) as bar:
            for task in selected:
                handle = bar.add_task(f"{task.name}: prepare", total=None)
                stats, current = InferStats(), task.name
                per_task[task.name] = stats

                def progress(stage: str, done: int, total: int, handle=handle, task=task) -> None:
                    bar.update(handle, description=f"{task.name}: {stage}", completed=done, total=total)

                try:
                    result = run_task(task, adapter, model_name, opts, progress, stats)
                    bar.update(handle, description=f"{task.name}: done", completed=result["n"], total=result["n"])
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
    if summary:
        console.print(run_summary(summary, per_task), markup=False, highlight=False)
        console.print(f"results: {opts.output.resolve()}", markup=False, highlight=False)
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
        if r.get("mcnemar"):
            m = r["mcnemar"]
            typer.echo(f"{where}: McNemar exact test: {a} right / {b} wrong on {m['a_right_b_wrong']}, "
                       f"the reverse on {m['a_wrong_b_right']} of {m['n_pairs']} questions, "
                       f"p={m['p_value']:.4f}")


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
    task_option: TaskOptionOpt = None,
) -> None:
    """Write every request (task, id, prompt, messages, media; no targets) to run a model elsewhere."""
    from facebench.engine.export import export_requests

    try:
        opts = _options(Path("results"), data_root, data, prompt, limit, seed, None, face_crop, protocol)
        opts.task_options = task_options(task_option)
        selected = protocol_tasks(tasks, opts)
        check_styles(opts, selected)
        n = export_requests(selected, opts, out_file)
    except FacebenchError as exc:
        _fail(exc)
    console.print(f"wrote {n} requests to {out_file}")


