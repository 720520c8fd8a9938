"""Report test fixtures: the loopback OpenAI server (for real judge results to plot)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

pytest.importorskip("matplotlib")
pytest.importorskip("openai")

from tests.openai_server import OpenAIServer


@pytest.fixture
def server():
    with OpenAIServer() as s:
        yield s
