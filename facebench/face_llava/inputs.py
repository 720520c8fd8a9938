"""facebench requests -> Face-LLaVA inputs, shared by the ``face-llava-hf``, ``face-llava-vllm``
and ``face-llava-openai`` adapters so all three see the same prompt, frames, crops and landmarks.

- The question is the text of the request's system and user messages; the media markers go
  first (``<image>\\n`` or the 8 frame markers of a video), as in the official inference.
- A video is always ``num_frames`` (8) frames picked by the official rule (the video tower is
  built for exactly 8), whatever the task's ``num_frames``.
- ``face_crop``: MediaPipe crop to 256x256 first (image, or every frame); a frame or image with
  no single face is used uncropped.
- Media references (``#frame=``, ``#start=&end=``, ``#crop=``, ``#sampling=``; a protocol's
  face crop and frame rule, a DISFA frame, an FF++ chunk) are read through
  :mod:`facebench.media`, which applies them; a part the reference already crops is not
  cropped again. Plain paths keep the official frame rule and decoding.
- ``landmark_model``: a TorchScript 68-point detector on the (cropped) face; no model -> no
  landmarks, which is what the official inference does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from pydantic import BaseModel, ConfigDict

from facebench.face_llava import processing as P
from facebench.types import Request


class FaceSteps(BaseModel):
    """The optional face steps of a model card."""

    model_config = ConfigDict(extra="forbid")

    #: crop the face (MediaPipe, square, 256x256) before the model sees it
    face_crop: bool = False
    #: MediaPipe face detector .tflite (the official tools/detector.tflite); None: mediapipe's own
    face_detector: str | None = None
    #: TorchScript 68-point landmark model (local path); None: no landmarks (official inference)
    landmark_model: str | None = None


@dataclass
class FaceInput:
    question: str
    kinds: list[str]
    #: per media item: a PIL image, or a ``(T, H, W, 3)`` uint8 array of frames
    data: list[Any]
    #: per media item: 136 floats (image), T lists of 136 floats (video), or None
    landmarks: list[Any] = field(default_factory=list)
    face_found: list[bool] = field(default_factory=list)

    def prompt(self, num_frames: int = 8) -> str:
        return P.build_prompt(self.question, self.kinds, num_frames)


class InputBuilder:
    def __init__(self, steps: FaceSteps, num_frames: int = 8) -> None:
        self.steps = steps
        self.num_frames = num_frames
        self._crop = P.FaceCropper(steps.face_detector) if steps.face_crop else None
        self._lmk = P.LandmarkDetector(steps.landmark_model) if steps.landmark_model else None

    def _face(self, im: Image.Image) -> tuple[Image.Image, bool]:
        if self._crop is None:
            return im, True
        out = self._crop(im)
        return out, self._crop.last_ok

    def build(self, request: Request) -> FaceInput:
        import numpy as np

        from facebench import media

        texts: list[str] = []
        kinds: list[str] = []
        data: list[Any] = []
        lms: list[Any] = []
        found: list[bool] = []
        for m in request.messages:
            if m.role == "assistant":
                continue
            for p in m.content:
                if p.type == "text":
                    texts.append(p.value)
                elif p.type == "image":
                    ref = media.parse_ref(p.value)
                    im, ok = media.load_image(p.value), True
                    if ref.crop is None:
                        im, ok = self._face(im)
                    kinds.append("image")
                    data.append(im)
                    found.append(ok)
                    lms.append(self._lmk(im) if self._lmk else None)
                else:
                    ref = media.parse_ref(p.value)
                    if ref.is_plain:
                        frames = P.load_video_frames(p.value, self.num_frames)
                    else:  # a segment, a crop or a frame rule: facebench.media applies it
                        frames = np.stack([np.asarray(f.convert("RGB"), dtype=np.uint8)
                                           for f in media.sample_frames(p.value, self.num_frames)])
                        if len(frames) < self.num_frames:  # a short segment: repeat, as official
                            frames = frames[P.official_frame_indices(len(frames), self.num_frames)]
                    if ref.crop is None:
                        pil = [self._face(Image.fromarray(f)) for f in frames]
                    else:
                        pil = [(Image.fromarray(f), True) for f in frames]
                    kinds.append("video")
                    found.append(all(ok for _, ok in pil))
                    if self._crop is not None:
                        frames = np.stack([np.asarray(im.convert("RGB")) for im, _ in pil])
                    data.append(frames)
                    lms.append([self._lmk(im) for im, _ in pil] if self._lmk else None)
        return FaceInput("\n".join(t for t in texts if t), kinds, data, lms, found)
