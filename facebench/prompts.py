"""Prompt templates: jinja2 files under ``tasks/templates``, rendered in a sandbox.

The sandbox matters because task folders can come from third-party packages or users; a
template can format variables but cannot reach Python internals.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from facebench.resources import data_path


@lru_cache(maxsize=None)
def _environment(extra_dirs: tuple[str, ...]) -> SandboxedEnvironment:
    loaders = [FileSystemLoader(d) for d in extra_dirs]
    loaders.append(FileSystemLoader(str(data_path("tasks", "templates"))))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,  # a misspelt variable is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(template: str, variables: dict[str, Any], search_dirs: tuple[str, ...] = ()) -> str:
    """Render a template file (relative to ``tasks/templates`` or one of ``search_dirs``)."""
    text = _environment(search_dirs).get_template(template).render(**variables)
    return " ".join(line.strip() for line in text.strip().splitlines() if line.strip())


@lru_cache(maxsize=256)
def template_variables(template: str, search_dirs: tuple[str, ...] = ()) -> frozenset[str] | None:
    """The variable names a template (and every template it includes) reads; None when an
    include is chosen at render time, so the names cannot be known in advance."""
    from jinja2 import meta

    env = _environment(search_dirs)
    names: set[str] = set()
    todo, seen = [template], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        source, _, _ = env.loader.get_source(env, name)
        ast = env.parse(source)
        names |= meta.find_undeclared_variables(ast)
        for ref in meta.find_referenced_templates(ast):
            if ref is None:
                return None
            todo.append(ref)
    return frozenset(names)


def template_hash(template: str, search_dirs: tuple[str, ...] = ()) -> str:
    """Hash of a template's source: recorded in the manifest and part of the cache key."""
    env = _environment(search_dirs)
    source, _, _ = env.loader.get_source(env, template)
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def template_dirs_for(yaml_path: Path) -> tuple[str, ...]:
    """Third-party task YAML files may keep their templates in a ``templates`` folder beside them."""
    local = yaml_path.parent / "templates"
    return (str(local),) if local.is_dir() else ()
