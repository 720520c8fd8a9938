"""Evaluation protocols: which paper's evaluation a run reproduces, as data.

A protocol (``tasks/protocols/<name>.yaml``) fixes, per task, everything that changes a number:
the prompt style, overrides of the task definition (option order, split or subset, frames,
parser options, metric rules: any key of ``tasks/<task>.yaml``), face crop and the parse mode.
A run under a protocol evaluates only the protocol's tasks and records the protocol in every
result, so a facebench number can be set beside the paper's.

Where a paper is silent, the protocol file says in one line (``notes``) what facebench chose
and why. CLI flags (``--prompt``, ``--limit``, ``--face-crop``, ``--mode``) still override one
setting; the override is recorded and puts the result in its own variant folder, so it never
overwrites the protocol's own result.

A user protocol is a YAML file passed by path to ``--protocol``.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from facebench.errors import ConfigError
from facebench.resources import data_path
from facebench.tasks.task import Task

#: the protocol of a run that names none: every task with its own definition's defaults
DEFAULT_PROTOCOL = "facebench"

Mode = Literal["strict", "reference"]


class TaskProtocol(BaseModel):
    """How one task is evaluated under a protocol."""

    model_config = ConfigDict(extra="forbid")

    #: prompt style (a key of the task's ``styles``); None: the task's default style
    style: str | None = None
    #: style for a model whose card lists this protocol in ``native_protocols`` (Face-LLaVA
    #: answers its own open instruction; baselines get the constrained prompts)
    native_style: str | None = None
    #: None: the protocol's (then the task's) setting
    face_crop: bool | None = None
    #: merged over the task definition, key by key (e.g. ``{styles: {mcq: {shuffle_options:
    #: false}}, loader_options: {split_file: ...}, num_frames: 8}``)
    task: dict[str, Any] = Field(default_factory=dict)
    #: setting -> one line: what the paper says, or what facebench chose where it is silent
    notes: dict[str, str] = Field(default_factory=dict)


class Protocol(BaseModel):
    """A named evaluation protocol (one YAML file)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    #: one line for ``facebench list protocols``
    description: str
    #: where the settings come from (paper, section, table)
    source: str = ""
    mode: Mode = "strict"
    face_crop: bool | None = None
    #: the published results this protocol reproduces (a paper key of reference_results.yaml)
    paper: str | None = None
    #: True: every registered task belongs, with its own defaults (the ``facebench`` protocol)
    all_tasks: bool = False
    tasks: dict[str, TaskProtocol] = Field(default_factory=dict)
    notes: dict[str, str] = Field(default_factory=dict)
    #: the file it was read from (set by the loader)
    path: str | None = None

    def covers(self, task_name: str) -> bool:
        return self.all_tasks or task_name in self.tasks

    def task_names(self, registered: list[str]) -> list[str]:
        """The protocol's tasks, in the order of the registry."""
        if self.all_tasks:
            return registered
        return [n for n in registered if n in self.tasks] + [n for n in self.tasks if n not in registered]

    def for_task(self, task_name: str) -> TaskProtocol:
        return self.tasks.get(task_name, TaskProtocol())

    def apply(self, task: Task) -> Task:
        """The task as this protocol defines it (its ``task:`` overrides merged in)."""
        overrides = self.for_task(task.name).task
        if not overrides:
            return task
        try:
            return task.with_overrides(overrides)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"protocol {self.name} ({self.path}): tasks.{task.name}.task: {problems}") from exc

    def style_for(self, task: Task, native: bool) -> str | None:
        entry = self.for_task(task.name)
        style = entry.native_style if native and entry.native_style else entry.style
        if style is not None and style not in task.config.styles:
            raise ConfigError(
                f"protocol {self.name}: task {task.name} has no style {style!r} "
                f"(it has: {', '.join(task.config.styles)})"
            )
        return style

    def face_crop_for(self, task_name: str) -> bool | None:
        entry = self.for_task(task_name)
        return entry.face_crop if entry.face_crop is not None else self.face_crop


def protocol_dir() -> Path:
    return data_path("tasks", "protocols")


def protocol_names() -> list[str]:
    return sorted(p.stem for p in protocol_dir().glob("*.yaml"))


@lru_cache(maxsize=None)
def load_protocol(spec: str) -> Protocol:
    """A built-in protocol by name, or a user protocol from a YAML file path."""
    path = Path(spec)
    if not (spec.endswith((".yaml", ".yml")) and path.is_file()):
        path = protocol_dir() / f"{spec}.yaml"
        if not path.is_file():
            names = protocol_names()
            close = difflib.get_close_matches(spec, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown protocol {spec!r} (built-in: {', '.join(names)}){hint}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read protocol: {str(exc).splitlines()[0]}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a protocol must be a YAML mapping")
    try:
        protocol = Protocol.model_validate({**raw, "path": str(path)})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: invalid protocol: {problems}") from exc
    from facebench.engine.names import check_component

    check_component(protocol.name, f"{path}: protocol name")
    return protocol
