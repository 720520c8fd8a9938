"""A replay file is user input: a bad line stops the build naming ``file:line``; a repeated id
is a warning naming both lines, and the later line wins."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from facebench.adapters.registry import build_adapter, load_card
from facebench.adapters.replay import MAX_DUPLICATE_WARNINGS
from facebench.errors import ConfigError, FacebenchError
from facebench.types import Message, Part, Request


def row(key: str, response: str, task: str = "rafdb") -> bytes:
    return (json.dumps({"task": task, "id": key, "response": response}) + "\n").encode()


def replay(path: Path):
    return build_adapter(load_card("replay"), {"path": str(path)})


def ask(adapter, *keys: str) -> list[str | None]:
    msg = Message("user", (Part.text("Which expression?"),))
    return [r.text for r in adapter.generate([Request("rafdb", k, k, (msg,)) for k in keys])]


@pytest.mark.parametrize(
    "bad_line, expected",
    [
        (b'{"task": "rafdb", "id": "b", "response": "caf\xe9"}\n', "not UTF-8 text (byte 0xe9)"),
        (b'{"task": "rafdb", "id": "b", "response": "A"\n', "expected a JSON object with task, id, response (JSONDecodeError"),
        (b'["rafdb", "b", "A"]\n', "expected a JSON object"),
        (b'"just a string"\n', "expected a JSON object"),
        (b'{"task": "rafdb", "response": "A"}\n', "expected a JSON object with task, id, response (KeyError: 'id')"),
        (b'{"task": "rafdb", "id": ' + b"1" * 5000 + b', "response": "A"}\n', "expected a JSON object"),
        (b"[" * 100_000 + b"\n", "expected a JSON object"),
        (b'{"task": "rafdb", "id": "b", "response": 3}\n', "'response' must be a string"),
    ],
    ids=["latin-1", "truncated", "list", "string", "no-id", "huge-int", "deep", "not-string"],
)
def test_bad_line_fails_the_build_naming_file_and_line(tmp_path, bad_line, expected):
    path = tmp_path / "answers.jsonl"
    path.write_bytes(row("a", "A") + b"\n" + bad_line + row("c", "C"))
    with pytest.raises(ConfigError) as info:
        replay(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: {expected}"), message
    assert "\n" not in message and isinstance(info.value, FacebenchError)


def test_missing_file_fails_the_build(tmp_path):
    with pytest.raises(ConfigError, match="replay file not found"):
        replay(tmp_path / "nope.jsonl")


def test_cli_reports_a_bad_replay_line_in_one_line_before_any_task(tmp_path):
    path = tmp_path / "answers.jsonl"
    path.write_bytes(row("a", "A") + b"\xff\xfe not text\n")
    done = subprocess.run(
        [sys.executable, "-m", "facebench", "run", "--model", "replay", "--model-arg", f"path={path}",
         "--tasks", "rafdb,celeba", "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [f"error: {path}:2: not UTF-8 text (byte 0xff)"]
    assert "Traceback" not in done.stdout + done.stderr
    assert not (tmp_path / "out").exists()  # failed before the first task


def test_duplicate_id_warns_with_both_lines_and_the_later_line_wins(tmp_path, caplog):
    path = tmp_path / "answers.jsonl"
    path.write_bytes(row("a", "first") + row("b", "B") + row("a", "second") + row("a", "A", task="celeba"))
    with caplog.at_level(logging.WARNING, logger="facebench.adapters.replay"):
        adapter = replay(path)
    assert ask(adapter, "a", "b") == ["second", "B"]  # the same id in another task is no repeat
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: task 'rafdb' id 'a' is on lines 1 and 3; line 3 is used"
    ]


def test_many_duplicates_warn_a_few_and_count_the_rest(tmp_path, caplog):
    path = tmp_path / "answers.jsonl"
    n = MAX_DUPLICATE_WARNINGS + 5
    path.write_bytes(b"".join(row(f"k{i}", "old") for i in range(n)) + b"".join(row(f"k{i}", "new") for i in range(n)))
    with caplog.at_level(logging.WARNING, logger="facebench.adapters.replay"):
        adapter = replay(path)
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == MAX_DUPLICATE_WARNINGS + 1
    assert messages[0] == f"{path}: task 'rafdb' id 'k0' is on lines 1 and {n + 1}; line {n + 1} is used"
    assert messages[-1] == f"{path}: 5 more duplicate ids; the later line wins each time"
    assert set(ask(adapter, *(f"k{i}" for i in range(n)))) == {"new"}


def test_cli_prints_the_duplicate_warning_on_stderr(tmp_path):
    """Through the real CLI: the warning reaches the user, and the run still succeeds."""
    requests = tmp_path / "requests.jsonl"
    common = dict(capture_output=True, text=True, timeout=120, cwd=tmp_path)
    cmd = [sys.executable, "-m", "facebench"]
    subprocess.run([*cmd, "export", "--tasks", "rafdb", "--out", str(requests)], check=True, **common)
    ids = [json.loads(line)["id"] for line in requests.read_text().splitlines()]
    path = tmp_path / "answers.jsonl"
    path.write_bytes(b"".join(row(k, "happy") for k in ids) + row(ids[0], "sad"))
    done = subprocess.run([*cmd, "run", "--model", "replay", "--model-arg", f"path={path}",
                           "--tasks", "rafdb", "--output", str(tmp_path / "out")], **common)
    assert done.returncode == 0, done.stdout + done.stderr
    warning = f"{path}: task 'rafdb' id '{ids[0]}' is on lines 1 and {len(ids) + 1}; line {len(ids) + 1} is used"
    assert warning in done.stderr.splitlines()
    responses = [json.loads(x) for x in next((tmp_path / "out/replay").glob("*/rafdb/responses.jsonl")).read_text().splitlines()]
    assert {r["id"]: r["response"] for r in responses}[ids[0]] == "sad"
