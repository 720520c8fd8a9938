"""Truncated media are errors that name the file, never an answer about half a picture or a
clip padded with repeats: the preflight check decodes images in full and proves a video's
last promised frame decodes; frame sampling refuses frames that do not decode; a whole clip
shorter than num_frames is refused; a short time segment shows each frame once, recorded.

Every file is real: JPEG/PNG written by PIL, mp4/avi/flv written by PyAV, then cut."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageFile

from facebench import media
from facebench.engine.preflight import check_request_media, short_segments
from facebench.fixtures import dfew, disfa, rafdb
from facebench.fixtures.images import face_image
from facebench.fixtures.videos import save_video, video_frames
from facebench.media import MediaError
from facebench.media import frames as F
from facebench.media.refs import frame_ref, segment_ref
from facebench.types import GenerationSettings, Message, Part, Request


def cut(path: Path, share: float = 0.5) -> Path:
    """Keep the first ``share`` of the file's bytes (an interrupted download or copy)."""
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * share)])
    return path


def faststart_mp4(path: Path, n_frames: int, fps: int = 8) -> Path:
    """An H.264 mp4 with its index (moov) first, as streaming-ready files are: cut short, it
    still opens and its header still promises every frame."""
    frames = video_frames(n_frames, variant=1, seed=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), mode="w", options={"movflags": "faststart"}) as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "crf": "30"})
        stream.width, stream.height = frames[0].size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.gop_size = 8
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def video_request(value: str, num_frames: int = 8) -> Request:
    return Request(
        task="t", sample_id="s", key="s", messages=(Message("user", (Part.video(value), Part.text("?"))),),
        generation=GenerationSettings(num_frames=num_frames),
    )


# --- images ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_corrupt_and_named(tmp_path, fmt):
    path = tmp_path / f"face.{fmt.lower()}"
    face_image(0, 0, 160).save(path, format=fmt)
    assert media.check_media(str(path), "image") is None
    cut(path)
    if fmt == "JPEG":  # the bug: verify() walks the markers only, so a cut JPEG passed
        with Image.open(path) as im:
            im.verify()
    problem = media.check_media(str(path), "image")
    assert problem.startswith(f"corrupt image: {path}") and "truncated" in problem
    with pytest.raises(MediaError, match=str(path)):
        media.data_url(path)  # the adapters' byte-for-byte path decodes too before sending
    with pytest.raises(MediaError, match=str(path)):
        media.load_image(path)


def test_the_check_stays_strict_when_a_library_made_pillow_lenient(tmp_path, monkeypatch):
    path = tmp_path / "face.jpg"
    face_image(1, 0, 160).save(path)
    cut(path)
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as some libraries do on import
    assert "corrupt image" in media.check_media(str(path), "image")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the user's setting is given back


# --- videos ----------------------------------------------------------------------------------

def test_a_cut_mp4_whose_index_is_lost_is_a_corrupt_video(tmp_path):
    path = cut(save_video(tmp_path / "clip.mp4", 64, variant=0, seed=0))  # PyAV writes moov last
    assert media.check_media(str(path), "video", 8).startswith(f"corrupt video: {path}")
    with pytest.raises(MediaError, match=str(path)):
        media.sample_frames(str(path), 8)


@pytest.mark.parametrize("share", [0.5, 0.9])
def test_a_cut_mp4_that_still_opens_is_refused_never_padded(tmp_path, share):
    path = cut(faststart_mp4(tmp_path / "clip.mp4", 64), share)
    assert F.probe(path).n_frames == 64  # the header still promises every frame
    problem = media.check_media(str(path), "video", 8)
    assert problem.startswith(f"video {path} is truncated or corrupt: its header promises 64 frames but only")
    assert media.check_media(frame_ref(str(path), 3), "image") == problem  # frame references too
    assert media.check_media(segment_ref(str(path), 0, 2), "video", 8) == problem
    with pytest.raises(MediaError, match=r"clip\.mp4 is truncated or corrupt: its header promises 64"):
        media.sample_frames(str(path), 8)
    with pytest.raises(MediaError, match=r"truncated or corrupt"):
        media.sample_frames(segment_ref(str(path), 6, 8), 8)


def test_sampling_refuses_undecodable_frames_instead_of_repeating_the_last(tmp_path):
    """Without the preflight check (an adapter used on its own), decoding itself refuses."""
    from facebench.media import files

    path = cut(save_video(tmp_path / "clip.avi", 64, variant=0, seed=0))
    with pytest.raises(MediaError, match=r"clip\.avi is truncated or corrupt: its header promises 64 frames but only \d+ decode"):
        files.sample_frames(path, 8)
    F._frame_cache.clear()
    with pytest.raises(MediaError, match=r"header promises 64 frames but frame 60 does not decode"):
        F.decode_frames(path, [60])
    assert len(F.decode_frames(path, [1])) == 1  # the frames that are there still decode
    assert "clip.avi is truncated" in media.check_media(frame_ref(str(path), 1), "image")


def test_a_cut_flv_falls_short_of_its_declared_duration(tmp_path):
    path = save_video(tmp_path / "clip.flv", 64, variant=0, seed=0)  # no frame count in flv
    assert media.check_media(str(path), "video", 8) is None
    cut(path)
    problem = media.check_media(str(path), "video", 8)
    assert problem.startswith(f"video {path} is truncated or corrupt: it declares 8.00 s but its")


