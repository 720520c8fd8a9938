"""The media prefetcher: same requests, same order, same frames, same errors; decoded in
worker threads ahead of the adapter, a bounded number of requests ahead."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facebench import media
from facebench.adapters.base import Adapter
from facebench.media import MediaError, prefetch
from facebench.media.prefetch import MediaPrefetcher
from facebench.types import GenerationSettings, Message, Part, Request, Response
from tests.media.videos import make, same, sequential


def _request(key: str, *parts: Part, num_frames: int = 8) -> Request:
    return Request(
        task="t", sample_id=key, key=key,
        messages=(Message("user", (*parts, Part.text("?"))),),
        generation=GenerationSettings(num_frames=num_frames),
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("prefetch")
    out = {f"clip{i}": make("x264_gop8", root / f"c{i}", n=40 + i) for i in range(4)}
    out["avi"] = make("mpeg4_avi", root)
    for i in range(3):
        out[f"img{i}"] = root / f"face{i}.png"
        Image.fromarray(np.full((20, 24, 3), 40 * i, dtype=np.uint8)).save(out[f"img{i}"])
    out["broken"] = root / "broken.mp4"
    out["broken"].write_bytes(b"not a video")
    folder = root / "frames"
    folder.mkdir()
    for i in range(10):
        Image.fromarray(np.full((16, 16, 3), 20 * i, dtype=np.uint8)).save(folder / f"{i:03d}.png")
    out["folder"] = folder
    return out


class Recorder(Adapter):
    """A batched adapter that decodes its requests' media the way hf/vllm do, in generate."""

    name = "recorder"
    prefetching = True

    def __init__(self, **kw):
        super().__init__(**kw)
        self.seen: list[tuple[str, list[bytes]]] = []
        self.threads: set[str] = set()

    def generate_each(self, requests, emit):
        if not self.prefetching:
            return super().generate_each(requests, emit)
        with MediaPrefetcher(workers=2, ahead=self.settings.batch_size) as pool:
            self.pool = pool
            super().generate_each(pool.stream(requests), pool.emitter(emit))

    def generate(self, requests):
        out = []
        for r in requests:
            try:
                pixels = []
                for part in (p for m in r.messages for p in m.content if p.type != "text"):
                    if part.type == "image":
                        pixels.append(media.load_image(part.value).tobytes())
                    else:
                        pixels += [f.tobytes() for f in media.sample_frames(part.value, r.generation.num_frames)]
                self.seen.append((r.key, pixels))
                out.append(Response(text=r.key))
            except Exception as exc:  # noqa: BLE001 - as the real adapters do
                out.append(Response(error=f"{r.key}: {type(exc).__name__}: {exc}"))
        return out


def _stream(files):
    reqs = [
        _request("v0", Part.video(str(files["clip0"]))),
        _request("i0", Part.image(str(files["img0"]))),
        _request("bad", Part.video(str(files["broken"]))),
        _request("v1", Part.video(str(files["clip1"])), num_frames=4),
        _request("f", Part.video(str(files["folder"])), num_frames=5),
        _request("both", Part.image(str(files["img1"])), Part.video(str(files["avi"]))),
        _request("short", Part.video(str(files["clip2"])), num_frames=500),  # fewer frames than asked
        _request("text"),
        _request("v3", Part.video(str(files["clip3"]))),
    ]
    return [(f"key-{r.key}", r) for r in reqs]


def _run(adapter, pairs):
    got: list[tuple[str, Response]] = []
    adapter.generate_each(pairs, lambda key, resp: got.append((key, resp)))
    return got


def test_prefetched_answers_frames_and_errors_equal_serial_decoding(files):
    pairs = _stream(files)
    serial = Recorder(batch_size=3)
    serial.prefetching = False
    fetched = Recorder(batch_size=3)
    expected, got = _run(serial, pairs), _run(fetched, pairs)
    assert [k for k, _ in got] == [k for k, _ in pairs]  # every request, in order
    assert [(k, r.text, r.error) for k, r in got] == [(k, r.text, r.error) for k, r in expected]
    assert fetched.seen == serial.seen  # byte-identical pixels
    errors = {k: r.error for k, r in got if r.error}
    assert set(errors) == {"key-bad", "key-short"}
    assert "broken.mp4" in errors["key-bad"] and "MediaError" in errors["key-bad"]
    assert "fewer than the 500 asked for" in errors["key-short"]
    stats = fetched.pool.stats
    assert stats.requests == 9 and stats.decodes == 9 and stats.failed == 2
    assert stats.frames == 8 + 1 + 4 + 5 + 1 + 8 + 8
    assert not fetched.pool._entries and not fetched.pool._slots  # nothing left behind


def test_the_sampled_frames_are_the_sequential_ones(files):
    expected = sequential(files["clip1"])
    adapter = Recorder(batch_size=2)
    _run(adapter, [("k", _request("v", Part.video(str(files["clip1"]))))])
    ((_, pixels),) = adapter.seen
    indices = media.frame_indices(41, 8)
    assert pixels == [expected[i].tobytes() for i in indices]


