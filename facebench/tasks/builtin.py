"""Entry-point targets for the built-in tasks.

``facebench.tasks.builtin:rafdb`` resolves (through module ``__getattr__``) to a factory that
reads ``tasks/rafdb.yaml``; so adding a built-in task is a YAML file plus one entry-point line.
"""

from __future__ import annotations

from collections.abc import Callable

from facebench.resources import data_path
from facebench.tasks.config import load_task_config
from facebench.tasks.task import Task


def load_builtin(name: str) -> Task:
    path = data_path("tasks", f"{name}.yaml")
    return Task(load_task_config(path), path)


def __getattr__(name: str) -> Callable[[], Task]:
    if name.startswith("__"):
        raise AttributeError(name)
    if not data_path("tasks", f"{name}.yaml").is_file():
        raise AttributeError(f"no built-in task definition tasks/{name}.yaml")
    return lambda: load_builtin(name)
