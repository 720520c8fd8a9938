from facebench.cli import app

app()