def test_decoding_runs_in_the_workers_ahead_of_the_adapter(files, monkeypatch):
    threads: list[str] = []
    real = media._sample_frames

    def spy(value, k):
        threads.append(threading.current_thread().name)
        return real(value, k)

    monkeypatch.setattr(media, "_sample_frames", spy)
    pulled: list[int] = []
    consumed: list[int] = []

    def source():
        for i in range(12):
            pulled.append(i)
            yield i, _request(str(i), Part.video(str(files[f"clip{i % 4}"])))

    with MediaPrefetcher(workers=2, ahead=3) as pool:
        for i, request in pool.stream(source()):
            consumed.append(i)
            # never more than `ahead` requests queued, plus the one the feeder is pulling
            assert len(pulled) <= len(consumed) + 3 + 1
            frames = media.sample_frames(request.messages[0].content[0].value, 8)
            assert len(frames) == 8
    assert consumed == list(range(12))
    assert threads and all(t.startswith("facebench-media") for t in threads)


def test_requests_showing_the_same_media_share_one_decode(files, monkeypatch):
    calls: list[str] = []
    real = media._load_image
    monkeypatch.setattr(media, "_load_image", lambda v: (calls.append(v), real(v))[1])
    pairs = [(i, _request(str(i), Part.image(str(files["img2"])))) for i in range(40)]  # CelebA
    adapter = Recorder(batch_size=8)
    answers = _run(adapter, pairs)
    assert [k for k, _ in answers] == list(range(40)) and all(r.ok for _, r in answers)
    assert len(calls) < 10  # one decode per window of pending requests, not 40
    assert adapter.pool.stats.shared == 40 - adapter.pool.stats.decodes


def test_media_the_adapter_never_takes_are_dropped_when_answered(files):
    with MediaPrefetcher(workers=1, ahead=4) as pool:
        emit = pool.emitter(lambda key, resp: None)
        for key, _ in pool.stream([(i, _request(str(i), Part.image(str(files["img0"])))) for i in range(6)]):
            emit(key, Response(text="skipped"))  # answered without looking at the image
        assert not pool._entries and not pool._slots


def test_an_error_is_raised_where_the_adapter_decodes(files):
    request = _request("bad", Part.video(str(files["broken"])))
    with pytest.raises(MediaError) as direct:
        media.sample_frames(str(files["broken"]), 8)
    with MediaPrefetcher(workers=1) as pool:
        for _, r in pool.stream([(0, request)]):
            with pytest.raises(MediaError) as fetched:
                media.sample_frames(r.messages[0].content[0].value, 8)
    assert str(fetched.value) == str(direct.value)


def test_zero_workers_is_the_old_serial_path(files, monkeypatch):
    monkeypatch.setenv(prefetch.WORKERS_ENV, "0")
    pairs = [(0, _request("v", Part.video(str(files["clip0"]))))]
    with MediaPrefetcher() as pool:
        assert not pool.enabled and not prefetch.active()
        assert list(pool.stream(pairs)) == pairs
    monkeypatch.setenv(prefetch.WORKERS_ENV, "3")
    assert prefetch.default_workers() == 3 and MediaPrefetcher().workers == 3
    monkeypatch.delenv(prefetch.WORKERS_ENV)
    assert 1 <= prefetch.default_workers() <= 4


def test_an_interrupted_adapter_leaves_no_worker_behind(files):
    pairs = [(i, _request(str(i), Part.video(str(files[f"clip{i % 4}"])))) for i in range(8)]
    with pytest.raises(KeyboardInterrupt), MediaPrefetcher(workers=2, ahead=4) as pool:
        for i, _ in pool.stream(pairs):
            if i == 2:
                raise KeyboardInterrupt
    assert pool._pool is None and not prefetch.active()
    assert not any(t.name.startswith("facebench-media") for t in threading.enumerate())


def _watch_hf_prepare(monkeypatch) -> list[bool]:
    """Record, for each request the hf adapter prepares, whether a prefetcher was active."""
    from facebench.adapters import hf

    seen_active: list[bool] = []
    real = hf.HFAdapter._prepare

    def prepare(self, index, request):
        seen_active.append(prefetch.active())
        return real(self, index, request)

    monkeypatch.setattr(hf.HFAdapter, "_prepare", prepare)
    return seen_active


def test_the_hf_adapter_decodes_through_the_prefetcher(files, monkeypatch):
    """Wiring only (no model): HFAdapter.generate_each streams through a prefetcher."""
    from facebench.adapters import hf

    adapter = hf.HFAdapter(model="none", batch_size=2)
    monkeypatch.setattr(adapter, "_load", lambda: None)
    shown: list[int] = []

    def run_batch(batch, g):
        shown.extend(len(p.images) for p in batch)
        return [Response(text="ok") for _ in batch]

    monkeypatch.setattr(adapter, "_run_batch", run_batch)
    seen_active = _watch_hf_prepare(monkeypatch)
    pairs = [(i, _request(str(i), Part.video(str(files[f"clip{i}"])), num_frames=4)) for i in range(3)]
    pairs.append((3, _request("bad", Part.video(str(files["broken"])))))
    answers = _run(adapter, pairs)
    assert [k for k, _ in answers] == [0, 1, 2, 3]
    assert [r.ok for _, r in answers] == [True, True, True, False]
    assert "broken.mp4" in answers[3][1].error
    assert shown == [4, 4, 4] and seen_active and all(seen_active)


