"""Plain media files: images, base64 data URLs and uniform video frame sampling.

(:mod:`facebench.media` adds references into videos and face crops on top of these.)

Every adapter must show a model the *same* frames for the same video and ``num_frames``, or
two adapters (or two runs) would not be comparable. So frame selection lives here, once:
``numpy.linspace(0, n - 1, k)`` rounded to the nearest index, the rule most video-LLM papers use.

A video is either a container file that PyAV can read (mp4, avi, flv, mkv, webm, ...) or a
folder of frame images (jpg/png, sorted by name). Decoding is lazy and one video at a time:
only the selected frames are converted to images, so a long video never sits in memory.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

FRAME_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")


class MediaError(ValueError):
    """A media file that cannot be read; the message names the file and the cause."""


def load_image(path: str | Path) -> Image.Image:
    """Open an image as RGB, fully loaded (so the file handle is closed at once)."""
    try:
        with Image.open(path) as im:
            return im.convert("RGB")
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot read image {path}: {exc}") from exc


def frame_indices(n_frames: int, k: int) -> list[int]:
    """``k`` indices spread uniformly over ``n_frames`` (first and last included).

    Fewer frames than asked gives every frame once rather than repeating frames.
    """
    if n_frames <= 0:
        raise MediaError("video has no frames")
    if k <= 0:
        raise MediaError(f"num_frames must be positive, got {k}")
    if k >= n_frames:
        return list(range(n_frames))
    return [int(i) for i in np.round(np.linspace(0, n_frames - 1, k)).astype(int)]


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


def _decode_selected(path: Path, wanted: list[int]) -> list[Image.Image]:
    import av

    want = set(wanted)
    got: dict[int, Image.Image] = {}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for i, frame in enumerate(container.decode(stream)):
            if i in want:
                got[i] = frame.to_image().convert("RGB")
            if i >= wanted[-1]:
                break
    if not got:
        raise MediaError(f"cannot decode any frame of {path}")
    # A container that over-reports its length: repeat the last decoded frame for the tail.
    last = got[max(got)]
    return [got.get(i, last) for i in wanted]


def sample_frames(path: str | Path, num_frames: int) -> list[Image.Image]:
    """``num_frames`` RGB frames sampled uniformly from a video file or a folder of frames."""
    p = Path(path)
    try:
        if p.is_dir():
            files = _folder_frames(p)
            return [load_image(files[i]) for i in frame_indices(len(files), num_frames)]
        if not p.is_file():
            raise MediaError(f"video {p} does not exist")
        return _decode_selected(p, frame_indices(_count_frames(p), num_frames))
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
            # Verify it is really an image, so a broken file fails here, not at the provider.
            try:
                with Image.open(io.BytesIO(raw)) as im:
                    im.verify()
            except Exception as exc:
                raise MediaError(f"cannot read image {p}: {exc}") from exc
            return f"data:image/{mime};base64,{base64.b64encode(raw).decode()}"
        image = load_image(p)
    mime = "jpeg" if fmt.upper() in ("JPEG", "JPG") else fmt.lower()
    return f"data:image/{mime};base64,{base64.b64encode(image_bytes(image, fmt)).decode()}"


def check_image(path: str) -> str | None:
    """None when a plain image file opens and verifies, else a message naming it."""
    from PIL import UnidentifiedImageError

    file = Path(path)
    if not file.is_file():
        return f"missing image: {path}"
    try:
        with Image.open(file) as im:
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"corrupt image: {path} ({exc.__class__.__name__}: {exc})"
    return None


def check_video(path: str) -> str | None:
    """A video is a file PyAV can open with a video stream, or a folder of frame images."""
    target = Path(path)
    if target.is_dir():
        if not any(f.suffix.lower() in {".jpg", ".jpeg", ".png"} for f in target.iterdir()):
            return f"frame folder has no images: {path}"
        return None
    if not target.is_file():
        return f"missing video: {path}"
    import av

    try:
        with av.open(str(target)) as container:
            if not container.streams.video:
                return f"no video stream in {path}"
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        return f"corrupt video: {path} ({exc.__class__.__name__}: {exc})"
    return None
