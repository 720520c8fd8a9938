"""Plain media files: images, base64 data URLs and uniform video frame sampling.

(:mod:`facebench.media` adds references into videos and face crops on top of these.)

Every adapter must show a model the *same* frames for the same video and ``num_frames``, or
two adapters (or two runs) would not be comparable. So frame selection lives here, once:
``numpy.linspace(0, n - 1, k)`` rounded to the nearest index (``round``, the default), or
truncated to an integer (``floor``: ``np.linspace(0, n - 1, k, dtype=int)``, the rule of the
official Face-LLaVA / Video-LLaVA video processors), chosen per video by its reference.

A video is either a container file that PyAV can read (mp4, avi, flv, mkv, webm, ...) or a
folder of frame images (jpg/png, sorted by name). Decoding is lazy and one video at a time:
only the selected frames are converted to images, so a long video never sits in memory.
"""

from __future__ import annotations

import base64
import io
import threading
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile

FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


class MediaError(ValueError):
    """A media file that cannot be read; the message names the file and the cause."""


#: serialises the rare strict decode that must switch Pillow's global leniency off
_strict_lock = threading.Lock()


def decode_strictly(source: str | Path | BinaryIO) -> None:
    """Decode every pixel of an image, so a truncated file raises instead of passing.

    ``Image.verify`` only walks the chunk structure: a JPEG cut in half verifies and would be
    sent to the model. ``load()`` decodes; with ``ImageFile.LOAD_TRUNCATED_IMAGES`` (Pillow's
    default, False) a short file raises ``OSError``. Some libraries switch that flag on at
    import time (the missing rows are then padded with grey), so it is held off while the
    check decodes.
    """
    if not ImageFile.LOAD_TRUNCATED_IMAGES:
        with Image.open(source) as im:
            im.load()
        return
    with _strict_lock:
        lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            with Image.open(source) as im:
                im.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def load_image(path: str | Path) -> Image.Image:
    """Open an image as RGB, fully loaded (so the file handle is closed at once)."""
    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot read image {path}: {exc}") from exc


#: frame-index rules: ``round`` (nearest index) and ``floor`` (``dtype=int`` truncation)
FRAME_RULES = ("round", "floor")


def frame_indices(n_frames: int, k: int, rule: str = "round") -> list[int]:
    """``k`` indices spread uniformly over ``n_frames`` (first and last included).

    ``rule`` ``round``: ``np.round(np.linspace(0, n-1, k))``; ``floor``:
    ``np.linspace(0, n-1, k, dtype=int)`` (10 frames, k=8: 0 1 3 4 5 6 8 9 vs 0 1 2 3 5 6 7 9).
    Fewer frames than asked gives every frame once rather than repeating frames. Whole clips
    never get here short (:func:`require_frames` refuses them first); a short time segment
    does (see :func:`facebench.media.sample_frames`).
    """
    if n_frames <= 0:
        raise MediaError("video has no frames")
    if k <= 0:
        raise MediaError(f"num_frames must be positive, got {k}")
    if rule not in FRAME_RULES:
        raise MediaError(f"unknown frame-index rule {rule!r}; known: {', '.join(FRAME_RULES)}")
    if k >= n_frames:
        return list(range(n_frames))
    if rule == "floor":
        return [int(i) for i in np.linspace(0, n_frames - 1, k, dtype=int)]
    return [int(i) for i in np.round(np.linspace(0, n_frames - 1, k)).astype(int)]


def require_frames(video: str | Path, available: int, k: int, what: str = "video") -> None:
    """Refuse to show a model a whole clip with fewer frames than ``num_frames`` asks for.

    Such a clip would reach the model as a shorter (or padded) sequence than every other
    clip, silently changing the protocol; the error names the counts so the user can lower
    ``num_frames`` or fix the file.
    """
    if available < k:
        raise MediaError(
            f"{what} {video} has {available} frame(s), fewer than the {k} asked for "
            f"(num_frames={k}); lower num_frames or replace the clip"
        )


def _folder_frames(folder: Path) -> list[Path]:
    frames = sorted(p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES)
    if not frames:
        raise MediaError(f"frame folder {folder} holds no images ({', '.join(FRAME_SUFFIXES)})")
    return frames


def _count_frames(path: Path) -> int:
    """The exact frame count: the container's own count if it has one, else by decoding.

    Containers such as flv or some avi files report 0 frames, and the reported count can be
    off by a few; sampling indices past the end would then silently drop frames, so a
    count of 0 triggers a decode-only pass (no image conversion, cheap for short clips).
    """
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.frames:
            return int(stream.frames)
        return sum(1 for _ in container.decode(stream))


def _truncated(path: str | Path, n_frames: int, decoded: int, wanted: list[int]) -> MediaError:
    """The error for a video whose header promises frames that do not decode (truncated)."""
    lost = [i for i in wanted if i >= decoded]
    return MediaError(
        f"video {path} is truncated or corrupt: its header promises {n_frames} frames but only "
        f"{decoded} decode, so {len(lost)} of the {len(wanted)} frames asked for "
        f"(from frame {lost[0]}) are missing"
    )


def _decode_selected(path: Path, wanted: list[int], n_frames: int) -> list[Image.Image]:
    """The frames at ``wanted`` (sorted, distinct), decoding from the start.

    A frame that does not decode is an error naming the counts, never a repeat of the last
    good frame: a truncated clip would otherwise be answered from its first second.
    """
    import av

    want = set(wanted)
    got: dict[int, Image.Image] = {}
    decoded = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        try:
            for i, frame in enumerate(container.decode(stream)):
                decoded = i + 1
                if i in want:
                    got[i] = frame.to_image().convert("RGB")
                if i >= wanted[-1]:
                    break
        except av.error.FFmpegError:  # type: ignore[attr-defined]
            pass  # decoding stopped at the damage: the missing frames are reported below
    if len(got) < len(want):
        raise _truncated(path, n_frames, decoded, wanted)
    return [got[i] for i in wanted]


