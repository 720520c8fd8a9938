"""Face cropping: square geometry, resize to 256, the on-disk box cache, frames without a face,
the ``#crop=face`` reference, and (when mediapipe is installed) a real detection."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from PIL import Image

from facebench import media
from facebench.media import face_crop as FC


class StubDetector:
    """Returns fixed boxes; counts calls so cache hits are visible."""

    name = "stub-v1"

    def __init__(self, boxes):
        self.boxes = boxes
        self.calls = 0

    def detect(self, image):
        self.calls += 1
        return self.boxes(image) if callable(self.boxes) else self.boxes


def _picture(w=200, h=120, seed=0):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8))


def test_square_around_the_largest_face_shifted_inside_and_resized(tmp_path):
    det = StubDetector([((10, 10, 30, 30), 0.9), ((100, 40, 140, 90), 0.6)])
    cropper = FC.FaceCropper(det, cache=tmp_path)
    img = _picture()
    # largest box 40x50 -> side 1.4*50 = 70 centred on (120, 65) -> (85, 30, 155, 100)
    assert cropper.square(img, cropper.box(img)) == (85, 30, 155, 100)
    out = cropper.crop(img)
    assert out.size == (256, 256)
    expected = img.crop((85, 30, 155, 100)).resize((256, 256), Image.Resampling.BICUBIC)
    assert np.array_equal(np.asarray(out), np.asarray(expected))
    # near the border: shifted inside rather than padded
    assert cropper.square(img, (180, 90, 200, 120)) == (158, 78, 200, 120)
    # no face: the centre square
    assert cropper.square(img, None) == (40, 0, 160, 120)


def test_boxes_are_cached_on_disk_by_pixels_and_detector(tmp_path):
    det = StubDetector([((50, 20, 110, 100), 0.9)])
    img = _picture(seed=3)
    first = FC.FaceCropper(det, cache=tmp_path).crop(img)
    again = FC.FaceCropper(det, cache=tmp_path).crop(img.copy())  # a new cropper, same pixels
    assert det.calls == 1 and np.array_equal(np.asarray(first), np.asarray(again))
    FC.FaceCropper(det, cache=tmp_path).crop(_picture(seed=4))  # other pixels: detected anew
    assert det.calls == 2
    det.name = "stub-v2"  # another detector: its own cache entries
    FC.FaceCropper(det, cache=tmp_path).crop(img)
    assert det.calls == 3
    assert len(list(tmp_path.rglob("*.json"))) == 3


def test_video_frames_without_a_face_borrow_the_nearest_box(tmp_path):
    frames = [_picture(seed=i) for i in range(4)]
    found = {id(frames[1]): [((20, 20, 60, 60), 0.9)], id(frames[3]): [((120, 50, 160, 90), 0.9)]}
    det = StubDetector(lambda im: found.get(id(im), []))
    cropper = FC.FaceCropper(det)
    squares = []
    cropper._cut = lambda image, box: squares.append(cropper.square(image, box)) or image
    cropper.crop_frames(frames)
    b1, b3 = cropper.square(frames[1], (20, 20, 60, 60)), cropper.square(frames[3], (120, 50, 160, 90))
    assert squares == [b1, b1, b1, b3]  # frame 2 is equally near 1 and 3: the earlier wins


def test_crop_reference_uses_the_default_cropper(tmp_path):
    path = tmp_path / "x.png"
    _picture(seed=9).save(path)
    det = StubDetector([((50, 20, 110, 100), 0.9)])
    FC.set_default_cropper(FC.FaceCropper(det, size=64))
    try:
        out = media.load_image(media.with_crop(str(path)))
        assert out.size == (64, 64) and det.calls == 1
        assert media.check_media(media.with_crop(str(path)), "image") is None
    finally:
        FC.set_default_cropper(None)


def test_missing_detector_package_is_a_clear_message(monkeypatch):
    monkeypatch.setenv(FC.DETECTOR_ENV, "no_such_module:Detector")
    FC.set_default_cropper(None)
    with pytest.raises(FC.FaceCropError, match="no_such_module"):
        FC.default_cropper()
    monkeypatch.setenv(FC.DETECTOR_ENV, "nonsense")
    with pytest.raises(FC.FaceCropError, match="unknown face detector 'nonsense'"):
        FC.make_detector()


@pytest.mark.skipif(
    importlib.util.find_spec("mediapipe") is None or importlib.util.find_spec("skimage") is None,
    reason="needs mediapipe==0.10.21 (offline face model) and scikit-image; see face_crop docstring",
)
def test_mediapipe_finds_the_astronauts_face(tmp_path):
    from skimage import data

    img = Image.fromarray(data.astronaut())  # 512x512, face around x 160-260, y 60-190
    cropper = FC.FaceCropper(FC.MediaPipeDetector(), cache=tmp_path)
    box = cropper.box(img)
    assert box is not None
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    assert 160 < cx < 260 and 60 < cy < 190
    assert cropper.crop(img).size == (256, 256)


def test_face_crop_flag_marks_every_request_and_runs(cli, tmp_path):
    """``--face-crop`` reaches the requests (and so the cache key) and the crop really runs."""
    det = StubDetector([((8, 8, 40, 40), 0.9)])
    FC.set_default_cropper(FC.FaceCropper(det, size=32))
    try:
        out = tmp_path / "r"
        cli("run", "--model", "random", "--tasks", "rafdb", "--limit", "4", "--face-crop", "--output", out)
        cli("run", "--model", "random", "--tasks", "rafdb", "--limit", "4", "--output", out)
        import json

        responses = [json.loads(x) for x in (out / "random/rafdb/responses.jsonl").read_text().splitlines()]
        assert len(responses) == 8 and all(r["error"] is None for r in responses)  # cropped != plain keys
        export = tmp_path / "req.jsonl"
        cli("export", "--tasks", "rafdb", "--limit", "4", "--face-crop", "--out", export)
        media_refs = [json.loads(x)["media"][0] for x in export.read_text().splitlines()]
        assert all(m.endswith("_aligned.jpg#crop=face") for m in media_refs)
        assert det.calls == 0  # cropping is lazy: nothing is decoded until pixels are needed
        assert media.load_image(media_refs[0]).size == (32, 32) and det.calls == 1
    finally:
        FC.set_default_cropper(None)
