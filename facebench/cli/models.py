"""Models and registries: new-adapter, serve, convert, list."""

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

list_app = typer.Typer(help="Show what is registered.", no_args_is_help=True)
app.add_typer(list_app, name="list")


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
    model_path: Annotated[str | None, typer.Argument(metavar="[MODEL]", help="local folder or hub id replacing the card's model")] = None,
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    host: Annotated[str, typer.Option("--host", help="address to bind")] = "127.0.0.1",
    model_arg: Annotated[list[str] | None, typer.Option("--model-arg", help="k=v override of a card setting")] = None,
    card_out: Annotated[Path | None, typer.Option("--card-out", help="also write the printed openai card to FILE")] = None,
    tensor_parallel_size: Annotated[int | None, typer.Option("--tensor-parallel-size", help="GPUs per model (overrides the card)")] = None,
    dtype: Annotated[str | None, typer.Option("--dtype", help="auto, bfloat16, float16 or float32 (overrides the card)")] = None,
    data_parallel_size: Annotated[int, typer.Option("--data-parallel-size", help="engine replicas on this node behind the one server (vLLM data parallelism; each with the card's tensor parallel GPUs)")] = 1,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the command and the card; start nothing")] = False,
    server_module: Annotated[str, typer.Option("--server-module", hidden=True)] = "vllm.entrypoints.openai.api_server",
) -> None:
    """Start an OpenAI-compatible vLLM server for a card; print the openai card that uses it."""
    import shlex

    from facebench.adapters.registry import load_card
    from facebench.serve import check_server, launch, plan, with_data_parallel, write_card

    try:
        overrides = {k: yaml.safe_load(v) for k, v in _pairs(model_arg, "--model-arg").items()}
        given = {"model": model_path, "tensor_parallel_size": tensor_parallel_size, "dtype": dtype}
        overrides.update({k: v for k, v in given.items() if v is not None})
        the_plan = plan(load_card(card), host, port, overrides, server_module)
        the_plan = with_data_parallel(the_plan, data_parallel_size)
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
    image_tower: Annotated[Path | None, typer.Option("--image-tower", help="LanguageBind_Image folder")] = None,
    video_tower: Annotated[Path | None, typer.Option("--video-tower", help="LanguageBind_Video_merge folder")] = None,
    dtype: Annotated[str | None, typer.Option("--dtype", help="store weights as float16/bfloat16/float32")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="replace an existing --out folder")] = False,
) -> None:
    """Assemble Face-LLaVA (LLaVA weights + LanguageBind towers) into one folder vLLM loads offline."""
    import importlib.util

    missing = [m for m in ("torch", "safetensors") if importlib.util.find_spec(m) is None]
    if missing:
        _fail(FacebenchError(f"convert face-llava needs {', '.join(missing)}: pip install 'facebench[face-llava]'"))
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


@list_app.command("protocols")
def list_protocols() -> None:
    """Evaluation protocols: one line each, with the tasks they cover (default: facebench)."""
    from facebench.protocols import DEFAULT_PROTOCOL, load_protocol, protocol_names
    from facebench.tasks.registry import task_names

    for name in protocol_names():
        try:
            p = load_protocol(name)
        except FacebenchError as exc:
            typer.echo(f"{name}: [invalid: {exc}]")
            continue
        default = " (default)" if name == DEFAULT_PROTOCOL else ""
        tasks = "all tasks" if p.all_tasks else ", ".join(p.task_names(task_names()))
        typer.echo(f"{name}{default}: {p.description} | tasks: {tasks}")


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
        doc = doc or "(no description)"
        used = ", ".join(cards.get(name, [])) or "-"
        typer.echo(f"{name}: {doc} | cards: {used}")


