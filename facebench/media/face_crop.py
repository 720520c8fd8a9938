"""Optional face cropping: detect the face, cut a square around it, resize to 256x256.

Face-LLaVA evaluates on face-cropped frames resized to 256 (its Table 7 marks baselines that
were re-run on face-cropped video). Datasets that ship aligned faces (RAF-DB aligned, DFEW
224x224 clips, BP4D/DISFA after alignment) need no crop, so the step is off unless a media
reference asks for it (``...#crop=face``, see :mod:`facebench.media.refs`).

- Detector: pluggable (:class:`FaceDetector`), chosen by ``FACEBENCH_FACE_DETECTOR=name`` or
  ``=package.module:Class`` (or :func:`register_detector`). Without that variable the first
  usable of these is taken:

  1. ``mediapipe``: mediapipe's short-range BlazeFace, which ships its model inside the
     ``mediapipe==0.10.21`` wheel and so works offline (0.10.30+ and 1.x bundle no face model
     and have no ``mp.solutions``). Install: ``pip install 'mediapipe==0.10.21'`` (or
     ``pip install 'facebench[face]'``); it pulls numpy 1.26.
  2. ``mtcnn``: facenet-pytorch's MTCNN, whose weights ship inside the wheel (offline too). It
     needs torch and torchvision (any recent version). facenet-pytorch 2.6.0 declares old pins
     (torch<2.3, numpy<2, Pillow<10.3) that would downgrade a working environment, so install
     it without its dependencies::

         pip install --no-deps facenet-pytorch==2.6.0

     (its remaining imports, ``requests`` and ``tqdm``, are almost always present already).
     Device: ``FACEBENCH_FACE_DEVICE`` (default ``cpu``), or ``MTCNNDetector(device=...)``.

  Neither usable: a clear error naming both install commands.
- Crop rules (the reference's ``#crop=`` mode):

  * ``face`` (facebench's rule): the largest detected face; a square of side ``scale`` x the
    larger side of its box, centred on the box, shifted to stay inside the picture when it can
    (black padding only when the picture is smaller than the square), resized to ``size`` with
    bicubic resampling. No face: the centred square of the picture, so the request still runs;
    the miss is recorded in the cache entry.
  * ``face-llava`` (the official ``tools/crop_face.py`` of ihp-lab/Face-LLaVA, which the paper
    applies to every input): MediaPipe's detector (``FACEBENCH_FACE_DETECTOR`` may name
    another; never the automatic MTCNN fallback), used only when it finds *exactly one* face;
    box origin and size as integer pixels; a side of ``(width + height) / 2`` from the box's
    top-left corner, no margin (``margin_pct=0``), clipped to the picture as the official
    ``int(max(0, x))`` .. ``int(min(x + side, W - 1))`` (so a box at the border gives a
    non-square crop, stretched by the resize, as there); resized to 256x256 bilinear (the
    official ``cv2.resize`` default). No single face: the picture unchanged (the official tool
    writes no crop; facebench's own Face-LLaVA adapter also passes such pictures uncropped).
- Video frames: each frame is detected on its own; a frame with no detection borrows the box
  of the nearest frame that has one, so a blink or a turned head does not jump to the centre
  (under ``face-llava`` too: the official tool drops such frames from the cropped video before
  sampling, which a per-frame crop of already sampled frames cannot do).
- Cache: detection is the slow part, so detector boxes (not pixels) are cached on disk, keyed
  by a hash of the decoded pixels and the detector's name. Cropping from a cached box gives the
  same pixels as cropping from a fresh detection.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from PIL import Image

from facebench.media.cache import cache_dir

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels
DETECTOR_ENV = "FACEBENCH_FACE_DETECTOR"
DEVICE_ENV = "FACEBENCH_FACE_DEVICE"
MEDIAPIPE_INSTALL = "pip install 'mediapipe==0.10.21'"
MTCNN_INSTALL = "pip install --no-deps facenet-pytorch==2.6.0"


class FaceCropError(RuntimeError):
    """The detector cannot run (e.g. mediapipe is not installed)."""


@runtime_checkable
class FaceDetector(Protocol):
    """Finds faces in an RGB picture. ``name`` goes into cache keys: change it with the model."""

    name: str

    def detect(self, image: Image.Image) -> list[tuple[Box, float]]:
        """Every face found, as (box in pixels, confidence)."""
        ...


class MediaPipeDetector:
    """mediapipe BlazeFace short-range (faces within ~2 m, i.e. every face dataset here)."""

    def __init__(self, min_confidence: float = 0.5, model_selection: int = 0) -> None:
        try:
            import mediapipe as mp
        except ImportError as exc:
            raise FaceCropError(
                f"the mediapipe face detector needs mediapipe, which is not installed: "
                f"{MEDIAPIPE_INSTALL} (the last release that bundles its face model and so "
                f"works offline), or choose another detector with {DETECTOR_ENV}=mtcnn or "
                f"{DETECTOR_ENV}=package.module:Class"
            ) from exc
        solutions = getattr(mp, "solutions", None)
        if solutions is None or not hasattr(solutions, "face_detection"):
            raise FaceCropError(
                f"mediapipe {getattr(mp, '__version__', '?')} has no bundled face detector "
                f"(mp.solutions.face_detection); {MEDIAPIPE_INSTALL}, or use {DETECTOR_ENV}=mtcnn"
            )
        self.name = f"mediapipe-{mp.__version__}-m{model_selection}-c{min_confidence:g}"
        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=model_selection, min_detection_confidence=min_confidence
        )
        # a mediapipe solution graph runs one picture at a time: API adapters and the media
        # prefetcher (facebench.media.prefetch) call it from worker threads
        self._lock = threading.Lock()

    def detect(self, image: Image.Image) -> list[tuple[Box, float]]:
        import numpy as np

        rgb = image.convert("RGB")
        with self._lock:
            result = self._detector.process(np.asarray(rgb))
        w, h = rgb.size
        faces = []
        for det in result.detections or []:
            b = det.location_data.relative_bounding_box
            box = (b.xmin * w, b.ymin * h, (b.xmin + b.width) * w, (b.ymin + b.height) * h)
            faces.append((box, float(det.score[0]) if det.score else 0.0))
        return faces


class MTCNNDetector:
    """facenet-pytorch's MTCNN (weights bundled in the wheel; runs offline on CPU or GPU).

    Install with ``pip install --no-deps facenet-pytorch==2.6.0`` (its declared pins are old;
    it runs with current torch/torchvision/numpy 2). Faces below ``min_confidence`` (after
    MTCNN's own three-stage thresholds) are dropped: a large low-score false positive would
    otherwise win the "largest face" choice.
    """

    def __init__(
        self,
        device: str | None = None,
        min_confidence: float = 0.9,
        min_face_size: int = 20,
    ) -> None:
        try:
            import facenet_pytorch
            import torch
            from facenet_pytorch import MTCNN
        except ImportError as exc:
            raise FaceCropError(
                f"the mtcnn face detector needs facenet-pytorch and torch/torchvision "
                f"({exc}): {MTCNN_INSTALL} (--no-deps: its declared pins on torch, numpy and "
                f"Pillow are old and would downgrade them)"
            ) from exc
        self.device = device or os.environ.get(DEVICE_ENV) or "cpu"
        self.min_confidence = min_confidence
        version = getattr(facenet_pytorch, "__version__", None)
        if version is None:
            from importlib.metadata import PackageNotFoundError
            from importlib.metadata import version as dist_version

            try:
                version = dist_version("facenet-pytorch")
            except PackageNotFoundError:
                version = "?"
        # the device is not part of the name: it does not change which face is found
        self.name = f"mtcnn-facenet-pytorch-{version}-s{min_face_size}-c{min_confidence:g}"
        try:
            self._mtcnn = MTCNN(
                keep_all=True,
                select_largest=True,
                min_face_size=min_face_size,
                device=torch.device(self.device),
            ).eval()
        except (RuntimeError, ValueError, AssertionError) as exc:  # e.g. cuda without a GPU
            raise FaceCropError(
                f"cannot start the mtcnn face detector on {self.device!r}: {exc}"
            ) from exc
        self._lock = threading.Lock()  # one forward pass at a time (worker threads share it)

    def detect(self, image: Image.Image) -> list[tuple[Box, float]]:
        import numpy as np

        rgb = image.convert("RGB")
        with self._lock:  # MTCNN.detect runs under torch.no_grad itself
            boxes, probs = self._mtcnn.detect(rgb)
        if boxes is None:
            return []
        # facenet-pytorch returns object arrays; numpy 2 needs an explicit float conversion
        boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
        scores = np.asarray([0.0 if p is None else p for p in np.atleast_1d(probs)], dtype=float)
        return [
            ((float(b[0]), float(b[1]), float(b[2]), float(b[3])), float(p))
            for b, p in zip(boxes, scores)
            if p >= self.min_confidence
        ]


_DETECTORS: dict[str, Callable[[], FaceDetector]] = {
    "mediapipe": MediaPipeDetector,
    "mtcnn": MTCNNDetector,
}
#: what the default choice tries, in order: (registered name, module that must be importable)
DEFAULT_ORDER: tuple[tuple[str, str], ...] = (
    ("mediapipe", "mediapipe"),
    ("mtcnn", "facenet_pytorch"),
)


def register_detector(name: str, factory: Callable[[], FaceDetector]) -> None:
    """Make a detector selectable by name (``FACEBENCH_FACE_DETECTOR=name``)."""
    _DETECTORS[name] = factory


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def default_detector() -> FaceDetector:
    """mediapipe when it is installed and usable, else MTCNN when it is, else a clear error."""
    problems = []
    for name, module in DEFAULT_ORDER:
        if not _importable(module):
            continue
        try:
            return _DETECTORS[name]()
        except FaceCropError as exc:
            problems.append(str(exc))
    found = f" ({'; '.join(problems)})" if problems else ""
    raise FaceCropError(
        f"face cropping needs a face detector and none is usable{found}. Install one: "
        f"{MEDIAPIPE_INSTALL} (offline BlazeFace; pulls numpy 1.26) or, with torch and "
        f"torchvision installed, {MTCNN_INSTALL} (offline MTCNN); or choose another with "
        f"{DETECTOR_ENV}=package.module:Class"
    )


def make_detector(spec: str | None = None) -> FaceDetector:
    """A detector by registered name or ``package.module:Class``.

    ``spec`` wins, then ``$FACEBENCH_FACE_DETECTOR``; with neither, :func:`default_detector`.
    """
    spec = spec or os.environ.get(DETECTOR_ENV)
    if not spec:
        return default_detector()
    if spec in _DETECTORS:
        return _DETECTORS[spec]()
    module, sep, attr = spec.partition(":")
    if not sep:
        raise FaceCropError(f"unknown face detector {spec!r}; known: {', '.join(_DETECTORS)}")
    try:
        return getattr(importlib.import_module(module), attr)()
    except (ImportError, AttributeError) as exc:
        raise FaceCropError(f"cannot load face detector {spec!r}: {exc}") from exc


#: crop rules of :class:`FaceCropper` (``facebench`` is the ``#crop=face`` mode)
RULES = ("facebench", "face-llava")


@dataclass
class FaceCropper:
    """Detector + crop geometry (``rule``) + box cache. One per process and crop mode (see
    :func:`cropper_for`)."""

    detector: FaceDetector
    size: int = 256
    scale: float = 1.4
    cache: Path | None = None
    rule: str = "facebench"

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise FaceCropError(f"unknown crop rule {self.rule!r}; known: {', '.join(RULES)}")

    def box(self, image: Image.Image) -> Box | None:
        """The face the rule crops (the largest; ``face-llava``: the only one), cached by pixels."""
        file = None
        if self.cache is not None:
            tag = "" if self.rule == "facebench" else f"{self.rule}|"  # keeps old cache keys valid
            digest = hashlib.sha256(
                f"{tag}{self.detector.name}|{image.mode}|{image.size}".encode() + image.tobytes()
            ).hexdigest()
            file = self.cache / digest[:2] / f"{digest}.json"
            if file.is_file():
                stored = json.loads(file.read_text())["box"]
                return tuple(stored) if stored else None  # type: ignore[return-value]
        faces = self.detector.detect(image)
        if self.rule == "face-llava":  # official: get_bb_from_image needs exactly one face
            best = faces[0] if len(faces) == 1 else None
        else:
            best = max(faces, key=lambda f: (f[0][2] - f[0][0]) * (f[0][3] - f[0][1]), default=None)
        found: Box | None = tuple(float(v) for v in best[0]) if best else None  # type: ignore[assignment]
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")  # threads race
            tmp.write_text(json.dumps({"box": list(found) if found else None, "detector": self.detector.name}))
            tmp.replace(file)
        return found

    def square(self, image: Image.Image, box: Box | None) -> tuple[int, int, int, int]:
        """The crop square for a box (centre square of the picture when there is no box)."""
        if self.rule == "face-llava":
            return official_box(image.size, box) if box is not None else (0, 0, *image.size)
        w, h = image.size
        if box is None:
            side = min(w, h)
            cx, cy = w / 2, h / 2
        else:
            x0, y0, x1, y1 = box
            side = max(x1 - x0, y1 - y0) * self.scale
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        side = max(1, round(side))
        left, top = round(cx - side / 2), round(cy - side / 2)
        # shift inside the picture where possible (pad only when the square is larger)
        left = min(max(left, 0), max(w - side, 0)) if side <= w else (w - side) // 2
        top = min(max(top, 0), max(h - side, 0)) if side <= h else (h - side) // 2
        return left, top, left + side, top + side

    def crop(self, image: Image.Image) -> Image.Image:
        return self._cut(image, self.box(image))

    def crop_frames(self, frames: list[Image.Image]) -> list[Image.Image]:
        boxes = [self.box(f) for f in frames]
        found = [i for i, b in enumerate(boxes) if b is not None]
        out = []
        for i, frame in enumerate(frames):
            b = boxes[i]
            if b is None and found:
                b = boxes[min(found, key=lambda j: (abs(j - i), j))]
            out.append(self._cut(frame, b))
        return out

    def _cut(self, image: Image.Image, box: Box | None) -> Image.Image:
        rgb = image.convert("RGB")
        if self.rule == "face-llava":
            x0, y0, x1, y1 = official_box(rgb.size, box) if box is not None else (0, 0, 0, 0)
            if x1 <= x0 or y1 <= y0:  # no single face (or an empty clip): no crop, as official
                return rgb
            size = (self.size, self.size)
            return rgb.crop((x0, y0, x1, y1)).resize(size, Image.Resampling.BILINEAR)
        return rgb.crop(self.square(rgb, box)).resize((self.size, self.size), Image.Resampling.BICUBIC)


def official_box(size: tuple[int, int], box: Box) -> tuple[int, int, int, int]:
    """``get_cropped_image_from_bb`` of Face-LLaVA's tools/crop_face.py with ``margin_pct=0``.

    The detector's box becomes MediaPipe's integer ``origin_x, origin_y, width, height``; the
    crop is ``image[start_y:end_y, start_x:end_x]`` with ``avg_size = (width + height) / 2``,
    ``start = int(max(0, origin))``, ``end = int(min(origin + avg_size, W - 1))`` (``H - 1``).
    """
    w, h = size
    x, y = int(box[0]), int(box[1])
    bw, bh = int(box[2] - box[0]), int(box[3] - box[1])
    side = (bw + bh) / 2
    return (int(max(0, x)), int(max(0, y)), int(min(x + side, w - 1)), int(min(y + side, h - 1)))


_default: FaceCropper | None = None
#: croppers are built once even when worker threads ask for one at the same time
_build_lock = threading.RLock()


def default_cropper() -> FaceCropper:
    """The process-wide cropper (detector built on first use, boxes cached on disk)."""
    global _default
    if _default is None:
        with _build_lock:
            if _default is None:
                _default = FaceCropper(make_detector(), cache=cache_dir("face_boxes"))
    return _default


def set_default_cropper(cropper: FaceCropper | None) -> None:
    """Replace the process-wide cropper (tests; programs that bring their own detector)."""
    global _default
    _default = cropper


#: ``face-llava`` croppers by detector spec (a changed ``FACEBENCH_FACE_DETECTOR`` gets its own)
_face_llava: dict[str, FaceCropper] = {}


def face_llava_cropper() -> FaceCropper:
    """The process-wide ``face-llava`` cropper: the official geometry on MediaPipe's detector
    (or the one ``FACEBENCH_FACE_DETECTOR`` names), boxes cached on disk."""
    spec = os.environ.get(DETECTOR_ENV) or "mediapipe"
    with _build_lock:
        if spec not in _face_llava:
            try:
                detector = make_detector(spec)
            except FaceCropError as exc:
                raise FaceCropError(
                    f"the face-llava crop (Face-LLaVA tools/crop_face.py) detects faces with "
                    f"MediaPipe: {exc}"
                ) from exc
            _face_llava[spec] = FaceCropper(detector, cache=cache_dir("face_boxes"), rule="face-llava")
        return _face_llava[spec]


def cropper_for(mode: str) -> FaceCropper:
    """The cropper of a reference's crop mode (``face`` or ``face-llava``)."""
    if mode == "face":
        return default_cropper()
    if mode == "face-llava":
        return face_llava_cropper()
    raise FaceCropError(f"unknown crop mode {mode!r}; known: face, face-llava")


def set_cropper(mode: str, cropper: FaceCropper | None) -> None:
    """Replace (None: reset) the process-wide cropper of a crop mode (``face-llava``: for the
    current detector spec)."""
    if mode == "face":
        set_default_cropper(cropper)
    elif mode == "face-llava":
        spec = os.environ.get(DETECTOR_ENV) or "mediapipe"
        if cropper is None:
            _face_llava.pop(spec, None)
        else:
            _face_llava[spec] = cropper
    else:
        raise FaceCropError(f"unknown crop mode {mode!r}; known: face, face-llava")
