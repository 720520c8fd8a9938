"""Adapters are found through the ``facebench.adapters`` entry-point group; model cards are
YAML files in ``model_adapters/`` naming an adapter and its settings.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from facebench.adapters.base import Adapter
from facebench.errors import ConfigError
from facebench.resources import data_path


class ModelCard(BaseModel):
    """A model card: which adapter, with which settings, under which name in the results."""

    model_config = ConfigDict(extra="forbid")

    name: str
    adapter: str
    description: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group="facebench.adapters")}


def adapter_names() -> list[str]:
    return sorted(_entry_points())


def get_adapter_class(name: str) -> type[Adapter]:
    """A registered adapter, or ``package.module:Class`` for one not (yet) packaged."""
    ep = _entry_points().get(name)
    if ep is None and ":" in name:
        module, _, cls_name = name.partition(":")
        try:
            return getattr(_import_local(module), cls_name)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"cannot import adapter {name!r}: {exc}") from exc
    if ep is None:
        raise ConfigError(f"unknown adapter {name!r}; registered: {', '.join(adapter_names())}")
    try:
        cls = ep.load()
    except ImportError as exc:
        raise ConfigError(
            f"adapter {name!r} needs a package that is not installed ({exc}); "
            f"install the matching extra, e.g. pip install 'facebench[{name}]'"
        ) from exc
    return cls


def _import_local(module: str):
    """Import ``module``, also from the working directory (where an unpackaged adapter file
    written by ``facebench new-adapter`` lives; console scripts do not search it)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        cwd = os.getcwd()
        if exc.name != module.split(".")[0] or cwd in sys.path:
            raise
        sys.path.append(cwd)
        return importlib.import_module(module)


def card_names() -> list[str]:
    folder = data_path("model_adapters")
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def load_card(spec: str) -> ModelCard:
    """A card by name (``model_adapters/<name>.yaml``), by path, or a bare adapter name."""
    path = Path(spec)
    if not (spec.endswith((".yaml", ".yml")) and path.is_file()):
        path = data_path("model_adapters", f"{spec}.yaml")
    if path.is_file():
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return ModelCard.model_validate(raw)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        except ValidationError as exc:
            raise ConfigError(f"{path}: invalid model card: {_problems(exc)}") from exc
    if spec in _entry_points():
        return ModelCard(name=spec, adapter=spec)
    raise ConfigError(
        f"unknown model {spec!r}: not a card in model_adapters/ ({', '.join(card_names())}), "
        f"not a card file, not an adapter ({', '.join(adapter_names())})"
    )


def build_adapter(card: ModelCard, overrides: dict[str, Any] | None = None) -> Adapter:
    """Instantiate the card's adapter; a bad setting is an error naming the card and the key."""
    cls = get_adapter_class(card.adapter)
    missing = [m for m in cls.requires if importlib.util.find_spec(m) is None]
    if missing:
        hint = f"pip install 'facebench[{cls.extra}]'" if cls.extra else f"pip install {' '.join(missing)}"
        raise ConfigError(f"model card {card.name!r}: adapter {card.adapter} needs {', '.join(missing)}: {hint}")
    settings = {**card.settings, **(overrides or {})}
    try:
        validated = cls.Settings.model_validate(settings)
    except ValidationError as exc:
        raise ConfigError(f"model card {card.name!r} (adapter {card.adapter}): {_problems(exc)}") from exc
    return cls(validated)


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()
    )
