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
ModeOpt = Annotated[str, typer.Option("--mode", help="parsing mode: strict or reference")]
FaceCropOpt = Annotated[bool | None, typer.Option("--face-crop/--no-face-crop", help="crop faces (square, 256) before the model sees them; default: the task's setting")]


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


