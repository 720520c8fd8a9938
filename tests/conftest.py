"""Shared test helpers: run the real CLI in-process or as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facebench.cli import app


@pytest.fixture
def cli():
    """Invoke ``facebench ...`` in-process; fails the test with the output on a non-zero exit."""
    runner = CliRunner()

    def invoke(*args: str, expect: int = 0):
        result = runner.invoke(app, [str(a) for a in args])
        if result.exit_code != expect:
            raise AssertionError(
                f"facebench {' '.join(map(str, args))} exited {result.exit_code}:\n{result.output}"
                + (f"\n{result.exception!r}" if result.exception else "")
            )
        return result

    return invoke


def run_subprocess(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    """``python -m facebench.cli ...`` in a child process (for kill -9 tests)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "facebench.cli", *map(str, args)], env=full_env, **kw)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
