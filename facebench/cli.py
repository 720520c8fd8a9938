"""The ``facebench`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from facebench.errors import FacebenchError

app = typer.Typer(help="Score face-perception multimodal LLMs on face benchmarks.", no_args_is_help=True)
list_app = typer.Typer(help="Show what is registered.", no_args_is_help=True)
app.add_typer(list_app, name="list")
console = Console(stderr=True, soft_wrap=True)

TasksOpt = Annotated[str, typer.Option("--tasks", help="'all' or comma-separated task names / YAML paths")]
DataRootOpt = Annotated[Optional[Path], typer.Option("--data-root", help="folder holding every dataset under its default name; default: the embedded demo data")]
DataOpt = Annotated[Optional[list[str]], typer.Option("--data", help="TASK=DIR: dataset folder of one task")]
PromptOpt = Annotated[Optional[list[str]], typer.Option("--prompt", help="STYLE for every task that has it, or TASK=STYLE")]
LimitOpt = Annotated[Optional[int], typer.Option("--limit", help="evaluate a seeded subset of N samples per task")]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed for subsets and option shuffling")]
ModeOpt = Annotated[str, typer.Option("--mode", help="parsing mode: strict or reference")]
FaceCropOpt = Annotated[Optional[bool], typer.Option("--face-crop/--no-face-crop", help="crop faces (square, 256) before the model sees them; default: the task's setting")]


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    pairs = {}
    for v in values or []:
        key, sep, value = v.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} must look like KEY=VALUE, got {v!r}")
        pairs[key.strip()] = value.strip()
    return pairs


def _options(output: Path, data_root, data, prompt, limit, seed, mode, face_crop=None):
    from facebench.engine.runner import RunOptions

    if mode not in ("strict", "reference"):
        raise typer.BadParameter("--mode must be 'strict' or 'reference'")
    styles = _pairs([p for p in prompt or [] if "=" in p], "--prompt")
    plain = [p for p in prompt or [] if "=" not in p]
    return RunOptions(
        output=output,
        data_root=data_root,
        data={k: Path(v) for k, v in _pairs(data, "--data").items()},
        limit=limit,
        seed=seed,
        styles=styles,
        default_style=plain[-1] if plain else None,
        mode=mode,  # type: ignore[arg-type]
        face_crop=face_crop,
    )


def _fail(exc: Exception) -> None:
    console.print(f"error: {exc}", style="red", markup=False, highlight=False)
    raise typer.Exit(code=2)


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
    model_arg: Annotated[Optional[list[str]], typer.Option("--model-arg", help="k=v override of a card setting")] = None,
    name: Annotated[Optional[str], typer.Option("--name", help="name of the model in the results")] = None,
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
    model: Annotated[Optional[str], typer.Option("--model", help="only this model's folder")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="also parse in the other mode and count answers read differently")] = False,
) -> None:
    """Re-parse and re-score cached responses (no model needed)."""
    from facebench.engine.runner import score_folder
    from facebench.engine.compare import compare_modes

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


@app.command()
def leaderboard(
    output: Annotated[Path, typer.Argument(help="results folder")],
    csv: Annotated[Optional[Path], typer.Option("--csv", help="write the table as CSV")] = None,
    markdown: Annotated[Optional[Path], typer.Option("--markdown", help="write the table as Markdown")] = None,
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
    model: Annotated[Optional[str], typer.Option("--model", help="only this model's results")] = None,
    kind: Annotated[str, typer.Option("--kind", help="auto, reasoning (Face-LLaVA Table 10) or mmvet")] = "auto",
    rubric: Annotated[Optional[list[str]], typer.Option("--rubric", help="TASK=TYPE: reasoning rubric type of a task")] = None,
    repeats: Annotated[int, typer.Option("--repeats", help="MM-Vet: gradings per item")] = 5,
    policy: Annotated[str, typer.Option("--unrated", help="MM-Vet: unrated gradings count as 'zero' (evaluator rule) or 'skip'")] = "zero",
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", help="concurrent judge requests")] = None,
    judge_arg: Annotated[Optional[list[str]], typer.Option("--judge-arg", help="k=v override of a judge card setting")] = None,
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


@app.command("new-adapter")
def new_adapter(
    name: Annotated[str, typer.Argument(help="adapter name: lower-case letters, digits, '-' or '_'")],
    folder: Annotated[Path, typer.Option("--dir", help="project folder to write into")] = Path("."),
) -> None:
    """Write a runnable adapter skeleton, its model card and a test (docs/adding-an-adapter.md)."""
    from facebench.scaffold import new_adapter as scaffold

    try:
        written = scaffold(name, folder)
    except FacebenchError as exc:
        _fail(exc)
    for path in written:
        typer.echo(f"wrote {path}")


@app.command()
def serve(
    card: Annotated[str, typer.Argument(help="model card (name or YAML path) of adapter vllm or hf")],
    model_path: Annotated[Optional[str], typer.Argument(metavar="[MODEL]", help="local folder or hub id replacing the card's model")] = None,
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    host: Annotated[str, typer.Option("--host", help="address to bind")] = "127.0.0.1",
    model_arg: Annotated[Optional[list[str]], typer.Option("--model-arg", help="k=v override of a card setting")] = None,
    card_out: Annotated[Optional[Path], typer.Option("--card-out", help="also write the printed openai card to FILE")] = None,
    tensor_parallel_size: Annotated[Optional[int], typer.Option("--tensor-parallel-size", help="GPUs per model (overrides the card)")] = None,
    dtype: Annotated[Optional[str], typer.Option("--dtype", help="auto, bfloat16, float16 or float32 (overrides the card)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the command and the card; start nothing")] = False,
    server_module: Annotated[str, typer.Option("--server-module", hidden=True)] = "vllm.entrypoints.openai.api_server",
) -> None:
    """Start an OpenAI-compatible vLLM server for a card; print the openai card that uses it."""
    import shlex

    from facebench.adapters.registry import load_card
    from facebench.serve import check_server, launch, plan, write_card

    try:
        overrides = {k: yaml.safe_load(v) for k, v in _pairs(model_arg, "--model-arg").items()}
        given = {"model": model_path, "tensor_parallel_size": tensor_parallel_size, "dtype": dtype}
        overrides.update({k: v for k, v in given.items() if v is not None})
        the_plan = plan(load_card(card), host, port, overrides, server_module)
        if not dry_run:
            check_server(the_plan.command)
    except FacebenchError as exc:
        _fail(exc)
    typer.echo(the_plan.card_yaml(), nl=False)
    if card_out is not None:
        write_card(the_plan, card_out)
        console.print(f"wrote {card_out}")
    console.print(f"[serve] {shlex.join(the_plan.command)}", markup=False, highlight=False)
    if not dry_run:
        raise typer.Exit(code=launch(the_plan.command))


convert_app = typer.Typer(help="Turn published checkpoints into folders facebench and vLLM load.", no_args_is_help=True)
app.add_typer(convert_app, name="convert")


@convert_app.command("face-llava")
def convert_face_llava(
    checkpoint: Annotated[Path, typer.Option("--checkpoint", help="Face-LLaVA checkpoint folder (chaubeyG/FaceLLaVA)")],
    out: Annotated[Path, typer.Option("--out", help="folder to write the self-contained model to")],
    image_tower: Annotated[Optional[Path], typer.Option("--image-tower", help="LanguageBind_Image folder")] = None,
    video_tower: Annotated[Optional[Path], typer.Option("--video-tower", help="LanguageBind_Video_merge folder")] = None,
    dtype: Annotated[Optional[str], typer.Option("--dtype", help="store weights as float16/bfloat16/float32")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing --out folder")] = False,
) -> None:
    """Assemble Face-LLaVA (LLaVA weights + LanguageBind towers) into one folder vLLM loads offline."""
    from facebench.face_llava.convert import main as convert_main

    try:
        convert_main(str(checkpoint), str(out), str(image_tower) if image_tower else None,
                     str(video_tower) if video_tower else None, dtype, overwrite)
    except FacebenchError as exc:
        _fail(exc)


@list_app.command("tasks")
def list_tasks() -> None:
    """Registered tasks with their metrics and protocol."""
    from facebench.tasks.registry import get_task, task_names

    for name in task_names():
        try:
            typer.echo(f"{name}: {get_task(name).describe()}")
        except FacebenchError as exc:
            typer.echo(f"{name}: [unavailable: {exc}]")


@list_app.command("adapters")
def list_adapters() -> None:
    """Registered adapters, and the model cards that use them."""
    from facebench.adapters.registry import adapter_names, card_names, get_adapter_class, load_card

    cards: dict[str, list[str]] = {}
    for c in card_names():
        try:
            cards.setdefault(load_card(c).adapter, []).append(c)
        except FacebenchError:
            cards.setdefault("?", []).append(c)
    for name in adapter_names():
        try:
            doc = (get_adapter_class(name).__doc__ or "").strip().splitlines()[0]
        except (FacebenchError, IndexError) as exc:
            doc = f"[needs an extra: {exc}]" if isinstance(exc, FacebenchError) else ""
        used = ", ".join(cards.get(name, [])) or "-"
        typer.echo(f"{name}: {doc} | cards: {used}")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
