"""The ``vllm`` adapter on the real vLLM CPU engine, in-process, against the ``hf`` adapter.

Tiny random LLaVA (images; video as frames) and Qwen2-VL (images and native video) models go
through ``VLLMAdapter`` (one ``LLM.chat`` call for many prompts) and through ``HFAdapter``;
greedy answers must be the same token for token. Skipped when vLLM is not installed (CI runs
it in the venv made by ``.ci/setup_vllm.sh``).

Engine settings follow /work/shared/specs/environment.md: float32, eager mode, 1 GiB KV
cache. Each engine takes ~20-60 s to start, so each model gets one module-scoped engine.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Self

import numpy as np
import pytest

from tests.adapters.conftest import make_request

pytest.importorskip("vllm")
pytest.importorskip("torch")
pytest.importorskip("transformers")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

from facebench.adapters.hf import HFAdapter
from facebench.adapters.vllm_local import VLLMAdapter
from facebench.types import Message, Part, Request

#: the checkpoint's repetition penalty (generation_config.json): hf and vLLM must both apply it
PENALTY = 1.3


def _engine_env() -> None:
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def noisy_video(path: Path, n_frames: int, size: tuple[int, int] = (48, 32)) -> Path:
    """A lossless clip of random frames: JPEG-compressing its frames changes the answers."""
    import av

    rng = np.random.default_rng(1)
    w, h = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=8)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": "0"}
        for _ in range(n_frames):
            arr = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(arr, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def same_answers(hf, vl) -> None:
    """Token-for-token equality, read through the decoded answers.

    Token counts must match exactly. The texts must too, except for one detokenizer
    difference: when the answer is cut off in the middle of a multi-byte character,
    transformers decodes the dangling bytes as U+FFFD while vLLM's incremental detokenizer
    leaves them out.
    """
    assert all(r.ok for r in hf), [r.error for r in hf]
    assert [(r.prompt_tokens, r.completion_tokens) for r in vl] == [
        (r.prompt_tokens, r.completion_tokens) for r in hf
    ]
    assert [r.text.rstrip("\ufffd") for r in vl] == [r.text.rstrip("\ufffd") for r in hf]


class CallCounter:
    """Counts ``LLM.chat`` calls (the engine still does all the work)."""

    def __init__(self, adapter: VLLMAdapter) -> None:
        self.llm = adapter._load()
        self.real = self.llm.chat
        self.sizes: list[int] = []

    def __enter__(self) -> Self:
        def chat(messages, *args, **kwargs):
            self.sizes.append(len(messages))
            return self.real(messages, *args, **kwargs)

        self.llm.chat = chat
        return self

    def __exit__(self, *exc) -> None:
        del self.llm.chat  # back to the class method


# -- Qwen2-VL: images and native video -------------------------------------------------------


@pytest.fixture(scope="module")
def qwen_dir(tiny_qwen2vl, tmp_path_factory) -> Path:
    """The tiny Qwen2-VL with a repetition penalty in its generation config."""
    out = tmp_path_factory.mktemp("qwen_penalty") / "model"
    shutil.copytree(tiny_qwen2vl, out)
    cfg_file = out / "generation_config.json"
    cfg = json.loads(cfg_file.read_text())
    cfg_file.write_text(json.dumps({**cfg, "repetition_penalty": PENALTY}))
    return out


@pytest.fixture(scope="module")
def qwen(qwen_dir):
    _engine_env()
    adapter = VLLMAdapter(
        model=str(qwen_dir),
        dtype="float32",
        enforce_eager=True,
        max_model_len=2048,
        limit_mm_per_prompt={"image": 2, "video": 1},
    )
    yield adapter
    adapter.close()


@pytest.fixture(scope="module")
def noisy(tmp_path_factory) -> Path:
    return noisy_video(tmp_path_factory.mktemp("noisy") / "noisy.mp4", n_frames=40)


def test_qwen2vl_images_and_videos_match_hf_in_one_chat_call(qwen, qwen_dir, media, noisy):
    reqs = [
        make_request(f"img{i}", media[f"img{i}"], question="Which emotion?" + " Why?" * i,
                     max_new_tokens=12)
        for i in range(4)
    ]  # fmt: skip
    reqs += [
        make_request("vid/4", noisy, kind="video", num_frames=4, max_new_tokens=12),
        make_request("vid/8", noisy, kind="video", num_frames=8, max_new_tokens=12),
        # more frames than vLLM's frame-list loader keeps by default (32)
        make_request("vid/40", noisy, kind="video", num_frames=40, max_new_tokens=12),
        make_request("vid/folder", media["frames"], kind="video", num_frames=6, max_new_tokens=12),
        make_request("sys", media["img5"], system="You rate faces.", max_new_tokens=12),
    ]
    with CallCounter(qwen) as calls:
        out = qwen.generate(reqs)
    assert calls.sizes == [len(reqs)]  # many prompts, one LLM.chat call
    assert all(r.ok and r.text for r in out), [r.error for r in out]
    assert all(r.completion_tokens == 12 for r in out)  # EOS is suppressed in the tiny model
    hf = HFAdapter(model=str(qwen_dir), dtype="float32", device_map=None).generate(reqs)
    same_answers(hf, out)
    # video tokens grow linearly with the frames, past 32 too (no frame was dropped)
    p4, p8, p40 = (
        o.prompt_tokens
        for r, o in zip(reqs, out)
        if r.key.startswith("vid/") and r.key[4:].isdigit()
    )
    assert p8 > p4 and p40 - p8 == 8 * (p8 - p4)
    assert qwen._penalty == {"repetition_penalty": PENALTY}
    # the engine says how many prompt tokens its prefix cache served, per answer
    assert all(isinstance(o.cached_tokens, int) and 0 <= o.cached_tokens <= o.prompt_tokens
               for o in out), [o.cached_tokens for o in out]


def test_qwen2vl_errors_stay_in_their_rows_and_the_engine_keeps_answering(qwen, media, tmp_path):
    good = [make_request(f"img{i}", media[f"img{i}"], max_new_tokens=6) for i in range(3)]
    missing = make_request("missing", tmp_path / "missing.jpg", max_new_tokens=6)
    broken = make_request("broken", media["broken"], max_new_tokens=6)
    # three images where the engine allows two: vLLM itself rejects this prompt
    parts = tuple(Part.image(media[f"img{i}"]) for i in range(3)) + (Part.text("Which?"),)
    over = Request(task="test", key="over", sample_id="over",
                   messages=(Message("user", parts),), generation=good[0].generation)  # fmt: skip
    reqs = [good[0], missing, good[1], over, broken, good[2]]
    with CallCounter(qwen) as calls:
        out = qwen.generate(reqs)
    assert [r.ok for r in out] == [True, False, True, False, False, True]
    assert "missing" in out[1].error and "broken" in out[4].error
    assert "over" in out[3].error and "image" in out[3].error
    # the batch of 4 sendable prompts failed on "over", then ran one by one
    assert calls.sizes == [4, 1, 1, 1, 1]
    alone = qwen.generate([good[0], good[1], good[2]])
    assert [r.text for r in alone] == [out[0].text, out[2].text, out[5].text]


# -- LLaVA: images; video as frames -----------------------------------------------------------


@pytest.fixture(scope="module")
def llava_dir(tmp_path_factory) -> Path:
    from tests.adapters import tiny_models

    return tiny_models.build("llava-vllm", tmp_path_factory.mktemp("tiny_llava_vllm"))


@pytest.fixture(scope="module")
def llava(llava_dir):
    _engine_env()
    adapter = VLLMAdapter(
        model=str(llava_dir),
        dtype="float32",
        enforce_eager=True,
        max_model_len=1024,
        limit_mm_per_prompt={"image": 4},
        video_mode="frames",
        batch_size=5,
    )
    yield adapter
    adapter.close()


def test_llava_images_and_frames_match_hf_and_batches_split_by_batch_size(
    llava, llava_dir, media, noisy
):
    reqs = [
        make_request(f"img{i}", media[f"img{i}"], question="Which emotion?" + " Why?" * i,
                     max_new_tokens=10)
        for i in range(6)
    ]  # fmt: skip
    reqs.append(
        make_request(
            "vid/4", noisy, kind="video", num_frames=4, question="Which emotion?", max_new_tokens=10
        )
    )
    with CallCounter(llava) as calls:
        out = llava.generate(reqs)
    assert calls.sizes == [5, 2]  # batch_size 5
    assert all(r.ok and r.completion_tokens == 10 for r in out), [r.error for r in out]
    hf = HFAdapter(model=str(llava_dir), dtype="float32", device_map=None).generate(reqs)
    same_answers(hf, out)
    # each frame is one image: 16 patch tokens + the template's newline, 4 frames vs 1 image
    assert out[6].prompt_tokens - out[0].prompt_tokens == 3 * (16 + 1)
