"""Face cropping: square geometry, resize to 256, the on-disk box cache, frames without a face,
the ``#crop=face`` reference, the default detector choice, and real detections (mediapipe when
installed; MTCNN from facenet-pytorch when it and torch are installed)."""

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

        # cropped and plain are different results (own folders) with different cache keys
        cropped, plain = (out / "random/facebench~face_crop=true+limit=4+seed=0/rafdb/responses.jsonl",
                          out / "random/facebench~limit=4+seed=0/rafdb/responses.jsonl")
        rows = [json.loads(x) for path in (cropped, plain) for x in path.read_text().splitlines()]
        assert len(rows) == 8 and len({r["fp"] for r in rows}) == 8 and all(r["error"] is None for r in rows)
        export = tmp_path / "req.jsonl"
        cli("export", "--tasks", "rafdb", "--limit", "4", "--face-crop", "--out", export)
        media_refs = [json.loads(x)["media"][0] for x in export.read_text().splitlines()]
        assert all(m.endswith("_aligned.jpg#crop=face") for m in media_refs)
        assert det.calls == 0  # cropping is lazy: nothing is decoded until pixels are needed
        assert media.load_image(media_refs[0]).size == (32, 32) and det.calls == 1
    finally:
        FC.set_default_cropper(None)


# --- detector choice and MTCNN ------------------------------------------------------------


class _Named:
    def __init__(self, name):
        self.name = name

    def detect(self, image):
        return []


def _refuse(message):
    def factory():
        raise FC.FaceCropError(message)

    return factory


def test_default_detector_prefers_mediapipe_then_mtcnn_and_the_env_var_wins(monkeypatch):
    monkeypatch.delenv(FC.DETECTOR_ENV, raising=False)
    monkeypatch.setitem(FC._DETECTORS, "mediapipe", lambda: _Named("mp"))
    monkeypatch.setitem(FC._DETECTORS, "mtcnn", lambda: _Named("mt"))
    importable = {"mediapipe": True, "facenet_pytorch": True}
    monkeypatch.setattr(FC, "_importable", lambda module: importable[module])
    assert FC.make_detector().name == "mp"
    importable["mediapipe"] = False
    assert FC.make_detector().name == "mt"
    # installed but unusable (e.g. mediapipe 1.x, which has no bundled face model): next one
    importable["mediapipe"] = True
    monkeypatch.setitem(FC._DETECTORS, "mediapipe", _refuse("mediapipe 1.2.2 has no bundled face detector"))
    assert FC.make_detector().name == "mt"
    # the environment variable (and an explicit spec) win over the automatic choice
    monkeypatch.setitem(FC._DETECTORS, "mediapipe", lambda: _Named("mp"))
    monkeypatch.setenv(FC.DETECTOR_ENV, "mtcnn")
    assert FC.make_detector().name == "mt"
    assert FC.make_detector("mediapipe").name == "mp"


def test_no_usable_detector_names_both_install_commands(monkeypatch):
    monkeypatch.delenv(FC.DETECTOR_ENV, raising=False)
    monkeypatch.setattr(FC, "_importable", lambda module: False)
    FC.set_default_cropper(None)
    with pytest.raises(FC.FaceCropError) as err:
        FC.default_cropper()
    assert "pip install 'mediapipe==0.10.21'" in str(err.value)
    assert "pip install --no-deps facenet-pytorch==2.6.0" in str(err.value)
    # an installed but broken one says why, too
    monkeypatch.setattr(FC, "_importable", lambda module: module == "mediapipe")
    monkeypatch.setitem(FC._DETECTORS, "mediapipe", _refuse("mediapipe 1.2.2 has no bundled face detector"))
    with pytest.raises(FC.FaceCropError, match="mediapipe 1.2.2 has no bundled face detector"):
        FC.make_detector()
    FC.set_default_cropper(None)


def test_mtcnn_output_becomes_float_boxes_and_low_scores_are_dropped():
    """facenet-pytorch returns numpy object arrays (and None when nothing is found)."""

    class FakeMTCNN:
        def __init__(self, result):
            self.result = result

        def detect(self, image):
            return self.result

    det = object.__new__(FC.MTCNNDetector)  # no torch needed for the conversion
    det.min_confidence, det._lock = 0.9, FC.threading.Lock()
    boxes = np.array([np.array([[10, 20, 50, 70], [0, 0, 5, 5]], dtype=float)], dtype=object)[0]
    probs = np.array([np.array([0.99, 0.5])], dtype=object)[0]
    det._mtcnn = FakeMTCNN((boxes, probs))
    faces = det.detect(_picture())
    assert faces == [((10.0, 20.0, 50.0, 70.0), 0.99)]
    assert all(type(v) is float for v in faces[0][0])
    det._mtcnn = FakeMTCNN((None, [None]))
    assert det.detect(_picture()) == []


