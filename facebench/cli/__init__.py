"""The ``facebench`` command line: one module per group of commands, all on one typer app."""

from facebench.cli import evaluate, models, results  # noqa: F401 - they register the commands
from facebench.cli.common import app

__all__ = ["app"]
