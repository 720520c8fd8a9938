"""Shared test helpers: run the real CLI in-process or as a subprocess."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from facebench.cli import app


@pytest.fixture
def cli():
    """Invoke ``facebench ...`` in-process; fails the test with the output on a non-zero exit."""
    runner = CliRunner()

    def invoke(*args: str, expect: int | None = 0):
        """``expect=None`` accepts any exit code (the caller checks it)."""
        result = runner.invoke(app, [str(a) for a in args])
        if expect is not None and result.exit_code != expect:
            raise AssertionError(
                f"facebench {' '.join(map(str, args))} exited {result.exit_code}:\n{result.output}"
                + (f"\n{result.exception!r}" if result.exception else "")
            )
        return result

    return invoke
