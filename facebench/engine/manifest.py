"""The manifest recorded in every ``metrics.json``: what produced these numbers."""

from __future__ import annotations

import datetime as dt
import platform
import re
import shlex
import subprocess
import sys
import time
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


_SECRET = re.compile(r"(?i)(key|token|secret|password)[^=]*=")


def command_line(argv: list[str] | None = None) -> str:
    """The command as typed, with the value of any ``*key*=``/``*token*=`` argument masked:
    a secret passed on the command line never reaches a results file."""
    args = list(sys.argv if argv is None else argv)
    if args and argv is None:
        args[0] = Path(args[0]).name
    return " ".join(shlex.quote(_mask(a)) for a in args)


def command_from_options(command: str, options: dict[str, Any]) -> str:
    """``facebench <command> --key value ...`` rebuilt from parsed options (what was asked,
    however facebench was invoked: console script, ``python -m``, a test), secrets masked."""
    args = ["facebench", command]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False or value == []:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                args += [flag, str(v)]
        else:
            args += [flag, str(value)]
    return command_line(args)


def _mask(arg: str) -> str:
    found = _SECRET.search(arg)
    return arg[: found.end()] + "***" if found else arg


def build_manifest(run: dict[str, Any]) -> dict[str, Any]:
    started = run.get("started_at")
    finished = time.time()
    return {
        "facebench_version": facebench.__version__,
        # "unknown" (never null) when facebench is not run from a git checkout
        "git_commit": git_commit() or "unknown",
        "command": run.get("command"),
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "duration_s": round(finished - started, 3) if started else None,
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


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return dt.datetime.fromtimestamp(stamp, tz=dt.timezone.utc).isoformat(timespec="seconds")