def sample_frames(path: str | Path, num_frames: int, rule: str = "round") -> list[Image.Image]:
    """``num_frames`` RGB frames sampled uniformly (``rule``, see :func:`frame_indices`) from a
    video file or a folder of frames.

    A clip with fewer frames than ``num_frames``, or one whose frames stop decoding before
    its header's count, raises :class:`MediaError` (see :func:`require_frames`).
    """
    p = Path(path)
    try:
        if p.is_dir():
            files = _folder_frames(p)
            require_frames(p, len(files), num_frames, "frame folder")
            return [load_image(files[i]) for i in frame_indices(len(files), num_frames, rule)]
        if not p.is_file():
            raise MediaError(f"video {p} does not exist")
        from facebench.media import frames  # frames imports this module

        # the header's count, as _count_frames reads it, from the examination the preflight
        # check made (one open per file)
        n = frames.probe(p).n_frames
        if n <= 0:
            raise MediaError(f"video {p} has no frames")
        require_frames(p, n, num_frames)
        return frames.decode_clip(p, frame_indices(n, num_frames, rule), n)
    except MediaError:
        raise
    except Exception as exc:  # PyAV raises its own error hierarchy (av.error.*)
        raise MediaError(f"cannot read video {p}: {type(exc).__name__}: {exc}") from exc


def image_bytes(image: Image.Image, fmt: str = "JPEG", quality: int = 90) -> bytes:
    buf = io.BytesIO()
    if fmt.upper() == "JPEG":
        image.convert("RGB").save(buf, format="JPEG", quality=quality)
    else:
        image.save(buf, format=fmt.upper())
    return buf.getvalue()


def data_url(image: Image.Image | str | Path, fmt: str = "JPEG") -> str:
    """A ``data:image/...;base64,...`` URL, the form every OpenAI-compatible API accepts.

    A path to a JPEG or PNG file is sent byte for byte (no re-encoding, so no quality loss);
    other files and in-memory frames are encoded as ``fmt``.
    """
    if isinstance(image, (str, Path)) and "#" in str(image):
        from facebench import media  # a video frame or face-crop reference: decode it (lazy: cycle)

        if media.is_ref(str(image)):
            image = media.load_image(str(image))
    if isinstance(image, (str, Path)):
        p = Path(image)
        mime = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png"}.get(p.suffix.lower())
        if mime is not None:
            try:
                raw = p.read_bytes()
            except OSError as exc:
                raise MediaError(f"cannot read image {p}: {exc}") from exc
            # Decode it, so a broken or truncated file fails here, not at the provider.
            try:
                decode_strictly(io.BytesIO(raw))
            except Exception as exc:
                raise MediaError(f"cannot read image {p}: {exc}") from exc
            return f"data:image/{mime};base64,{base64.b64encode(raw).decode()}"
        image = load_image(p)
    mime = "jpeg" if fmt.upper() in ("JPEG", "JPG") else fmt.lower()
    return f"data:image/{mime};base64,{base64.b64encode(image_bytes(image, fmt)).decode()}"


def check_image(path: str | Path) -> str | None:
    """None when a plain image file decodes completely, else a message naming it.

    Fully decoded (see :func:`decode_strictly`), so a truncated JPEG or PNG is caught; the
    preflight memo makes this once per file per run.
    """
    file = Path(path)
    if not file.is_file():
        return f"missing image: {path}"
    try:
        decode_strictly(file)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        # UnidentifiedImageError is an OSError
        return f"corrupt image: {path} ({exc.__class__.__name__}: {exc})"
    return None


def check_video(path: str | Path, num_frames: int | None = None, rule: str = "round") -> str | None:
    """None when a video can be sampled, else a message naming the file and the fault.

    A folder must hold frame images, and the frames that ``num_frames`` would sample must
    decode (all of them when ``num_frames`` is None). A file must open with a video stream and
    decode up to the frame count its header promises (memoised per file: see
    :func:`facebench.media.frames.verify_video`), so a truncated clip is caught before a model
    sees it.
    """
    target = Path(path)
    if target.is_dir():
        try:
            files = _folder_frames(target)
            if num_frames is not None:
                require_frames(target, len(files), num_frames, "frame folder")
                files = [files[i] for i in frame_indices(len(files), num_frames, rule)]
        except MediaError as exc:
            return str(exc)
        for file in files:
            problem = check_image(file)
            if problem:
                return f"{problem} (a frame of {path})"
        return None
    if not target.is_file():
        return f"missing video: {path}"
    from facebench.media.frames import examine  # frames imports this module

    # The one open of the file, memoised (verify_video reads the same memo). With num_frames,
    # a clip the check decodes from its first frame keeps the frames a sample will show (only
    # while a prefetcher runs: see facebench.media.prefetch), so it is decoded once.
    seen = examine(target, None if num_frames is None else (num_frames, rule))
    if seen.open_error is not None:
        return f"corrupt video: {path} ({seen.open_error})"
    if seen.no_stream:
        return f"no video stream in {path}"
    if seen.problem is not None or seen.info is None:
        return f"video {target} {seen.problem or 'cannot be read'}"
    try:
        if num_frames is not None:
            require_frames(path, seen.info.n_frames, num_frames)
    except MediaError as exc:
        return str(exc)
    return None
