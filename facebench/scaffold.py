"""``facebench new-adapter NAME``: write a runnable adapter skeleton, its model card and a test.

Why: the fastest way to add a baseline is to start from files that already run end to end. The
skeleton answers every request with an error row saying "not implemented", so ``facebench run``
works from the first minute and the test says exactly what is left to do. The card names the
class as ``module:Class`` (the registry imports it from ``PYTHONPATH``), so nothing has to be
packaged until the adapter is worth sharing.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from facebench.adapters.registry import adapter_names
from facebench.errors import ConfigError

TEMPLATES = Path(__file__).resolve().parent / "scaffold_templates"
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class Names:
    """Every spelling of one adapter name: registry name, module, classes, files."""

    name: str
    module: str
    class_name: str
    settings_class: str

    @staticmethod
    def of(name: str) -> Names:
        """Validate ``name`` (lower case, letters first; ``-`` and ``_`` join words) and derive
        the module and class names from it; ``my-model`` -> ``my_model_adapter.MyModelAdapter``."""
        if not NAME_RE.match(name) or name.endswith(("-", "_")):
            raise ConfigError(
                f"invalid adapter name {name!r}: use lower-case letters, digits, '-' or '_', "
                f"starting with a letter (e.g. my-model)"
            )
        stem = name.replace("-", "_")
        if keyword.iskeyword(stem):
            raise ConfigError(f"invalid adapter name {name!r}: a Python keyword")
        camel = "".join(part.capitalize() for part in re.split(r"[-_]+", name))
        return Names(name, f"{stem}_adapter", f"{camel}Adapter", f"{camel}Settings")


def plan_files(names: Names, folder: Path) -> dict[Path, str]:
    """The files ``new-adapter`` writes (path -> template), relative to ``folder``."""
    return {
        folder / f"{names.module}.py": "adapter.py.jinja",
        folder / "model_adapters" / f"{names.name}.yaml": "card.yaml.jinja",
        folder / "tests" / f"test_{names.module}.py": "test_adapter.py.jinja",
    }


def new_adapter(name: str, folder: Path = Path(".")) -> list[Path]:
    """Write the skeleton, card and test for adapter ``name`` under ``folder``.

    Refuses (before writing anything) if the name is invalid, already registered, or any
    target file exists: a scaffold never overwrites work.
    """
    names = Names.of(name)
    if name in adapter_names():
        raise ConfigError(f"adapter {name!r} is already registered; choose another name")
    files = plan_files(names, folder)
    existing = [str(p) for p in files if p.exists()]
    if existing:
        raise ConfigError(f"refusing to overwrite {', '.join(existing)}")
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, keep_trailing_newline=True
    )
    context = asdict(names)
    for path, template in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(env.get_template(template).render(context), encoding="utf-8")
    return list(files)
