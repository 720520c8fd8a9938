"""The tiny Face-LLaVA both test files use: written in the official layouts by make_tiny.py and
converted once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict[str, Path]:
    pytest.importorskip("torch", reason="torch is not installed (Face-LLaVA reference)")
    pytest.importorskip("transformers", reason="transformers is not installed")
    pytest.importorskip("safetensors", reason="safetensors is not installed")
    pytest.importorskip("sentencepiece", reason="sentencepiece is not installed (tiny tokenizer)")
    sys.path.insert(0, str(HERE))
    from make_tiny import make_tiny

    from facebench.face_llava.convert import convert

    root = tmp_path_factory.mktemp("face_llava")
    paths = make_tiny(root / "official")
    out = convert(paths["checkpoint"], paths["image_tower"], paths["video_tower"], root / "converted",
                  dtype="float32")
    return {**paths, "converted": out}
