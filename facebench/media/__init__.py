"""Reading any media string a request can carry: plain paths and references into videos.

This is the one entry point the inference side needs (adapters and the preflight check):

- :func:`load_image` for an ``image`` part: a picture file, a video frame (``#frame=N``),
  optionally face-cropped (``#crop=face`` or ``#crop=face-llava``, two crop geometries);
- :func:`sample_frames` for a ``video`` part: a video file or frame folder sampled uniformly
  (``#sampling=floor`` picks the frames by the official Face-LLaVA rule), or a time segment of
  a video (``#start=S&end=E``), optionally face-cropped;
- :func:`check_media`: a readability check returning an error message or None: images are
  decoded in full and videos proven untruncated (once per file: the results are memoised).

Plain files are read by :mod:`facebench.media.files`.
Decoding is lazy: a reference is only decoded when a worker asks for its pixels; local adapters
decode a request stream's media ahead of the model in a thread pool
(:mod:`facebench.media.prefetch`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from PIL import Image

from facebench.media.files import MediaError, data_url, frame_indices, image_bytes
from facebench.media.refs import (
    MediaRef,
    RefError,
    frame_ref,
    is_ref,
    parse_ref,
    segment_ref,
    with_crop,
)

__all__ = [
    "MediaError",
    "MediaRef",
    "RefError",
    "check_media",
    "data_url",
    "frame_indices",
    "frame_ref",
    "image_bytes",
    "is_ref",
    "load_image",
    "materialize_image",
    "parse_ref",
    "sample_frames",
    "segment_ref",
    "shown_frames",
    "with_crop",
]


def _ref(value: str) -> MediaRef:

    try:
        return parse_ref(value)
    except RefError as exc:
        raise MediaError(str(exc)) from exc


def load_image(value: str | Path) -> Image.Image:
    """The RGB picture an ``image`` part names (file, video frame; face-cropped on request).

    Inside a :class:`~facebench.media.prefetch.MediaPrefetcher`, a picture it is decoding
    ahead comes from there (or its decode's error is raised).
    """
    from facebench.media import prefetch

    ready = prefetch.take("image", str(value))
    if ready is not prefetch.MISS:
        return ready
    return _load_image(value)


def _load_image(value: str | Path) -> Image.Image:
    from facebench.media import files as media
    from facebench.media import frames

    ref = _ref(str(value))
    if ref.is_segment:
        raise media.MediaError(f"{value}: a time segment is a video, not an image")
    if ref.frame is not None:
        image = frames.decode_frames(ref.path, [ref.frame])[0]
    else:
        image = media.load_image(ref.path)
    if ref.crop is not None:
        from facebench.media.face_crop import cropper_for

        image = cropper_for(ref.crop).crop(image)
    return image


def sample_frames(value: str | Path, num_frames: int) -> list[Image.Image]:
    """``num_frames`` frames of a ``video`` part, sampled with ``linspace(0, n - 1, k)``.

    For a segment reference the rule applies to the frames inside the segment. A truncated
    file (:func:`facebench.media.frames.verify_video`) or a whole clip with fewer than
    ``num_frames`` frames raises :class:`MediaError` with the counts; frames are never
    repeated to pad. The one documented exception is a segment that genuinely holds fewer
    frames (the last chunk of a low-frame-rate video, e.g. a 1 s tail at 4 fps): each of its
    frames is returned once, and :func:`shown_frames` tells the caller so it can be recorded.

    Inside a :class:`~facebench.media.prefetch.MediaPrefetcher`, frames it is decoding ahead
    come from there (or their decode's error is raised). A whole clip is decoded by seeking to
    the frames it needs (:func:`facebench.media.frames.decode_clip`).
    """
    from facebench.media import prefetch

    ready = prefetch.take("video", str(value), num_frames)
    if ready is not prefetch.MISS:
        return ready
    return _sample_frames(value, num_frames)


def _sample_frames(value: str | Path, num_frames: int) -> list[Image.Image]:
    from facebench.media import files as media
    from facebench.media import frames

    ref = _ref(str(value))
    if ref.frame is not None:
        out = frames.decode_frames(ref.path, [ref.frame])
    elif ref.is_segment:
        if Path(ref.path).is_dir():
            raise media.MediaError(f"{value}: time segments need a video file, not a frame folder")
        assert ref.start is not None and ref.end is not None
        info = frames.verify_video(ref.path)
        indices = frames.segment_indices(info, ref.start, ref.end, num_frames, ref.frame_rule)
        out = frames.decode_frames(ref.path, indices)
    else:
        if Path(ref.path).is_file():
            frames.verify_video(ref.path)
        out = media.sample_frames(ref.path, num_frames, ref.frame_rule)
    if ref.crop is not None:
        from facebench.media.face_crop import cropper_for

        out = cropper_for(ref.crop).crop_frames(out)
    return out


def shown_frames(value: str, num_frames: int) -> int:
    """How many frames :func:`sample_frames` gives for a ``video`` part (header only, no decode).

    ``num_frames``, except for a segment that holds fewer frames (then all of them, each
    once): the number a run should record next to the answer, so a reader knows the model
    saw a shorter clip. Raises :class:`MediaError` where sampling would.
    """
    from facebench.media import frames

    ref = _ref(value)
    if ref.frame is not None:
        return 1
    if ref.is_segment:
        assert ref.start is not None and ref.end is not None
        info = frames.verify_video(ref.path)
        return len(frames.segment_indices(info, ref.start, ref.end, num_frames, ref.frame_rule))
    return num_frames


def materialize_image(value: str | Path) -> Path:
    """A real image file for an ``image`` part, for adapters that can only pass file paths.

    Plain paths are returned as they are; a video frame is extracted once into the on-disk
    frame cache (keyed by video content + index); a face crop is written next to it.
    """
    from facebench.media import frames
    from facebench.media.cache import cache_dir

    ref = _ref(str(value))
    if ref.is_plain:
        return Path(ref.path)
    if ref.crop is None and ref.frame is not None:
        return frames.save_frame(ref.path, ref.frame)
    from facebench.media.cache import file_fingerprint

    fragment = str(ref).rpartition("#")[2].replace("=", "-").replace("&", "_")
    if ref.crop is not None:  # a crop depends on the detector: key the file by it too
        from facebench.media.face_crop import cropper_for

        detector = cropper_for(ref.crop).detector.name
        fragment += "_" + hashlib.sha256(detector.encode()).hexdigest()[:8]
    target = cache_dir("crops") / f"{file_fingerprint(ref.path)}_{fragment}.png"
    if not target.is_file():
        tmp = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp.png")
        load_image(value).save(tmp)
        tmp.replace(target)
    return target


def check_media(value: str, part_type: str, num_frames: int | None = None) -> str | None:
    """None when the part can be read, else a message naming the file and the fault.

    Plain paths get :func:`facebench.media.files.check_image` (a full decode) or ``check_video``
    (openable and not truncated; with ``num_frames``, a whole clip must also hold that many
    frames). References also check that the video is not truncated, that the frame or segment
    lies inside it, and that a face detector is available when a crop is asked for.
    """
    from facebench.media import files as preflight

    try:
        ref = parse_ref(value)
    except RefError as exc:
        return str(exc)
    if ref.is_plain:
        if part_type == "image":
            return preflight.check_image(value)
        return preflight.check_video(value, num_frames)
    if ref.frame is not None or ref.is_segment:
        problem = preflight.check_video(ref.path)
        if problem:
            return problem
        if Path(ref.path).is_dir():
            return f"{value}: frame and segment references need a video file, not a folder"
        if ref.is_segment and part_type == "image":
            return f"{value}: a time segment cannot be shown as an image"
        from facebench.media import frames

        try:
            info = frames.verify_video(ref.path)
            if ref.frame is not None and ref.frame >= info.n_frames:
                return f"frame {ref.frame} is past the end of {ref.path} ({info.n_frames} frames)"
            if ref.is_segment:
                assert ref.start is not None and ref.end is not None
                # fewer frames than num_frames is allowed here (see sample_frames)
                frames.segment_indices(info, ref.start, ref.end, 1)
        except MediaError as exc:
            return f"{ref.path}: {exc}" if ref.path not in str(exc) else str(exc)
    else:
        if part_type == "image":
            problem = preflight.check_image(ref.path)
        else:
            problem = preflight.check_video(ref.path, num_frames, ref.frame_rule)
        if problem:
            return problem
    if ref.crop is not None:
        from facebench.media.face_crop import FaceCropError, cropper_for

        try:
            cropper_for(ref.crop)
        except FaceCropError as exc:
            return str(exc)
    return None
