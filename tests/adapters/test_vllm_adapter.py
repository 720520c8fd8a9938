"""The ``vllm`` adapter on the tiny Qwen2-VL with vLLM's CPU backend (skipped without vllm).

Settings follow /work/shared/specs/environment.md: float32, eager mode, 1 GiB KV cache.
The engine takes ~20 s to start, so one engine serves every check here.
"""

from __future__ import annotations

import os

import pytest
from tests.adapters.conftest import make_request

pytest.importorskip("vllm")
pytestmark = pytest.mark.slow

from facebench.adapters.hf import HFAdapter
from facebench.adapters.vllm_local import VLLMAdapter


@pytest.fixture(scope="module")
def vllm_adapter(tiny_qwen2vl):
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    adapter = VLLMAdapter(
        model=str(tiny_qwen2vl),
        dtype="float32",
        enforce_eager=True,
        max_model_len=2048,
        limit_mm_per_prompt={"image": 8, "video": 1},
        batch_size=4,
    )
    yield adapter
    adapter.close()


def test_images_videos_errors_and_greedy_parity_with_hf(
    vllm_adapter, tiny_qwen2vl, media, tmp_path
):
    reqs = [make_request(f"i{i}", media[f"img{i}"], max_new_tokens=8) for i in range(3)]
    reqs.append(make_request("v", media["mp4"], kind="video", num_frames=4, max_new_tokens=8))
    reqs.append(make_request("bad", tmp_path / "missing.jpg", max_new_tokens=8))
    out = vllm_adapter.generate(reqs)
    assert [r.ok for r in out] == [True] * 4 + [False]
    assert "bad" in out[4].error
    assert all(r.completion_tokens == 8 and r.prompt_tokens for r in out[:4])
    hf = HFAdapter(model=str(tiny_qwen2vl), dtype="float32", device_map=None).generate(reqs[:3])
    assert [r.text for r in out[:3]] == [r.text for r in hf]
