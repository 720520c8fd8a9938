"""Tasks: YAML definitions over one generic :class:`~facebench.tasks.task.Task`."""

from facebench.tasks.config import StyleConfig, TaskConfig, load_task_config
from facebench.tasks.registry import get_task, task_names
from facebench.tasks.task import Item, Task

__all__ = [
    "Item",
    "StyleConfig",
    "Task",
    "TaskConfig",
    "get_task",
    "load_task_config",
    "task_names",
]
