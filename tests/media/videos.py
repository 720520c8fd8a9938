"""Small real videos with the structures seeking must get right: keyframes every few frames,
B-frames (decoding order differs from display order), open GOPs, a variable frame rate, no
timestamps at all (a raw H.264 stream), and an avi whose header miscounts its frames."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from facebench.fixtures.videos import video_frames


def moving_frames(n: int, size: int = 64) -> list[Image.Image]:
    """``n`` distinct frames: a cartoon face moving one pixel per frame."""
    return video_frames(n, variant=3, seed=2, size=size)


def write(
    path: Path,
    n: int = 60,
    codec: str = "libx264",
    gop: int | None = 8,
    options: dict[str, str] | None = None,
    fps: int = 25,
    vfr: bool = False,
    fmt: str | None = None,
    faststart: bool = False,
) -> Path:
    """Encode ``n`` frames; ``vfr`` spaces frames 40 or 90 ms apart (a variable frame rate);
    ``faststart`` writes an mp4's index first (such a file still opens when cut short)."""
    frames = moving_frames(n)
    path.parent.mkdir(parents=True, exist_ok=True)
    muxer = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", format=fmt, options=muxer) as container:
        stream = container.add_stream(codec, rate=fps, options=options or {})
        stream.width, stream.height = frames[0].size
        stream.pix_fmt = "yuv420p"
        if gop is not None:
            stream.codec_context.gop_size = gop
        if codec != "libx264":
            stream.bit_rate = 400_000
            stream.codec_context.time_base = Fraction(1, fps)
        if vfr:
            stream.time_base = Fraction(1, 1000)
        t = 0
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_image(image)
            if vfr:
                frame.pts, frame.time_base = t, Fraction(1, 1000)
                t += 40 if i % 3 else 90
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


#: name -> how to write it; every one but "raw" and "single_gop" is sampled by seeking
KINDS = {
    "x264_gop8": {"options": {"preset": "ultrafast"}},
    "x264_bframes": {"gop": 10, "options": {"preset": "medium"}},  # 3 B-frames, b-pyramid
    "x264_open_gop": {"gop": None, "options": {"x264-params": "keyint=12:open-gop=1"}},
    "x264_vfr": {"gop": 10, "options": {"preset": "medium"}, "vfr": True},
    "single_gop": {"gop": None, "options": {"preset": "medium"}},  # x264's keyint 250
    "mpeg4_avi": {"codec": "mpeg4"},
    "flv": {"codec": "flv"},
    "raw": {"fmt": "h264", "options": {"preset": "ultrafast"}},  # no timestamps
}
SUFFIX = {"mpeg4_avi": ".avi", "flv": ".flv", "raw": ".h264"}


def make(kind: str, folder: Path, n: int = 60) -> Path:
    return write(folder / f"{kind}{SUFFIX.get(kind, '.mp4')}", n=n, **KINDS[kind])  # type: ignore[arg-type]


def sequential(path: Path) -> list[np.ndarray]:
    """Every frame of a plain decode from the start: the reference for what frame i is."""
    with av.open(str(path)) as container:
        return [np.asarray(f.to_image().convert("RGB")) for f in container.decode(container.streams.video[0])]


def with_header_count(src: Path, dst: Path, count: int) -> Path:
    """A copy of an avi whose stream header (``strh`` dwLength) claims ``count`` frames."""
    raw = bytearray(src.read_bytes())
    at = raw.index(b"strh") + 8 + 32
    struct.pack_into("<I", raw, at, count)
    dst.write_bytes(bytes(raw))
    return dst


def same(images, expected) -> list[bool]:
    return [np.array_equal(np.asarray(a), b) for a, b in zip(images, expected, strict=True)]
