"""``python -m facebench.cli``: the same as the ``facebench`` command."""

from facebench.cli import app

if __name__ == "__main__":
    app()