_MTCNN_MISSING = [
    m for m in ("torch", "torchvision", "facenet_pytorch", "skimage")
    if importlib.util.find_spec(m) is None
]
needs_mtcnn = pytest.mark.skipif(
    bool(_MTCNN_MISSING),
    reason=f"needs {', '.join(_MTCNN_MISSING)} for a real MTCNN detection "
    "(pip install --no-deps facenet-pytorch==2.6.0; pip install scikit-image for the test photo)",
)
# the astronaut's face (brows to chin, ear to ear) in skimage.data.astronaut(), 512x512;
# MTCNN (facenet-pytorch 2.6.0) finds about (181, 62, 268, 172)
_FACE = (175, 55, 275, 180)


def _astronaut():
    from skimage import data

    return Image.fromarray(data.astronaut())


def _around_the_face(box):
    x0, y0, x1, y1 = box
    fx0, fy0, fx1, fy1 = _FACE
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    inside = fx0 <= x0 < cx < x1 <= fx1 and fy0 <= y0 < cy < y1 <= fy1
    return inside and x1 - x0 > 60 and y1 - y0 > 80


@needs_mtcnn
def test_mtcnn_finds_the_astronauts_face(tmp_path, monkeypatch):
    monkeypatch.delenv(FC.DEVICE_ENV, raising=False)
    img = _astronaut()
    det = FC.MTCNNDetector()
    assert det.device == "cpu" and det.name.startswith("mtcnn-facenet-pytorch-")
    faces = det.detect(img)
    assert len(faces) == 1, faces
    (box, score), = faces
    assert score > 0.99 and _around_the_face(box), box
    assert det.detect(Image.new("RGB", (128, 128), (90, 90, 90))) == []  # no face: nothing
    cropper = FC.FaceCropper(det, cache=tmp_path)
    assert cropper.box(img) == box
    left, top, right, bottom = cropper.square(img, box)
    # the whole face is inside the crop square
    assert left <= box[0] and top <= box[1] and right >= box[2] and bottom >= box[3]
    assert right - left == round(1.4 * max(box[2] - box[0], box[3] - box[1]))
    out = cropper.crop(img)
    assert out.size == (256, 256)
    # the crop is the face: detecting again finds one face filling most of the 256x256 picture
    (again, _), = det.detect(out)
    assert again[2] - again[0] > 256 / 1.4 * 0.7 and abs((again[0] + again[2]) / 2 - 128) < 30
    # the env var chooses it by name, and picks the device
    monkeypatch.setenv(FC.DETECTOR_ENV, "mtcnn")
    monkeypatch.setenv(FC.DEVICE_ENV, "cpu")
    assert isinstance(FC.make_detector(), FC.MTCNNDetector)


@needs_mtcnn
def test_face_crop_run_with_the_mtcnn_detector(cli, tmp_path, monkeypatch):
    """``facebench run --model random --tasks rafdb --limit 2 --face-crop`` with MTCNN doing the
    detection: the demo RAF-DB layout with the astronaut photo as every picture; the adapter
    reads each request's pixels, so the crop really runs inside the job."""
    import json
    import shutil

    from facebench.adapters.random_choice import RandomAdapter
    from facebench.resources import demo_root

    root = tmp_path / "data"
    shutil.copytree(demo_root() / "RAF-DB", root / "RAF-DB")
    photo = _astronaut()
    for jpg in (root / "RAF-DB").rglob("*.jpg"):
        photo.save(jpg, quality=95)
    monkeypatch.setenv("FACEBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(FC.DETECTOR_ENV, "mtcnn")
    seen = []
    plain_generate = RandomAdapter.generate

    def generate(self, requests):
        for r in requests:
            for ref in r.media:
                assert ref.endswith("#crop=face")
                seen.append(media.load_image(ref))
        return plain_generate(self, requests)

    monkeypatch.setattr(RandomAdapter, "generate", generate)
    FC.set_default_cropper(None)
    try:
        out = tmp_path / "r"
        cli("run", "--model", "random", "--tasks", "rafdb", "--limit", "2", "--face-crop",
            "--data-root", root, "--output", out)
        lines = next(out.glob("random/*/rafdb/responses.jsonl")).read_text().splitlines()
        responses = [json.loads(x) for x in lines]
        assert len(responses) == 2 and all(r["error"] is None for r in responses)
        assert isinstance(FC.default_cropper().detector, FC.MTCNNDetector)
    finally:
        FC.set_default_cropper(None)
    assert len(seen) == 2 and all(im.size == (256, 256) for im in seen)
    files = list((tmp_path / "cache" / "face_boxes").rglob("*.json"))
    entries = [json.loads(f.read_text()) for f in files]
    assert len(entries) == 1  # same pixels twice: detected once, then from the cache
    assert entries[0]["detector"].startswith("mtcnn-") and _around_the_face(entries[0]["box"])
