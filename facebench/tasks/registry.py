"""Find tasks through the ``facebench.tasks`` entry-point group.

Built-in tasks are registered there exactly as a third-party package registers its own: the
entry point names a zero-argument callable returning a :class:`Task` (or a ``Task`` itself).
A path to a task YAML file is also accepted wherever a task name is.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path

from facebench.errors import ConfigError
from facebench.tasks.config import load_task_config
from facebench.tasks.task import Task


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group="facebench.tasks")}


def task_names() -> list[str]:
    """Registered task names, sorted."""
    return sorted(_entry_points())


@lru_cache(maxsize=None)
def get_task(name: str) -> Task:
    """A registered task by name, or a task read from a YAML file path."""
    if name.endswith((".yaml", ".yml")) and Path(name).is_file():
        path = Path(name).resolve()
        return Task(load_task_config(path), path)
    ep = _entry_points().get(name)
    if ep is None:
        import difflib

        close = difflib.get_close_matches(name, task_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"unknown task {name!r}{hint} (registered tasks: {', '.join(task_names()) or 'none'})"
        )
    obj = ep.load()
    task = obj if isinstance(obj, Task) else obj()
    if not isinstance(task, Task):
        raise ConfigError(f"entry point for task {name!r} did not give a Task")
    return task


def resolve_tasks(spec: str) -> list[Task]:
    """``all``, or a comma-separated list of names/YAML paths."""
    names = task_names() if spec.strip() == "all" else [s.strip() for s in spec.split(",") if s.strip()]
    return [get_task(n) for n in names]
