"""Prefix caching and image-aligned batches on the real vLLM CPU engine.

The real ``celeba`` task (40 yes/no questions per image, the image before the question) on
facebench's CelebA fixture goes through ``VLLMAdapter.generate_each`` with the tiny random
Qwen2-VL: every ``LLM.chat`` call gets whole images, the questions after an image's first are
served the image's KV from the prefix cache, and greedy answers are the same with prefix caching
on and off. Skipped when vLLM is not installed, as test_vllm_adapter.py.

The CPU engine's default KV block (128 tokens) is longer than the shared prefix, and only whole
blocks are cached, so the engines here use 32-token blocks and faces resized to 224x224 pixels
(64 image tokens: every question of an image shares its first two blocks).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from itertools import groupby
from pathlib import Path

import pytest

pytest.importorskip("vllm")
pytest.importorskip("torch")
pytest.importorskip("transformers")
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

from facebench.adapters.vllm_local import VLLMAdapter
from facebench.fixtures import celeba as celeba_fixture
from facebench.tasks.registry import get_task

BLOCK = 32
SIDE = 224
IMAGES = 3


@pytest.fixture(scope="module")
def model_dir(tiny_qwen2vl, tmp_path_factory) -> Path:
    """The tiny Qwen2-VL with every image resized to 224x224 (64 image tokens)."""
    out = tmp_path_factory.mktemp("qwen_prefix") / "model"
    shutil.copytree(tiny_qwen2vl, out)
    f = out / "processor_config.json"
    cfg = json.loads(f.read_text())
    cfg["image_processor"]["size"] = {"shortest_edge": SIDE * SIDE, "longest_edge": SIDE * SIDE}
    f.write_text(json.dumps(cfg))
    return out


@pytest.fixture(scope="module")
def celeba(tmp_path_factory):
    root = tmp_path_factory.mktemp("CelebA")
    celeba_fixture.write(root, n_train=0, n_valid=0, n_test=IMAGES)
    task = get_task("celeba")
    return [r for r, _, _ in task.build_requests(task.load_samples(root))]


def make(model_dir: Path, **settings) -> VLLMAdapter:
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return VLLMAdapter(
        model=str(model_dir),
        dtype="float32",
        enforce_eager=True,
        max_model_len=1024,
        engine_kwargs={"block_size": BLOCK},
        **settings,
    )


class ChatLog:
    """Records what each ``LLM.chat`` call was given and what vLLM said about it."""

    def __init__(self, adapter: VLLMAdapter) -> None:
        self.llm = adapter._load()
        self.real = self.llm.chat
        self.calls: list[list] = []

    def __enter__(self):
        def chat(messages, *args, **kwargs):
            outputs = self.real(messages, *args, **kwargs)
            self.calls.append(outputs)
            return outputs

        self.llm.chat = chat
        self.llm.reset_prefix_cache()
        return self

    def __exit__(self, *exc) -> None:
        del self.llm.chat


def run(adapter: VLLMAdapter, requests) -> tuple[dict[str, str], ChatLog]:
    answers: dict[str, str] = {}
    with ChatLog(adapter) as log:
        adapter.generate_each(((r.key, r) for r in requests), answers.__setitem__)
    return answers, log


@pytest.fixture(scope="module")
def cached(model_dir):
    adapter = make(model_dir, batch_size=48)  # prefix caching: on by default
    yield adapter
    adapter.close()


def test_each_chat_call_gets_whole_images_and_reuses_their_prefix(cached, celeba):
    llm = cached._load()
    config = llm.llm_engine.vllm_config.cache_config
    assert config.enable_prefix_caching and config.block_size == BLOCK
    answers, log = run(cached, celeba)
    assert all(r.ok and r.text for r in answers.values()), [r.error for r in answers.values()][:3]
    # batch 48, 40 questions per image: 40 + 40 + 40, never 48 + 48 + 24
    assert [len(c) for c in log.calls] == [40] * IMAGES
    # the prompt order is the engine's: within a call, one image, every question of it
    sent = iter(celeba)
    for call in log.calls:
        requests = [next(sent) for _ in call]
        assert len({r.sample_id for r in requests}) == 1
        # the image comes first, so every prompt of the image starts with the same tokens
        prompts = [o.prompt_token_ids for o in call]
        shared = min(_common(prompts[0], p) for p in prompts[1:])
        assert shared >= 2 * BLOCK
        # each question after the first is served at least the shared whole blocks
        hits = [o.num_cached_tokens for o in call]
        assert all(h >= (shared // BLOCK) * BLOCK for h in hits[1:]), hits
    assert sum(o.num_cached_tokens for c in log.calls for o in c) >= (40 - 1) * IMAGES * 2 * BLOCK


def test_greedy_answers_are_the_same_with_prefix_caching_on_and_off(cached, model_dir, celeba):
    # a batch smaller than an image's 40 questions: the image straddles calls, the cache
    # carries its prefix from one call to the next
    cached.settings.batch_size = 16
    try:
        on, log_on = run(cached, celeba)
    finally:
        cached.settings.batch_size = 48
    sizes = [len(c) for c in log_on.calls]
    assert sizes == [16, 16, 8] * IMAGES
    assert sum(o.num_cached_tokens for c in log_on.calls for o in c) > 0

    off_adapter = make(model_dir, batch_size=48, enable_prefix_caching=False)
    try:
        assert not off_adapter._load().llm_engine.vllm_config.cache_config.enable_prefix_caching
        off, log_off = run(off_adapter, celeba)
    finally:
        off_adapter.close()
    assert all(o.num_cached_tokens == 0 for c in log_off.calls for o in c)
    assert all(r.ok for r in off.values())
    assert {k: (r.text, r.prompt_tokens, r.completion_tokens) for k, r in on.items()} == {
        k: (r.text, r.prompt_tokens, r.completion_tokens) for k, r in off.items()
    }
    # not a vacuous comparison: the answers differ between questions
    assert len(Counter(r.text for r in on.values())) > 1


def _common(a, b) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def test_requests_with_the_same_image_are_adjacent_in_celeba_order(celeba):
    runs = [(k, len(list(g))) for k, g in groupby(r.sample_id for r in celeba)]
    assert [n for _, n in runs] == [40] * IMAGES