def test_the_vllm_adapter_decodes_through_the_prefetcher(files, monkeypatch):
    """Wiring only (no engine): VLLMAdapter.generate_each streams through a prefetcher."""
    from types import SimpleNamespace

    from facebench.adapters import vllm_local

    adapter = vllm_local.VLLMAdapter(model="none", batch_size=2, video_mode="frames")
    chats: list[int] = []
    active: list[bool] = []

    def chat(messages, sampling_params, use_tqdm):
        active.append(prefetch.active())
        chats.append(sum(1 for m in messages for msg in m for p in msg["content"] if p["type"] == "image_pil"))
        done = SimpleNamespace(text="ok", token_ids=[1])
        return [SimpleNamespace(outputs=[done], prompt_token_ids=[1, 2]) for _ in messages]

    monkeypatch.setattr(adapter, "_load", lambda: SimpleNamespace(chat=chat))
    monkeypatch.setattr(adapter, "_sampling", lambda g, llm=None: None)
    pairs = [(i, _request(str(i), Part.video(str(files[f"clip{i}"])), num_frames=3)) for i in range(3)]
    pairs.append((3, _request("bad", Part.video(str(files["broken"])))))
    answers = _run(adapter, pairs)
    assert [k for k, _ in answers] == [0, 1, 2, 3]
    assert [r.ok for _, r in answers] == [True, True, True, False]
    assert "broken.mp4" in answers[3][1].error
    assert sum(chats) == 9 and all(active)


def test_the_engine_callbacks_never_overlap_and_its_errors_surface_in_order(files):
    """The stream is pulled in a feeder thread: the engine's save (called while it yields, for
    error rows of its check) and the adapter's emit must still run one at a time."""
    busy = threading.Lock()
    overlaps: list[str] = []
    saved: list[str] = []

    def callback(name: str) -> None:
        if not busy.acquire(blocking=False):
            overlaps.append(name)
            return
        try:
            threading.Event().wait(0.002)
            saved.append(name)
        finally:
            busy.release()

    def sendable():
        for i in range(30):
            if i % 3 == 0:
                callback(f"row{i}")  # an error row of the preflight check
                continue
            yield i, _request(str(i), Part.image(str(files[f"img{i % 3}"])))
        raise RuntimeError("the engine broke")

    got: list[int] = []
    with pytest.raises(RuntimeError, match="the engine broke"), MediaPrefetcher(workers=2, ahead=4) as pool:
        emit = pool.emitter(lambda key, resp: callback(f"answer{key}"))
        for key, request in pool.stream(sendable()):
            media.load_image(request.messages[0].content[0].value)
            got.append(key)
            emit(key, Response(text="ok"))
    assert got == [i for i in range(30) if i % 3]  # every answer, in order, before the error
    assert not overlaps and len(saved) == 30


def test_the_check_in_the_feeder_keeps_a_one_gop_clip_for_the_sample(tmp_path, monkeypatch):
    from facebench.engine.preflight import check_request_media
    from tests.media.test_seek_decode import _count_decoded

    clip = make("single_gop", tmp_path)
    expected = sequential(clip)
    counts = _count_decoded(monkeypatch)
    request = _request("v", Part.video(str(clip)))

    def sendable():
        assert check_request_media(request, {}) is None
        yield 0, request

    with MediaPrefetcher(workers=1) as pool:
        for _, r in pool.stream(sendable()):
            got = media.sample_frames(r.messages[0].content[0].value, 8)
    assert counts["opens"] == 1  # the check's; the sample came from its decode
    assert same(got, [expected[i] for i in media.frame_indices(60, 8)]) == [True] * 8


def test_a_cards_media_workers_setting_sizes_the_pool_and_leaves_the_cache_key(files, monkeypatch):
    """``media_workers`` (card or --model-arg) is throughput only: 0 decodes in the adapter's
    own thread, and no value changes the adapter fingerprint (cached answers stay valid)."""
    from facebench.adapters import hf

    plain = hf.HFAdapter(model="none", batch_size=2)
    serial = hf.HFAdapter(model="none", batch_size=2, media_workers=0)
    assert serial.fingerprint() == plain.fingerprint() == hf.HFAdapter(model="none", media_workers=8).fingerprint()
    monkeypatch.setattr(serial, "_load", lambda: None)
    monkeypatch.setattr(serial, "_run_batch", lambda batch, g: [Response(text="ok") for _ in batch])
    seen_active = _watch_hf_prepare(monkeypatch)
    pairs = [(i, _request(str(i), Part.video(str(files[f"clip{i}"])), num_frames=2)) for i in range(2)]
    assert [r.ok for _, r in _run(serial, pairs)] == [True, True]
    assert seen_active == [False, False]
