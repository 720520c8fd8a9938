"""Names that become folders: a model name and a task name are each one path component.

``<output>/<model>/<task>/`` is built from a card's ``name``, ``--name`` and a task name; a
name holding a separator or ``..`` would write results outside ``--output`` (or over another
model's), so such names are refused before anything is written.
"""

from __future__ import annotations

import re

from facebench.errors import ConfigError

# Letters, digits and . _ - + @ = , ~ (what model names and result variants use: llava-1.5-7b, gpt-4o-mini@2024-07-18)
_SAFE = re.compile(r"[A-Za-z0-9_.+@=,~-]+")


def check_component(name: str, what: str) -> str:
    """``name`` unchanged if it is a safe single folder name, else a ConfigError naming it."""
    if not name or name in (".", "..") or not _SAFE.fullmatch(name) or name.startswith("."):
        raise ConfigError(
            f"{what} {name!r} cannot be a results folder name: use letters, digits and "
            f"'._-+@=,~' only, not starting with '.' (no '/', '\\' or '..')"
        )
    return name
