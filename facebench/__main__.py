"""``python -m facebench``: the same as the ``facebench`` command."""

from facebench.cli import app

if __name__ == "__main__":  # vLLM's engine spawns processes that re-import __main__
    app()
