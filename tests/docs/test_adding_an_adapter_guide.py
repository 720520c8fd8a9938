"""Follows docs/adding-an-adapter.md: every fenced block runs, in order, exactly as written.

Each block is preceded by a marker comment saying what to do with it:

- ``<!-- test: file=PATH -->``: write the block to PATH;
- ``<!-- test: run [id=ID] [cwd=DIR] [exit=N] -->``: run it with bash, expect exit status N;
- ``<!-- test: background cwd=DIR port=P -->``: start it, wait until port P answers, stop it
  at the end;
- ``<!-- test: skip (reason) -->``: not run here (the reason says where it is tested).

The shell sees a throw-away virtualenv (which also sees this environment's packages, so
facebench and its dependencies come from here) first on PATH, so ``pip install`` in the guide installs
into it and never into the environment running the tests. The guide's port (8765) is replaced
by a free one. After some steps a check below looks at what the step produced.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import site
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "adding-an-adapter.md"
GUIDE_PORT = "8765"
MARKED = re.compile(r"<!-- test: (?P<marker>[^\n]*?) -->\n```(?P<lang>\w*)\n(?P<body>.*?)^```", re.DOTALL | re.MULTILINE)


@dataclass(frozen=True)
class Block:
    kind: str
    attrs: dict[str, str]
    body: str


def guide_blocks() -> list[Block]:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for m in MARKED.finditer(text):
        tokens = m["marker"].split()
        kind = tokens[0].split("=")[0]  # "file=PATH" is kind "file" with attribute file
        attrs = dict(t.split("=", 1) for t in tokens if "=" in t) if kind != "skip" else {}
        blocks.append(Block(kind, attrs, m["body"]))
    return blocks


def _metrics(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text())


def _errors(folder: Path) -> list[str]:
    rows = [json.loads(x) for x in (folder / "responses.jsonl").read_text().splitlines()]
    return [r["error"] for r in rows if r["error"]]


def check_scaffold(out: str, work: Path) -> None:
    for rel in ("face_http_adapter.py", "model_adapters/face_http.yaml",
                "tests/test_face_http_adapter.py"):
        assert (work / "myproject" / rel).is_file(), rel


def check_skeleton(out: str, work: Path) -> None:
    run = work / "myproject/results/face_http/facebench~limit=4+seed=0/rafdb"
    assert _metrics(run)["n_error"] == 4
    assert all("not implemented" in e for e in _errors(run))


def check_skeleton_tests(out: str, work: Path) -> None:
    assert "1 failed, 1 passed" in out and "not implemented" in out


def check_implemented(out: str, work: Path) -> None:
    m = _metrics(work / "myproject/results/face_http/facebench~limit=4+seed=0/rafdb")
    assert (m["n"], m["n_error"], m["n_invalid"]) == (4, 0, 0)
    assert "2 passed" in out


def check_installed(out: str, work: Path) -> None:
    assert re.search(r"^face_http: A face model behind a local HTTP endpoint", out, re.MULTILINE), out


def check_packaged(out: str, work: Path) -> None:
    m = _metrics(work / "results/face_http/facebench~limit=4+seed=0/rafdb")
    assert (m["n"], m["n_error"], m["n_invalid"]) == (4, 0, 0)


CHECKS: dict[str, Callable[[str, Path], None]] = {
    "scaffold": check_scaffold,
    "skeleton": check_skeleton,
    "skeleton-tests": check_skeleton_tests,
    "implemented": check_implemented,
    "installed": check_installed,
    "packaged": check_packaged,
}


def test_every_block_is_marked_and_every_step_is_there():
    text = GUIDE.read_text(encoding="utf-8")
    fences = len(re.findall(r"^```", text, re.MULTILINE)) // 2  # opening and closing
    blocks = guide_blocks()
    assert len(blocks) == fences, "every fenced block needs a <!-- test: ... --> marker"
    assert {b.kind for b in blocks} <= {"file", "run", "background", "skip"}
    assert set(CHECKS) <= {b.attrs.get("id") for b in blocks}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"background step exited: {log.read_text()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout}s")


def _environment(tmp: Path) -> dict[str, str]:
    """A venv seeing this environment's packages, with a ``facebench`` command that (like the
    real console script) does not put the working directory on sys.path."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # see exactly the packages of the environment running the tests (a venv's
    # --system-site-packages would show the base interpreter's instead); addsitedir also
    # runs their .pth files, so an editable facebench install is seen too
    (inner,) = (venv / "lib").glob("python*/site-packages")
    (inner / "_outer_env.pth").write_text(
        "".join(f"import site; site.addsitedir({d!r})\n" for d in site.getsitepackages())
    )
    shim = venv / "bin" / "facebench"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(str(venv / "bin" / "python"))} -P -m facebench "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        # offline and fast: build with the installed setuptools, facebench is already there
        PIP_NO_BUILD_ISOLATION="0",
        PIP_NO_DEPS="1",
        PIP_NO_INDEX="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def test_following_the_guide_works(tmp_path):
    port = str(_free_port())
    env = _environment(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    background: list[subprocess.Popen] = []
    try:
        for block in guide_blocks():
            body = block.body.replace(GUIDE_PORT, port)
            cwd = work / block.attrs.get("cwd", ".")
            if block.kind == "file":
                path = work / block.attrs["file"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(body, encoding="utf-8")
            elif block.kind == "background":
                log = tmp_path / f"background-{len(background)}.log"
                with log.open("w") as sink:  # a file, not a pipe: a chatty server never blocks
                    proc = subprocess.Popen(["bash", "-c", "exec " + body.strip()], cwd=cwd,
                                            env=env, stdout=sink, stderr=subprocess.STDOUT)
                background.append(proc)
                _wait_port(int(block.attrs["port"].replace(GUIDE_PORT, port)), proc, log)
            elif block.kind == "run":
                done = subprocess.run(["bash", "-e", "-c", body], check=False, cwd=cwd, env=env,
                                      capture_output=True, text=True, timeout=180)
                out = done.stdout + done.stderr
                expected = int(block.attrs.get("exit", "0"))
                assert done.returncode == expected, f"{body}\nexited {done.returncode}:\n{out}"
                if "id" in block.attrs:
                    CHECKS[block.attrs["id"]](out, work)
    finally:
        for proc in background:
            proc.terminate()
            proc.wait(timeout=10)


def test_new_adapter_refuses_to_overwrite_and_bad_names(cli, tmp_path):
    cli("new-adapter", "my-model", "--dir", tmp_path)
    adapter = tmp_path / "my_model_adapter.py"
    assert "class MyModelAdapter(Adapter):" in adapter.read_text()
    assert "adapter: my_model_adapter:MyModelAdapter" in (tmp_path / "model_adapters/my-model.yaml").read_text()
    before = adapter.read_text()
    again = cli("new-adapter", "my-model", "--dir", tmp_path, expect=2)
    assert "refusing to overwrite" in again.output and adapter.read_text() == before
    for bad in ("My-Model", "1model", "my model", "class", "x-"):
        assert "invalid adapter name" in cli("new-adapter", bad, "--dir", tmp_path, expect=2).output


def test_skeleton_answers_with_error_rows(tmp_path, monkeypatch):
    """The skeleton runs as it is: no exception, one "not implemented" error row per request."""
    from facebench.adapters.registry import build_adapter, load_card
    from facebench.scaffold import new_adapter
    from facebench.types import Message, Part, Request

    new_adapter("sketch", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    adapter = build_adapter(load_card(str(tmp_path / "model_adapters/sketch.yaml")))
    msg = Message("user", (Part.text("Which expression?"),))
    responses = adapter.generate([Request("rafdb", k, k, (msg,)) for k in ("a", "b")])
    assert [r.error for r in responses] == [
        f"{k}: NotImplementedError: not implemented: fill in _ask in sketch_adapter.py" for k in "ab"
    ]
