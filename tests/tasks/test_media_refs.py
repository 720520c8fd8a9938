"""Media references (``video#frame=N``, ``video#start=S&end=E``, ``#crop=face``): grammar,
decoding against a plain sequential decode, segment sampling, checks and the frame cache."""

from __future__ import annotations

import av
import numpy as np
import pytest

from facebench import media
from facebench.media import MediaError
from facebench.fixtures.videos import save_video
from facebench.media import frames as F
from facebench.media.refs import MediaRef, RefError, frame_ref, parse_ref, segment_ref, with_crop


def _all_frames(path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [np.asarray(f.to_image().convert("RGB")) for f in c.decode(c.streams.video[0])]


@pytest.fixture(params=[".avi", ".mp4", ".flv"])
def video(request, tmp_path):
    return save_video(tmp_path / f"clip{request.param}", 40, variant=2, seed=1)


def test_reference_grammar_round_trips_and_keeps_plain_paths():
    assert parse_ref("/d/a.avi") == MediaRef("/d/a.avi")
    assert parse_ref(frame_ref("/d/a.avi", 12)) == MediaRef("/d/a.avi", frame=12)
    assert segment_ref("/d/v.mp4", 3, 6) == "/d/v.mp4#start=3&end=6"
    assert parse_ref("/d/v.mp4#start=1.5&end=3") == MediaRef("/d/v.mp4", start=1.5, end=3.0)
    assert with_crop("/d/x.jpg") == "/d/x.jpg#crop=face"
    assert parse_ref(with_crop(frame_ref("/d/a.avi", 3))) == MediaRef("/d/a.avi", frame=3, crop="face")
    assert with_crop("/d/x.jpg#crop=face", None) == "/d/x.jpg"
    # a '#' that does not start a fragment is part of the file name
    assert parse_ref("/d/take#2.mp4").path == "/d/take#2.mp4"
    assert parse_ref("/d/a#b=1.jpg").is_plain
    assert not media.is_ref("/d/x.jpg") and media.is_ref("/d/a.avi#frame=0")


@pytest.mark.parametrize(
    "bad", ["/a.mp4#frame=-1", "/a.mp4#start=3&end=2", "/a.mp4#start=1", "/a.mp4#frame=1&start=0&end=1",
            "/a.mp4#crop=body", "/a.mp4#frame=x"],
)
def test_malformed_fragments_are_errors(bad):
    with pytest.raises(RefError):
        parse_ref(bad)


def test_every_frame_by_seeking_equals_the_sequential_decode(video):
    expected = _all_frames(video)
    assert F.probe(video).n_frames == 40
    for i in range(40):
        F._frame_cache.clear()
        got = media.load_image(frame_ref(str(video), i))
        assert np.array_equal(np.asarray(got), expected[i]), f"frame {i} of {video.name}"
    # several at once, unordered, with repeats
    F._frame_cache.clear()
    got = F.decode_frames(video, [33, 2, 17, 2])
    assert [np.array_equal(np.asarray(g), expected[i]) for g, i in zip(got, [33, 2, 17, 2])] == [True] * 4


def test_segment_sampling_is_linspace_inside_the_segment(tmp_path):
    video = save_video(tmp_path / "v.mp4", 28, variant=1, seed=0, fps=4)  # 7 s
    info = F.probe(video)
    assert info.duration == pytest.approx(7.0)
    # [3, 6) s at 4 fps = frames 12..23; 8 of 12 by linspace(0, 11, 8) rounded
    assert F.segment_indices(info, 3, 6, 8) == [12 + i for i in (0, 2, 3, 5, 6, 8, 9, 11)]
    assert F.segment_indices(info, 6, 7, 8) == [24, 25, 26, 27]  # fewer frames than asked: each once
    expected = _all_frames(video)
    got = media.sample_frames(segment_ref(str(video), 3, 6), 8)
    assert [np.array_equal(np.asarray(g), expected[i]) for g, i in
            zip(got, F.segment_indices(info, 3, 6, 8))] == [True] * 8
    with pytest.raises(MediaError, match="past the end"):
        media.sample_frames(segment_ref(str(video), 7.5, 9), 8)


def test_chunk_spans_keep_long_tails_and_drop_short_ones():
    assert F.chunk_spans(7.0, 3, 1) == [(0, 3), (3, 6), (6, 7.0)]
    assert F.chunk_spans(6.0, 3, 1) == [(0, 3), (3, 6)]
    assert F.chunk_spans(3.25, 3, 1) == [(0, 3)]
    assert F.chunk_spans(2.0, 3, 1) == [(0, 2.0)]  # shorter than a chunk: one span
    assert F.chunk_spans(0.0, 3, 1) == []


def test_plain_paths_go_to_the_shared_sampler(tmp_path):
    video = save_video(tmp_path / "v.mp4", 16, variant=1, seed=0)
    expected = _all_frames(video)
    got = media.sample_frames(str(video), 4)  # linspace(0, 15, 4) -> 0, 5, 10, 15
    assert [np.array_equal(np.asarray(g), expected[i]) for g, i in zip(got, (0, 5, 10, 15))] == [True] * 4


def test_check_media_names_the_file_and_the_fault(tmp_path):
    video = save_video(tmp_path / "v.avi", 10, variant=0, seed=0)
    assert media.check_media(frame_ref(str(video), 9), "image") is None
    assert media.check_media(segment_ref(str(video), 0, 1), "video") is None
    assert "frame 10 is past the end" in media.check_media(frame_ref(str(video), 10), "image")
    assert "missing video" in media.check_media(frame_ref(str(tmp_path / "gone.avi"), 0), "image")
    assert str(tmp_path / "gone.avi") in media.check_media(frame_ref(str(tmp_path / "gone.avi"), 0), "image")
    assert "cannot be shown as an image" in media.check_media(segment_ref(str(video), 0, 1), "image")
    assert "past the end" in media.check_media(segment_ref(str(video), 5, 6), "video")
    (tmp_path / "bad.avi").write_bytes(b"RIFF not really")
    assert "corrupt video" in media.check_media(frame_ref(str(tmp_path / "bad.avi"), 0), "image")


def test_materialized_frames_are_cached_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEBENCH_CACHE", str(tmp_path / "cache"))
    video = save_video(tmp_path / "v.avi", 12, variant=0, seed=0)
    path = media.materialize_image(frame_ref(str(video), 5))
    assert path.is_file() and path.parent == tmp_path / "cache" / "frames"
    assert np.array_equal(np.asarray(media.load_image(str(path))), _all_frames(video)[5])
    # the same content under another name hits the same cache entry
    copy = tmp_path / "elsewhere.avi"
    copy.write_bytes(video.read_bytes())
    assert media.materialize_image(frame_ref(str(copy), 5)) == path
    assert media.materialize_image(str(video)) == video  # plain paths are not copied
