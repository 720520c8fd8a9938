"""Whole clips are sampled by seeking, and give exactly the frames of a sequential decode.

Every video is real (written by PyAV), with the structures that trip seeking up: keyframes every
few frames, B-frames, open GOPs, a variable frame rate, no timestamps at all, an avi whose
header miscounts its frames, truncated files. For each, the frames sampled (any ``num_frames``,
both index rules) are compared pixel for pixel with a plain decode from the start."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from facebench import media
from facebench.media import MediaError, files
from facebench.media import frames as F
from facebench.media.prefetch import MediaPrefetcher
from tests.media.videos import KINDS, make, same, sequential, with_header_count, write

SEEKABLE = [k for k in KINDS if k not in ("raw",)]


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("videos")
    return {kind: make(kind, root) for kind in KINDS}


def _keyframes(path: Path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for p in c.demux(c.streams.video[0]) if p.size and p.is_keyframe)


def test_the_fixtures_have_the_structure_they_claim(videos):
    assert _keyframes(videos["x264_gop8"]) >= 7 and _keyframes(videos["single_gop"]) == 1
    with av.open(str(videos["x264_bframes"])) as c:
        packets = [p for p in c.demux(c.streams.video[0]) if p.size]
    assert any(p.pts != p.dts for p in packets)  # B-frames: decoding order is not display order
    with av.open(str(videos["raw"])) as c:
        assert all(p.pts is None for p in c.demux(c.streams.video[0]) if p.size)
    assert all(F.probe(v).n_frames == 60 for v in videos.values())


@pytest.mark.parametrize("kind", list(KINDS))
def test_sampled_frames_equal_the_sequential_decode(videos, kind):
    path = videos[kind]
    expected = sequential(path)
    assert len(expected) == 60
    for k in (1, 2, 3, 8, 16, 59, 60):
        for rule in ("round", "floor"):
            indices = files.frame_indices(60, k, rule)
            got = media.sample_frames(str(path), k) if rule == "round" else files.sample_frames(path, k, rule)
            assert same(got, [expected[i] for i in indices]) == [True] * len(indices), (kind, k, rule)


@pytest.mark.parametrize("kind", SEEKABLE)
def test_the_seek_path_is_exact_for_any_set_of_frames(videos, kind):
    """The seeking decoder itself (not its sequential fallback) on random sparse index sets."""
    path = videos[kind]
    expected = sequential(path)
    rng = np.random.default_rng(7)
    for _ in range(25):
        wanted = sorted(set(rng.integers(0, 60, int(rng.integers(1, 12))).tolist()))
        out = F._decode_seeking(path, F._file_key(path), wanted, 60)
        assert out is not None, f"{kind}: seeking gave up on {wanted}"
        assert sorted(out) == wanted
        assert all(np.array_equal(np.asarray(out[i]), expected[i]) for i in wanted), (kind, wanted)


def test_seeking_skips_most_of_a_clip_with_frequent_keyframes(videos, monkeypatch):
    decoded = _count_decoded(monkeypatch)
    media.sample_frames(str(videos["x264_gop8"]), 4)  # frames 0, 20, 39, 59 of 60
    assert decoded["frames"] < 30  # a sequential decode returns all 60


def test_no_timestamps_falls_back_to_counting(videos):
    path = videos["raw"]
    assert F._decode_seeking(path, F._file_key(path), [5, 30], 60) is None
    expected = sequential(path)
    assert same(media.sample_frames(str(path), 8), [expected[i] for i in files.frame_indices(60, 8)])


def test_a_header_that_undercounts_is_sampled_as_before(videos, tmp_path):
    """strh says 50 frames, 60 decode: linspace over the header's 50, as the sequential path did."""
    path = with_header_count(videos["mpeg4_avi"], tmp_path / "short_header.avi", 50)
    assert F.probe(path).n_frames == 50
    assert media.check_media(str(path), "video", 8) is None
    assert F._decode_seeking(path, F._file_key(path), [0, 49], 50) is None  # 60 packets: no mapping
    expected = sequential(path)
    assert len(expected) == 60
    got = media.sample_frames(str(path), 8)
    assert same(got, [expected[i] for i in files.frame_indices(50, 8)]) == [True] * 8


def test_a_header_that_overcounts_is_refused_with_the_counts(videos, tmp_path):
    path = with_header_count(videos["mpeg4_avi"], tmp_path / "long_header.avi", 70)
    problem = media.check_media(str(path), "video", 8)
    assert problem == f"video {path} is truncated or corrupt: its header promises 70 frames but only 60 decode"
    with pytest.raises(MediaError, match="header promises 70 frames but only 60 decode"):
        files.sample_frames(path, 8)


