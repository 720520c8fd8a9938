"""Where results live: ``<output>/<model>/<variant>/<task>/``.

The variant is the protocol's name, plus ``~key=value+...`` when the command line overrode a
setting that changes a number (``face-mllm~limit=200+seed=0``). So runs that differ in model,
protocol or any such setting never share a folder, and runs that agree share one (and resume
each other). Every command that reads results finds them through :func:`run_folders`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebench.engine.names import check_component
from facebench.errors import FacebenchError


def variant_name(protocol: str, overrides: dict[str, Any]) -> str:
    """``face-mllm`` for the protocol as defined, ``face-mllm~limit=200+seed=0`` with overrides.

    Readable and deterministic, so two runs with the same settings share a folder while runs
    that differ in anything that changes a number never do.
    """
    if not overrides:
        return protocol
    parts = "+".join(f"{k}={_value(v)}" for k, v in sorted(overrides.items()))
    return check_component(f"{protocol}~{parts}", "result variant")


def _value(value: Any) -> str:
    """A readable folder-name value; mappings (loader options, which may hold paths) become a
    short stable hash (the options themselves are recorded in run.json and metrics.json)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        import hashlib
        import json

        return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return str(value)


def task_dir(output: Path, model: str, variant: str, task: str) -> Path:
    """``<output>/<model>/<variant>/<task>``; each a single folder name (never ``..``)."""
    return (
        Path(output)
        / check_component(model, "model name")
        / check_component(variant, "result variant")
        / check_component(task, "task name")
    )


def run_folders(output: Path, model: str | None = None, variant: str | None = None) -> list[Path]:
    """Every task folder with a ``run.json`` under ``output`` (optionally one model/variant)."""
    output = Path(output)
    folders = sorted(p.parent for p in output.glob("*/*/*/run.json"))
    if not folders and any(output.glob("*/*/run.json")):
        raise FacebenchError(
            f"{output} holds results in the layout of facebench 0.1 (<model>/<task>/); "
            f"results now live in <model>/<protocol>/<task>/: rerun, or move each task folder "
            f"into a 'facebench' folder under its model"
        )
    if model is not None:
        folders = [f for f in folders if f.parent.parent.name == model]
    if variant is not None:
        folders = [f for f in folders if f.parent.name == variant]
    return folders


def label(folder: Path) -> str:
    """``model/variant/task`` of a task folder, for messages."""
    return f"{folder.parent.parent.name}/{folder.parent.name}/{folder.name}"