def test_healthy_videos_pass_and_are_checked_once(tmp_path):
    for suffix in (".mp4", ".avi", ".flv"):
        path = save_video(tmp_path / f"clip{suffix}", 40, variant=2, seed=1)
        assert media.check_media(str(path), "video", 8) is None
        assert media.check_media(frame_ref(str(path), 39), "image") is None
    assert media.check_media(str(faststart_mp4(tmp_path / "fs.mp4", 40)), "video", 8) is None
    F._verify.cache_clear()
    seen: dict = {}
    video = tmp_path / "clip.avi"
    for i in range(10):  # DISFA: many questions about frames of one video
        request = Request(task="t", sample_id=str(i), key=str(i),
                          messages=(Message("user", (Part.image(frame_ref(str(video), i)),)),))
        assert check_request_media(request, seen) is None
    assert F._verify.cache_info().misses == 1


def test_a_whole_clip_shorter_than_num_frames_is_refused_with_the_counts(tmp_path):
    path = save_video(tmp_path / "clip.mp4", 5, variant=0, seed=0)
    assert media.check_media(str(path), "video", 5) is None
    expected = f"video {path} has 5 frame(s), fewer than the 8 asked for (num_frames=8)"
    assert media.check_media(str(path), "video", 8).startswith(expected)
    assert check_request_media(video_request(str(path), 8)).startswith(expected)
    with pytest.raises(MediaError, match=r"has 5 frame\(s\), fewer than the 8 asked for"):
        media.sample_frames(str(path), 8)
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, image in enumerate(video_frames(4, 0, 0)):
        image.save(folder / f"{i:03d}.jpg")
    assert "frame folder" in media.check_media(str(folder), "video", 8)
    cut(folder / "002.jpg")
    assert media.check_media(str(folder), "video", 4).startswith(f"corrupt image: {folder / '002.jpg'}")


def test_a_short_segment_shows_each_frame_once_and_says_so(tmp_path):
    """The documented exception: the last chunk of a low-frame-rate video (FF++ at 4 fps)."""
    path = save_video(tmp_path / "v.mp4", 28, variant=1, seed=0, fps=4)  # 7 s
    tail, full = segment_ref(str(path), 6, 7), segment_ref(str(path), 0, 3)
    assert media.check_media(tail, "video", 8) is None
    got = media.sample_frames(tail, 8)
    assert len(got) == 4 and len({im.tobytes() for im in got}) == 4  # 4 distinct frames, no padding
    assert media.shown_frames(tail, 8) == 4 and media.shown_frames(full, 8) == 8
    assert short_segments(video_request(tail)) == {tail: 4}
    assert short_segments(video_request(full)) == {}


def test_timestamp_gaps_fall_back_to_counting_not_to_a_neighbour(tmp_path):
    """A wanted frame stepped over by timestamps is decoded by counting, never substituted."""
    path = save_video(tmp_path / "v.avi", 24, variant=0, seed=0)
    with av.open(str(path)) as c:
        expected = [np.asarray(f.to_image().convert("RGB")) for f in c.decode(c.streams.video[0])]
    info = F.probe(path)
    skewed = F.VideoInfo(n_frames=info.n_frames, fps=info.fps * 2, t0=info.t0, timed=True)
    out = F._decode(str(path), skewed, [5])  # at twice the fps every odd index is "missing"
    assert list(out) == [5] and np.array_equal(np.asarray(out[5]), expected[5])


# --- end to end: error rows before the model ------------------------------------------------

def _run(data: Path, out: Path, tasks: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "facebench.cli", "run", "--model", "random", "--tasks", tasks,
         "--data-root", str(data), "--output", str(out)],
        capture_output=True, text=True, timeout=300,
    )


def _errors(out: Path, task: str) -> dict[str, str]:
    rows = []
    for file in out.rglob("responses.jsonl"):
        if file.parent.name == task:
            rows += [json.loads(line) for line in file.read_text().splitlines() if line.strip()]
    assert rows, f"no responses for {task} under {out}"
    return {r["id"]: r["error"] for r in rows if r.get("error")}


def test_truncated_files_become_error_rows_naming_them(tmp_path):
    data, out = tmp_path / "data", tmp_path / "results"
    rafdb.write(data / "RAF-DB", seed=0)
    jpeg = cut(data / "RAF-DB/basic/Image/aligned/test_0003_aligned.jpg")
    dfew.write(data / "DFEW", seed=0)
    clip = cut(faststart_mp4(data / "DFEW/Clip/clip_224x224/00002.mp4", 16), 0.6)
    disfa.write(data / "DISFA", seed=0, n_frames=24)
    avi = cut(data / "DISFA/Videos_LeftCamera/LeftVideoSN006_comp.avi")
    result = _run(data, out, "rafdb,dfew,disfa")
    # the run goes on past the broken files and exits 1 because some samples are error rows
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr

    rafdb_errors = _errors(out, "rafdb")
    assert list(rafdb_errors) == ["test_0003"]
    assert rafdb_errors["test_0003"].startswith(f"corrupt image: {jpeg}")

    dfew_errors = _errors(out, "dfew")
    assert list(dfew_errors) == ["00002"]
    assert dfew_errors["00002"].startswith(f"video {clip} is truncated or corrupt: its header promises 16 frames")

    disfa_errors = _errors(out, "disfa")
    assert {k.split("_")[0] for k in disfa_errors} == {"SN006"} and len(disfa_errors) == 24 * 8
    assert all(e.startswith(f"video {avi} is truncated or corrupt") for e in disfa_errors.values())
