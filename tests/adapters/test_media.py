"""Frame sampling and image encoding shared by every adapter (no heavy dependencies)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from facebench.media import MediaError, data_url, frame_indices, load_image, sample_frames


def test_frame_indices_uniform_and_inclusive():
    assert frame_indices(16, 8) == [0, 2, 4, 6, 9, 11, 13, 15]
    assert frame_indices(100, 2) == [0, 99]
    assert frame_indices(5, 8) == [0, 1, 2, 3, 4]  # never repeats frames
    assert frame_indices(7, 1) == [0]
    with pytest.raises(MediaError):
        frame_indices(0, 8)


def _levels(frames):
    return [round(np.asarray(f).mean() / 10) for f in frames]


@pytest.mark.parametrize("ext", ["mp4", "avi", "flv"])
def test_sample_frames_from_containers_picks_the_linspace_frames(media, ext):
    frames = sample_frames(media[ext], 8)
    assert len(frames) == 8
    assert all(f.mode == "RGB" and f.size == (64, 48) for f in frames)
    # frame i has grey level 10*i, so the sampled levels are the sampled indices
    assert _levels(frames) == frame_indices(16, 8)


def test_sample_frames_from_folder(media):
    frames = sample_frames(media["frames"], 4)
    levels = [round(np.asarray(f).mean() / 20) for f in frames]
    assert levels == frame_indices(12, 4) == [0, 4, 7, 11]


def test_unreadable_media_raise_media_error_naming_the_file(media, tmp_path):
    with pytest.raises(MediaError, match="broken.jpg"):
        load_image(media["broken"])
    with pytest.raises(MediaError, match="missing.mp4"):
        sample_frames(tmp_path / "missing.mp4", 8)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(MediaError, match="bad.mp4"):
        sample_frames(bad, 8)
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaError, match="no images"):
        sample_frames(tmp_path / "empty", 8)


def test_data_url_keeps_file_bytes_and_encodes_frames(media):
    url = data_url(media["img0"])  # a .jpg: sent byte for byte
    assert url.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == media["img0"].read_bytes()
    png = data_url(media["img1"])
    assert png.startswith("data:image/png;base64,")
    frame = Image.new("RGB", (8, 8), (200, 10, 10))
    decoded = Image.open(io.BytesIO(base64.b64decode(data_url(frame).split(",", 1)[1])))
    assert decoded.format == "JPEG" and decoded.size == (8, 8)
    with pytest.raises(MediaError, match="broken.jpg"):
        data_url(media["broken"])