@pytest.mark.parametrize("kind", ["x264_gop8", "mpeg4_avi"])
def test_a_truncated_clip_is_still_refused_never_padded(videos, tmp_path, kind):
    if kind == "x264_gop8":  # an mp4 that still opens when cut: its index comes first
        path = write(tmp_path / "cut.mp4", faststart=True, **KINDS[kind])  # type: ignore[arg-type]
    else:
        path = tmp_path / "cut.avi"
        path.write_bytes(videos[kind].read_bytes())
    assert F.probe(path).n_frames == 60
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * 0.6)])
    with pytest.raises(MediaError, match=r"truncated or corrupt: its header promises 60 frames"):
        files.sample_frames(path, 8)
    assert "truncated or corrupt" in media.check_media(str(path), "video", 8)


def test_sequential_decoding_can_be_forced(videos, monkeypatch):
    monkeypatch.setenv(F.SEEK_ENV, "0")

    def refuse(*args, **kwargs):
        raise AssertionError("seeking was used")

    monkeypatch.setattr(F, "_decode_seeking", refuse)
    expected = sequential(videos["x264_gop8"])
    got = media.sample_frames(str(videos["x264_gop8"]), 8)
    assert same(got, [expected[i] for i in files.frame_indices(60, 8)]) == [True] * 8


def test_frame_folders_sample_the_same_files(tmp_path):
    from tests.media.videos import moving_frames

    folder = tmp_path / "frames"
    folder.mkdir()
    for i, image in enumerate(moving_frames(30)):
        image.save(folder / f"{i:04d}.png")
    got = media.sample_frames(str(folder), 8)
    expected = [np.asarray(files.load_image(folder / f"{i:04d}.png")) for i in files.frame_indices(30, 8)]
    assert same(got, expected) == [True] * 8


# -- opens and decodes per clip --------------------------------------------------------------


def _count_decoded(monkeypatch) -> dict[str, int]:
    """Count av.open calls and frames decoded (by container.decode) from here on."""
    counts = {"opens": 0, "frames": 0}
    real_open = av.open

    class Counting:
        def __init__(self, container):
            self._c = container

        def __getattr__(self, name):
            return getattr(self._c, name)

        def __enter__(self):
            self._c.__enter__()
            return self

        def __exit__(self, *exc):
            return self._c.__exit__(*exc)

        def decode(self, *args, **kwargs):
            for frame in self._c.decode(*args, **kwargs):
                counts["frames"] += 1
                yield frame

    def counting_open(*args, **kwargs):
        counts["opens"] += 1
        return Counting(real_open(*args, **kwargs))

    monkeypatch.setattr(av, "open", counting_open)
    return counts


def test_a_clip_is_opened_once_by_the_check_and_once_by_the_sample(tmp_path, monkeypatch):
    path = make("x264_gop8", tmp_path)
    counts = _count_decoded(monkeypatch)
    assert media.check_media(str(path), "video", 8) is None
    assert media.shown_frames(str(path), 8) == 8
    assert counts["opens"] == 1  # header, first frame and last GOP in one open
    media.sample_frames(str(path), 8)
    assert counts["opens"] == 2
    media.check_media(str(path), "video", 8)  # memoised
    assert counts["opens"] == 2


def test_a_one_gop_clip_is_decoded_once_when_prefetching(tmp_path, monkeypatch):
    """Its check decodes every frame anyway (the last keyframe is the first frame): the frames a
    sample shows are kept from that decode, so sampling opens nothing."""
    path = make("single_gop", tmp_path)
    expected = sequential(path)
    counts = _count_decoded(monkeypatch)
    with MediaPrefetcher(workers=1):
        assert media.check_media(str(path), "video", 8) is None
        assert counts == {"opens": 1, "frames": 61}  # the first frame, then all 60 after the seek
        got = media.sample_frames(str(path), 8)
    assert counts["opens"] == 1
    assert same(got, [expected[i] for i in files.frame_indices(60, 8)]) == [True] * 8
    assert not F._stash  # taken, not kept


def test_outside_a_prefetcher_the_check_keeps_no_frames(tmp_path):
    path = make("single_gop", tmp_path)
    assert media.check_media(str(path), "video", 8) is None
    assert not any(key[0][0] == str(path.resolve()) for key in F._stash)


def test_face_llava_frames_open_a_checked_clip_once_more(tmp_path, monkeypatch):
    """Face-LLaVA's own frame loader (official ``linspace`` indices) counts frames from the
    check's examination and decodes once: two opens in all, like ``sample_frames``, and the
    frames of a sequential decode."""
    from facebench.face_llava.processing import load_video_frames, official_frame_indices

    path = make("x264_gop8", tmp_path)
    expected = sequential(path)
    counts = _count_decoded(monkeypatch)
    assert media.check_media(str(path), "video", 8) is None
    got = load_video_frames(path, 8)
    assert counts["opens"] == 2
    wanted = [np.asarray(expected[i]) for i in official_frame_indices(len(expected), 8)]
    assert [np.array_equal(a, b) for a, b in zip(got, wanted)] == [True] * 8
