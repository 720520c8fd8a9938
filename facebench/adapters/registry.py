"""Adapters are found through the ``facebench.adapters`` entry-point group; model cards are
YAML files in ``model_adapters/`` naming an adapter and its settings.

A card is data, and data must not choose which code runs. So a card's ``adapter`` is either
a registered entry-point name (facebench's own adapters and every installed package's), or,
for an adapter not packaged yet (what ``facebench new-adapter`` writes), ``module:Class``
naming a ``module.py`` file in the card's folder or the folder above it that defines
``class Class`` (checked by parsing the file, before anything runs). Nothing else is
imported: ``os:system`` or ``pkg.mod:func`` in a card is a ConfigError naming the card.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from facebench.adapters.base import Adapter
from facebench.errors import ConfigError
from facebench.resources import data_path

GROUP = "facebench.adapters"
_LOCAL_REF = re.compile(r"^(?P<module>[A-Za-z_]\w*):(?P<cls>[A-Za-z_]\w*)$")


class ModelCard(BaseModel):
    """A model card: which adapter, with which settings, under which name in the results."""

    model_config = ConfigDict(extra="forbid")

    name: str
    adapter: str
    description: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)
    #: protocols whose ``native_style`` this model answers (Face-LLaVA its own open
    #: instruction under ``face-llava``); every other model gets the protocol's ``style``
    native_protocols: list[str] = Field(default_factory=list)
    #: the card file it was read from (set by :func:`load_card`, never by the YAML): errors
    #: name it, and an unpackaged ``module:Class`` adapter is looked up beside it only
    _path: Path | None = PrivateAttr(default=None)


@lru_cache(maxsize=1)
def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def adapter_names() -> list[str]:
    return sorted(_entry_points())


#: the ``pip install 'facebench[...]'`` extra of each built-in adapter whose name differs
EXTRAS = {"lm-eval": "lmeval", "face-llava-hf": "face-llava", "face-llava-vllm": "face-llava,vllm",
          "face-llava-openai": "openai"}


def get_adapter_class(name: str) -> type[Adapter]:
    """A registered adapter (an entry point of the ``facebench.adapters`` group), by name."""
    ep = _entry_points().get(name)
    if ep is None:
        raise ConfigError(
            f"unknown adapter {name!r}: adapters come from the {GROUP} entry-point group "
            f"(registered: {', '.join(adapter_names())})"
        )
    try:
        cls = ep.load()
    except ImportError as exc:
        raise ConfigError(
            f"adapter {name!r} needs a package that is not installed ({exc}): "
            f"pip install 'facebench[{EXTRAS.get(name, name)}]'"
        ) from exc
    return cls


def _local_adapter_file(ref: str, card_file: Path | None) -> tuple[Path, str]:
    """The module file and class name of an unpackaged ``module:Class`` adapter of a card;
    ConfigError for anything else. Reads and parses the file, runs none of it."""
    where = f"{card_file}: " if card_file is not None else ""
    refused = (
        f"{where}adapter {ref!r} is not registered; adapters come from the {GROUP} "
        f"entry-point group (registered: {', '.join(adapter_names())}; a package registers "
        f"its own), or, not packaged yet, a card may name module:Class of a module.py file "
        f"beside it (see docs/adding-an-adapter.md)"
    )
    m = _LOCAL_REF.match(ref)
    if m is None or card_file is None:
        raise ConfigError(refused)
    folders = (card_file.parent, card_file.parent.parent)
    found = [f / f"{m['module']}.py" for f in folders if (f / f"{m['module']}.py").is_file()]
    if not found:
        raise ConfigError(f"{refused}: no {m['module']}.py in {folders[0]} or {folders[1]}")
    path = found[0].resolve()
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        raise ConfigError(f"{where}adapter module {path} does not parse: {exc}") from exc
    if not any(isinstance(n, ast.ClassDef) and n.name == m["cls"] for n in tree.body):
        raise ConfigError(f"{refused}: {path} defines no class {m['cls']}")
    return path, m["cls"]


def _import_local(path: Path, cls_name: str, card_file: Path) -> type[Adapter]:
    """Import the adapter file checked by :func:`_local_adapter_file` under its own name
    (so ``pickle`` and a later ``import`` find it), and return its Adapter subclass."""
    name = path.stem
    module = sys.modules.get(name)
    if module is not None:
        loaded = getattr(module, "__file__", None)
        if loaded is None or Path(loaded).resolve() != path:
            raise ConfigError(
                f"{card_file}: adapter module {name!r} is already imported from "
                f"{loaded or 'a built-in module'}, not {path}; rename {path.name}"
            )
    else:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None  # a .py file always has both
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - the user's module: report it in one line
            del sys.modules[name]
            raise ConfigError(f"{card_file}: importing {path} failed: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise ConfigError(f"{card_file}: {path}: {cls_name} is not a facebench Adapter subclass")
    return cls


def card_adapter_class(card: ModelCard) -> type[Adapter]:
    """The adapter class a card names (registered name, or its own ``module:Class`` file)."""
    if card.adapter in _entry_points():
        return get_adapter_class(card.adapter)
    path, cls_name = _local_adapter_file(card.adapter, card._path)
    assert card._path is not None  # _local_adapter_file refuses a card read from no file
    return _import_local(path, cls_name, card._path)


def card_names() -> list[str]:
    folder = data_path("model_adapters")
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def _read_card(path: Path) -> ModelCard:
    """Parse and validate one card file; every problem is one line naming the file."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text (byte {data[exc.start]:#04x})") from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}{_yaml_where(exc)}: not valid YAML: {_yaml_problem(exc)}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a model card is a mapping (name, adapter, settings), got {type(raw).__name__}")
    try:
        card = ModelCard.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid model card: {_problems(exc)}") from exc
    card._path = path
    if card.adapter not in _entry_points():
        _local_adapter_file(card.adapter, path)  # refuse early, before any code is imported
    return card


def load_card(spec: str) -> ModelCard:
    """A card by name (``model_adapters/<name>.yaml``), by path, or a bare adapter name."""
    path = Path(spec)
    if not (spec.endswith((".yaml", ".yml")) and path.is_file()):
        path = data_path("model_adapters", f"{spec}.yaml")
    if path.is_file():
        return _read_card(path)
    if spec in _entry_points():
        return ModelCard(name=spec, adapter=spec)
    import difflib

    close = difflib.get_close_matches(spec, card_names() + adapter_names(), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"unknown model {spec!r}: {hint}not a card in model_adapters/ ({', '.join(card_names())}), "
        f"not a card file, not an adapter of the {GROUP} entry-point group ({', '.join(adapter_names())})"
    )


def build_adapter(card: ModelCard, overrides: dict[str, Any] | None = None) -> Adapter:
    """Instantiate the card's adapter; a bad setting is an error naming the card and the key."""
    cls = card_adapter_class(card)
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


def _yaml_where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f":{mark.line + 1}" if mark is not None else ""


def _yaml_problem(exc: yaml.YAMLError) -> str:
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    return " ".join(str(p) for p in parts if p) or " ".join(str(exc).split())


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {' '.join(str(e['msg']).split())}"
        for e in exc.errors()
    )
