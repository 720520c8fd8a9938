"""Helpers shared by the engine tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_subprocess(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """``python -m facebench.cli ...`` in a child process (for kill -9 tests)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "facebench.cli", *map(str, args)], env=full_env, **kw)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
