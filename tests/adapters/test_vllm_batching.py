"""How the ``vllm`` adapter cuts the request stream into ``LLM.chat`` batches (no engine).

Requests that show the same media arrive adjacent (a CelebA image's 40 questions, a DISFA
frame's AUs); :func:`media_batches` ends batches at the boundaries of such runs so an image's
questions share one call, splitting a run only when it is longer than a batch.
"""

from __future__ import annotations

import math
from itertools import groupby

from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.adapters.vllm_local import VLLMAdapter, media_batches, media_key
from facebench.fixtures import celeba as celeba_fixture
from facebench.tasks.registry import get_task
from facebench.types import Response
from tests.adapters.conftest import make_request


def stream(runs: list[int]) -> list[tuple[int, object]]:
    """(index, request) pairs: run i is ``runs[i]`` questions about image i (0: a text-only one)."""
    out = []
    for image, n in enumerate(runs):
        if n == 0:
            out.append((len(out), make_request(f"text{image}", None)))
        for q in range(n):
            out.append((len(out), make_request(f"s{image}/q{q}", f"/data/face{image}.jpg")))
    return out


def shape(batches) -> list[list[str]]:
    return [[r.sample_id for _, r in b] for b in batches]


def test_batches_end_at_image_boundaries():
    # 40 questions per image, batch 64: 40 + 40 never becomes 64 + 16
    assert [len(b) for b in media_batches(stream([40, 40, 40]), 64)] == [40, 40, 40]
    # small runs share a batch while they fit
    assert shape(media_batches(stream([3, 3, 3, 2]), 8)) == [
        ["s0"] * 3 + ["s1"] * 3,
        ["s2"] * 3 + ["s3"] * 2,
    ]
    # a run longer than a batch fills whole batches; its rest starts the next one
    assert [len(b) for b in media_batches(stream([2, 20, 3]), 8)] == [2, 8, 8, 7]
    # text-only requests share nothing: plain fixed-size batches
    assert [len(b) for b in media_batches(stream([0] * 10), 4)] == [4, 4, 2]
    assert list(media_batches([], 4)) == []


def test_media_key_is_every_media_reference_in_order():
    a = make_request("a", "/x.jpg#crop=face")
    assert media_key(a) == ("/x.jpg#crop=face",)
    assert media_key(make_request("b", "/x.jpg")) != media_key(a)  # other pixels
    assert media_key(make_request("c", None)) is None


@settings(max_examples=200, deadline=None)
@given(runs=st.lists(st.integers(0, 12), max_size=12), size=st.integers(1, 10))
def test_batching_keeps_order_and_splits_only_runs_longer_than_a_batch(runs, size):
    pairs = stream(runs)
    batches = list(media_batches(iter(pairs), size))
    assert [p for b in batches for p in b] == pairs  # nothing lost, reordered or repeated
    assert all(0 < len(b) <= size for b in batches)
    where = {i: n for n, b in enumerate(batches) for i, _ in b}
    for _, run in groupby(pairs, key=lambda p: p[1].sample_id):
        run = list(run)
        spanned = {where[i] for i, _ in run}
        assert len(spanned) == math.ceil(len(run) / size)


def test_batches_are_yielded_without_reading_ahead():
    """The engine's stream checks media as it is pulled: a batch leaves as soon as the next run
    is seen not to fit, holding at most ``size + 1`` requests."""
    pairs = stream([3, 3, 3])
    pulled = []

    def source():
        for p in pairs:
            pulled.append(p)
            yield p

    batches = media_batches(source(), 4)
    first = next(batches)
    assert len(first) == 3 and len(pulled) == 5  # 3 + 2 of the next run: it cannot fit
    assert [len(b) for b in batches] == [3, 3]


def test_generate_each_hands_celeba_images_whole_to_generate(tmp_path):
    """The real ``celeba`` task's order (an image's 40 questions adjacent) through
    ``VLLMAdapter.generate_each``: each ``generate`` call gets whole images."""
    celeba_fixture.write(tmp_path, n_train=0, n_valid=0, n_test=3)
    task = get_task("celeba")
    requests = [r for r, _, _ in task.build_requests(task.load_samples(tmp_path))]
    assert len(requests) == 120
    # the engine already sends an image's questions adjacent, the image before the question
    assert [k for k, _ in groupby(r.sample_id for r in requests)] == ["000001", "000002", "000003"]
    assert all(r.messages[-1].content[0].type == "image" for r in requests)
    assert all(r.messages[-1].content[-1].type == "text" for r in requests)

    adapter = VLLMAdapter(model="unused", batch_size=64)
    calls: list[list[str]] = []

    def generate(batch):
        calls.append([r.sample_id for r in batch])
        return [Response(text=r.key) for r in batch]

    adapter.generate = generate  # no engine: only the batching is under test
    emitted: list[tuple[str, str]] = []
    adapter.generate_each(
        ((r.key, r) for r in requests), lambda k, resp: emitted.append((k, resp.text))
    )
    assert [sorted(set(c)) for c in calls] == [["000001"], ["000002"], ["000003"]]
    assert emitted == [(r.key, r.key) for r in requests]


def test_prefix_caching_is_on_by_default_and_outside_the_fingerprint():
    on = VLLMAdapter(model="m")
    off = VLLMAdapter(model="m", enable_prefix_caching=False)
    assert on.settings.enable_prefix_caching is True
    # throughput only: turning it off (or a card written before it existed) keeps the cache
    assert on.fingerprint() == off.fingerprint()
    assert "enable_prefix_caching" not in on.fingerprint_settings()
    assert on.fingerprint() != VLLMAdapter(model="m", max_new_tokens=4).fingerprint()
