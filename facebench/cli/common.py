"""What every command shares: the app, the console, common options and error handling."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="Score face-perception multimodal LLMs on face benchmarks.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)

TasksOpt = Annotated[str, typer.Option("--tasks", help="'all' or comma-separated task names / YAML paths")]
DataRootOpt = Annotated[Path | None, typer.Option("--data-root", help="folder holding every dataset under its default name; default: the embedded demo data")]
DataOpt = Annotated[list[str] | None, typer.Option("--data", help="TASK=DIR: dataset folder of one task")]
PromptOpt = Annotated[list[str] | None, typer.Option("--prompt", help="STYLE for every task that has it, or TASK=STYLE")]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="evaluate a seeded subset of N samples per task")]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed for subsets and option shuffling")]
ModeOpt = Annotated[str | None, typer.Option("--mode", help="parsing mode: strict or reference (default: the protocol's)")]
ProtocolOpt = Annotated[str | None, typer.Option("--protocol", help="evaluation protocol: a name from 'facebench list protocols' or a YAML path (default: facebench)")]
TaskOptionOpt = Annotated[list[str] | None, typer.Option("--task-option", help="TASK.key=value: a loader option of one task (e.g. utkface.subset_source=splits/test.txt)")]
FaceCropOpt = Annotated[bool | None, typer.Option("--face-crop/--no-face-crop", help="crop faces (square, 256) before the model sees them; default: the task's setting")]


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    """``KEY=VALUE`` options; one option may hold several, ``a=1,b=2`` (as lm-eval's
    ``--model_args``), where a comma followed by ``KEY=`` starts the next pair."""
    import re

    pairs = {}
    for v in values or []:
        for piece in re.split(r",(?=\s*[A-Za-z_][\w.-]*=)", v):
            key, sep, value = piece.partition("=")
            if not sep or not key.strip():
                raise typer.BadParameter(f"{what} must look like KEY=VALUE, got {v!r}")
            pairs[key.strip()] = value.strip()
    return pairs


def task_options(values: list[str] | None) -> dict[str, dict]:
    """``--task-option TASK.key=value`` (values read as YAML: numbers, booleans, lists)."""
    import yaml

    from facebench.errors import ConfigError

    out: dict[str, dict] = {}
    for raw in values or []:
        target, sep, value = raw.partition("=")
        task, dot, key = target.partition(".")
        if not sep or not dot or not task.strip() or not key.strip():
            raise ConfigError(f"--task-option must look like TASK.key=value, got {raw!r}")
        out.setdefault(task.strip(), {})[key.strip()] = yaml.safe_load(value) if value.strip() else ""
    return out


def _options(output: Path, data_root, data, prompt, limit, seed, mode, face_crop=None,
             protocol: str | None = None, native_protocols: list[str] | None = None):
    from facebench.engine.runner import RunOptions
    from facebench.errors import ConfigError
    from facebench.protocols import DEFAULT_PROTOCOL, load_protocol

    if mode not in (None, "strict", "reference"):
        raise typer.BadParameter("--mode must be 'strict' or 'reference'")
    if limit is not None and limit <= 0:
        raise ConfigError(f"--limit must be a positive number of samples, got {limit}")
    if Path(output).exists() and not Path(output).is_dir():
        raise ConfigError(f"--output {output} is a file, not a folder")
    proto = load_protocol(protocol or DEFAULT_PROTOCOL)
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
        protocol=proto,
        native=proto.name in (native_protocols or []),
    )


def protocol_tasks(spec: str, opts) -> list:
    """The tasks of ``--tasks`` under the run's protocol (``all``: the protocol's tasks)."""
    from facebench.errors import ConfigError
    from facebench.tasks.registry import resolve_tasks, task_names

    proto = opts.protocol
    if spec.strip() == "all":
        spec = ",".join(proto.task_names(task_names()))
    selected = resolve_tasks(spec)
    unknown = sorted(set(opts.task_options) - {t.name for t in selected})
    if unknown:
        raise ConfigError(f"--task-option names {', '.join(unknown)}, which this run does not evaluate")
    outside = [t.name for t in selected if not proto.covers(t.name)]
    if outside:
        raise ConfigError(
            f"protocol {proto.name} does not evaluate {', '.join(outside)} "
            f"(its tasks: {', '.join(proto.task_names(task_names()))})"
        )
    return selected


def check_styles(opts, selected) -> None:
    """Every ``--prompt`` style must belong to a selected task (a typo is never ignored), and
    the protocol must apply cleanly to every task, before anything runs."""
    from facebench.errors import ConfigError

    for task in selected:
        opts.setup(task)
    names = {t.name: t for t in selected}
    for task_name, style in opts.styles.items():
        if task_name not in names:
            raise ConfigError(f"--prompt {task_name}={style}: task {task_name!r} is not selected")
        if style not in names[task_name].config.styles:
            known = ", ".join(names[task_name].config.styles)
            raise ConfigError(f"--prompt {task_name}={style}: {task_name} has no style {style!r} (it has: {known})")
    style = opts.default_style
    if style is not None and not any(style in t.config.styles for t in selected):
        known = sorted({s for t in selected for s in t.config.styles})
        raise ConfigError(f"--prompt {style}: no selected task has that style (styles: {', '.join(known)})")


def _fail(exc: Exception) -> None:
    console.print(f"error: {exc}", style="red", markup=False, highlight=False)
    raise typer.Exit(code=2)


