"""Report test fixtures: real result folders, a real headless Chromium, the loopback OpenAI
server (for real judge results to plot)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from facebench.cli import app
from tests.report.chromium import CHROMIUM, REASON, Chromium

HERE = Path(__file__).resolve().parent

#: the replay model's answer to the i-th request of a choice task (and what its row becomes)
B_PATTERN = ("right", "invalid", "error", "wrong")


def _facebench(*args: object, ok: tuple[int, ...] = (0,)) -> None:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exit_code not in ok:
        raise AssertionError(f"facebench {' '.join(map(str, args))} exited {result.exit_code}:\n"
                             f"{result.output}\n{result.exception!r}")


def _replay_answers(out: Path, tasks: list[str]) -> Path:
    """Answers for model-b, built from model-a's requests: right, unparseable, missing (an
    error row), wrong, in turn."""
    lines = []
    for task in tasks:
        items = [json.loads(x) for x in (out / "model-a" / "facebench" / task / "items.jsonl").open()]
        for i, it in enumerate(items):
            # agedb asks age, then gender, of each picture: count per question there
            kind = B_PATTERN[(i // 2 if task == "agedb" else i) % 4]
            if kind == "error":
                continue
            target, req = it["target"], it["request"]
            if kind == "invalid":
                answer = "I would rather not say."
            elif isinstance(target, dict):  # agedb: age (number) or gender (yes/no)
                if target["question"] == "age":
                    answer = str(target["value"] + (0 if kind == "right" else 10))
                else:
                    answer = {"yes": "Yes", "no": "No"}[target["value"]] if kind == "right" else \
                        {"yes": "No", "no": "Yes"}[target["value"]]
            else:  # an option letter for the target, or another one
                options = req["meta"]["options"]
                k = options.index(target) if kind == "right" else (options.index(target) + 1) % len(options)
                answer = req["choices"][k]
            lines.append(json.dumps({"task": task, "id": it["id"], "response": answer}))
    path = out.parent / "model-b-answers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> Path:
    """Two models' results on the embedded demo data: model-a (random) on every task, model-b
    (replayed answers in the B_PATTERN) on rafdb, dfew and agedb."""
    out = tmp_path_factory.mktemp("results") / "out"
    _facebench("run", "--model", "random", "--name", "model-a", "--tasks", "all", "--output", out)
    tasks = ["rafdb", "dfew", "agedb"]
    answers = _replay_answers(out, tasks)
    _facebench("run", "--model", "replay", "--model-arg", f"path={answers}", "--name", "model-b",
               "--tasks", ",".join(tasks), "--output", out, "--allow-errors")
    return out


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(REASON)
    browser = Chromium()
    yield browser
    browser.close()


@pytest.fixture
def server():
    pytest.importorskip("openai")
    from tests.openai_server import OpenAIServer

    with OpenAIServer() as s:
        yield s
