"""Judge test fixtures: a loopback OpenAI-compatible server (tests/openai_server.py) and judge
cards pointing at it. Helpers that tests import by name live in ``judge_helpers.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent

pytest.importorskip("openai")

from tests.judge.judge_helpers import KEY, KEY_ENV, _frames, _image
from tests.openai_server import OpenAIServer


@pytest.fixture
def server():
    with OpenAIServer(retry_after=0.3, hang=3.0) as s:
        yield s


@pytest.fixture
def judge_card(tmp_path, server, monkeypatch):
    """Write a judge card for the loopback server; returns a builder taking setting overrides."""
    monkeypatch.setenv(KEY_ENV, KEY)

    def build(name: str = "judge-test", **settings) -> Path:
        base = {"model": "gpt-4o-mini", "base_url": server.base_url, "api_key_env": KEY_ENV,
                "concurrency": 4, "max_retries": 3, "timeout": 2.0, "backoff": 0.05, "max_backoff": 1.0}
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"name": name, "adapter": "openai",
                                        "settings": {**base, **settings}}))
        return path

    return build


@pytest.fixture
def media_files(tmp_path):
    return {"img": [_image(tmp_path / "media" / f"f{i}.png", i) for i in range(4)],
            "video": _frames(tmp_path / "media" / "clip")}
