"""Fixtures for the adapter tests: media files, tiny models, a loopback OpenAI server."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# tests/openai_server.py is shared with other test folders (e.g. the judge tests).

from facebench.types import GenerationSettings, Message, Part, Request

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def write_video(path: Path, n_frames: int = 16, size: tuple[int, int] = (64, 48)) -> Path:
    """A short clip whose frame i is a flat grey of level 10*i, so sampled frames are identifiable."""
    import av

    codec = {".mp4": "libx264", ".avi": "mpeg4", ".flv": "flv"}[path.suffix]
    w, h = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=8)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "0"}  # lossless, so frame levels survive
        for i in range(n_frames):
            arr = np.full((h, w, 3), 10 * i, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """Images (png, jpg, broken), videos (mp4, avi, flv) and a folder of jpg frames."""
    root = tmp_path_factory.mktemp("media")
    rng = np.random.default_rng(0)
    out: dict[str, Path] = {}
    for i in range(6):
        p = root / f"face{i}.{'png' if i % 2 else 'jpg'}"
        Image.fromarray(rng.integers(0, 255, (40 + 6 * i, 48, 3), dtype=np.uint8)).save(p)
        out[f"img{i}"] = p
    out["broken"] = root / "broken.jpg"
    out["broken"].write_bytes(b"\xff\xd8 this is not a jpeg")
    for ext in ("mp4", "avi", "flv"):
        out[ext] = write_video(root / f"clip.{ext}")
    frames = root / "frames"
    frames.mkdir()
    for i in range(12):
        Image.fromarray(np.full((48, 64, 3), 20 * i, dtype=np.uint8)).save(frames / f"{i:05d}.jpg")
    out["frames"] = frames
    return out


def make_request(
    key: str,
    media_path: Path | str | None = None,
    kind: str = "image",
    question: str = "What is the facial expression?",
    system: str | None = None,
    **gen,
) -> Request:
    parts: list[Part] = []
    if media_path is not None:
        parts.append(Part.image(media_path) if kind == "image" else Part.video(media_path))
    parts.append(Part.text(question))
    messages = [Message("user", tuple(parts))]
    if system:
        messages.insert(0, Message("system", (Part.text(system),)))
    return Request(
        task="test",
        key=key,
        sample_id=key.split("/")[0],
        messages=tuple(messages),
        generation=GenerationSettings(**gen),
    )


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.adapters import tiny_models

    return tiny_models.build("llava", tmp_path_factory.mktemp("tiny_llava"))


@pytest.fixture(scope="session")
def tiny_qwen2vl(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.adapters import tiny_models

    return tiny_models.build("qwen2vl", tmp_path_factory.mktemp("tiny_qwen2vl"))


@pytest.fixture
def server():
    """A fresh loopback OpenAI-compatible server per test (real HTTP on 127.0.0.1)."""
    from tests.openai_server import OpenAIServer

    with OpenAIServer(retry_after=0.2, hang=3.0) as s:
        yield s
