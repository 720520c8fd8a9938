"""The manifest recorded in every ``metrics.json``: what produced these numbers."""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import facebench

#: packages whose versions can change a result
TRACKED = ("numpy", "pandas", "scikit-learn", "rapidfuzz", "jinja2", "pillow", "av",
           "torch", "transformers", "vllm", "openai", "lm-eval")


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    versions = {}
    for name in TRACKED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the facebench source tree, when it is a git checkout."""
    root = Path(facebench.__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def build_manifest(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "facebench_version": facebench.__version__,
        "git_commit": git_commit(),
        "adapter": run.get("adapter"),
        "adapter_fingerprint": run.get("adapter_fingerprint"),
        "prompt_hash": run.get("task_fingerprint"),
        "style": run.get("style"),
        "seed": run.get("seed"),
        "limit": run.get("limit"),
        "data_dir": run.get("data_dir"),
        "python": platform.python_version(),
        "packages": package_versions(),
    }
