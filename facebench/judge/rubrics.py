"""Versioned judge rubrics: jinja2 templates in ``tasks/rubrics/<name>.v<N>.jinja``.

A rubric's id is ``<name>.v<N>``; it is written into every judge result and into the judge
cache key, so two results rated under different rubric wordings are never mixed and a reworded
rubric never reuses an old cached rating. Templates render with ``StrictUndefined``: a missing
variable is an error, not an empty string in a prompt that was paid for.

A rubric that copies a benchmark's own prompt (``mmvet_grading.v2``) is rendered with
``strip=False``: its whitespace is part of the official query, byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from facebench.errors import ConfigError
from facebench.judge.schema import TASK_TYPE_ORDER
from facebench.resources import data_path

_VERSIONED = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.jinja$")
TASK_TYPES = TASK_TYPE_ORDER


def rubric_dir() -> Path:
    return data_path("tasks", "rubrics")


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(rubric_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )


@dataclass(frozen=True)
class Rubric:
    """One rubric template at one version."""

    name: str
    version: int
    filename: str

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    def render(self, *, strip: bool = True, **variables: Any) -> str:
        """The prompt text; ``strip=False`` keeps leading and trailing whitespace as written."""
        try:
            text = _env().get_template(self.filename).render(**variables)
            return text.strip() if strip else text
        except jinja2.UndefinedError as exc:
            raise ConfigError(f"rubric {self.id}: {exc}") from exc

    def source_hash(self) -> str:
        """Hash of the template text (recorded with results, for auditing edits in place)."""
        text = (rubric_dir() / self.filename).read_text(encoding="utf-8")
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def available() -> dict[str, list[int]]:
    """Rubric name -> sorted versions present on disk (files starting with ``_`` are bases)."""
    found: dict[str, list[int]] = {}
    for path in rubric_dir().glob("*.jinja"):
        m = _VERSIONED.match(path.name)
        if m and not path.name.startswith("_"):
            found.setdefault(m["name"], []).append(int(m["version"]))
    return {k: sorted(v) for k, v in sorted(found.items())}


def get_rubric(name: str, version: int | None = None) -> Rubric:
    """A rubric by name (``reasoning_expression``), at ``version`` or the newest one."""
    versions = available().get(name)
    if not versions:
        raise ConfigError(f"no rubric {name!r} in {rubric_dir()}; have: {', '.join(available())}")
    chosen = versions[-1] if version is None else version
    if chosen not in versions:
        raise ConfigError(f"rubric {name!r} has versions {versions}, not {chosen}")
    return Rubric(name, chosen, f"{name}.v{chosen}.jinja")


@lru_cache(maxsize=1)
def _task_types() -> dict[str, str]:
    raw = yaml.safe_load((rubric_dir() / "task_types.yaml").read_text(encoding="utf-8")) or {}
    mapping: dict[str, str] = {}
    for task_type, tasks in raw.items():
        if task_type not in TASK_TYPES:
            raise ConfigError(f"task_types.yaml: unknown task type {task_type!r}")
        for task in tasks:
            mapping[task] = task_type
    return mapping


def task_type_of(task: str, overrides: dict[str, str] | None = None) -> str | None:
    """The task type whose reasoning rubric rates ``task``; None when nobody said."""
    task_type = (overrides or {}).get(task) or _task_types().get(task)
    if task_type is not None and task_type not in TASK_TYPES:
        raise ConfigError(f"unknown task type {task_type!r} for {task}; one of {TASK_TYPES}")
    return task_type


def reasoning_rubric(task_type: str, version: int | None = None) -> Rubric:
    return get_rubric(f"reasoning_{task_type}", version)
