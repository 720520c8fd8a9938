"""Decoding what a media reference names: one frame of a video, or frames of a time segment.

Whole videos and frame folders are sampled by :func:`facebench.media.files.sample_frames`
(the one shared uniform sampler); this module adds the two partial forms of
:mod:`facebench.media.refs`:

- ``video#frame=N``: frame ``N`` (0-based, decoding order). DISFA asks 8 yes/no questions about
  each annotated frame of 4,845-frame videos, so a frame is reached by *seeking* to the
  keyframe before it (not by decoding from the start), and the last few decoded frames are
  kept in memory, so the 8 questions of one frame decode it once.
- ``video#start=S&end=E``: the frames whose timestamps fall in ``[S, E)`` seconds; ``k`` of
  them are chosen with the same ``linspace(0, n - 1, k)`` rule as whole videos, rounded or
  ``floor`` as the reference asks (FaceForensics++ 3-second chunks).

A frame's index is computed from its timestamp: ``round((t - t0) * fps)``, with ``t0`` the
first frame's timestamp. This matches decoding order for the constant-frame-rate videos of
these datasets; when a container has no timestamps the code falls back to counting frames
from the start, which is always right, only slower.

A frame that does not decode is an error, never a stand-in: a truncated file whose header
still promises every frame would otherwise be answered from its last good frame.
:func:`verify_video` (used by the preflight check, memoised per file) proves that the last
frame a header promises decodes, so a truncated video becomes an error row before any model
sees it.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image

from facebench.media.cache import cache_dir, file_fingerprint
from facebench.media.files import MediaError, frame_indices

#: decoded frames kept in memory, per process (the per-AU questions of one frame are adjacent)
_FRAME_CACHE_SIZE = 64
_frame_cache: OrderedDict[tuple[str, int], Image.Image] = OrderedDict()
#: API adapters fetch media from worker threads
_frame_lock = threading.Lock()


@dataclass(frozen=True)
class VideoInfo:
    """What a video's header (plus at most one decoded frame) says about its timing."""

    n_frames: int
    fps: float
    #: timestamp of the first frame in seconds (often 0; not for every mp4)
    t0: float
    #: False when frames carry no timestamps: then frames are found by counting
    timed: bool
    #: True when the header had no frame count and ``n_frames`` was counted by decoding
    counted: bool = False

    @property
    def duration(self) -> float:
        return self.n_frames / self.fps


def probe(path: str | Path) -> VideoInfo:
    """Frame count, frame rate and first timestamp of a video file (memoised per content)."""
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"video {p} does not exist")
    st = p.stat()
    return _probe(str(p.resolve()), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=1024)
def _probe(path: str, size: int, mtime_ns: int) -> VideoInfo:
    import av

    try:
        with av.open(path) as container:
            if not container.streams.video:
                raise MediaError(f"no video stream in {path}")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or stream.base_rate
            fps = float(rate) if rate else 0.0
            first = next(container.decode(stream), None)
            if first is None:
                raise MediaError(f"cannot decode any frame of {path}")
            timed = first.time is not None and fps > 0
            t0 = float(first.time) if timed else 0.0
            n = int(stream.frames or 0)
        counted = n <= 0
        if counted:  # flv and some avi files report no count: count by decoding (no conversion)
            with av.open(path) as container:
                n = sum(1 for _ in container.decode(container.streams.video[0]))
    except MediaError:
        raise
    except Exception as exc:  # av.error.* and friends
        raise MediaError(f"cannot read video {path}: {type(exc).__name__}: {exc}") from exc
    if fps <= 0:
        fps = 25.0  # only used for segment references; documented fallback
    return VideoInfo(n_frames=n, fps=fps, t0=t0, timed=timed, counted=counted)


#: a counted (header-less) video must cover this share of the container's declared duration
_MIN_DURATION_SHARE = 0.9
#: ... unless it falls short by less than this many seconds (audio often outlasts the video)
_DURATION_SLACK_S = 0.5


def verify_video(path: str | Path) -> VideoInfo:
    """:func:`probe`, plus proof that the video is not truncated; raises :class:`MediaError`.

    With a frame count in the header (mp4, avi), the last promised frame must decode: a seek to
    its keyframe and a decode of the last group of pictures, so a multi-GB video costs one
    GOP (only when that fails are all frames counted, for an exact message). Without one (flv,
    mkv), the frames were counted by decoding, and they must cover the duration the container
    declares (at least 90%, or all but 0.5 s: audio can outlast the
    video a little), which catches a flv cut short. Memoised per file content, problems too,
    so the 8 questions of each of a DISFA video's frames check it once.
    """
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"video {p} does not exist")
    st = p.stat()
    problem, info = _verify(str(p.resolve()), st.st_size, st.st_mtime_ns)
    if problem is not None or info is None:
        raise MediaError(f"video {p} {problem or 'cannot be read'}")
    return info


@lru_cache(maxsize=1024)
def _verify(path: str, size: int, mtime_ns: int) -> tuple[str | None, VideoInfo | None]:
    """(what is wrong, said after "video <path>"; or None, and the probe)."""
    import av

    try:
        info = _probe(path, size, mtime_ns)
        if info.counted:
            with av.open(path) as container:
                declared = (container.duration or 0) / av.time_base
            covered = info.n_frames / info.fps
            short = covered < declared * _MIN_DURATION_SHARE and declared - covered > _DURATION_SLACK_S
            if declared > 0 and short:
                return (
                    f"is truncated or corrupt: it declares {declared:.2f} s but its "
                    f"{info.n_frames} decodable frames last {covered:.2f} s at {info.fps:g} fps",
                    None,
                )
            return None, info
        decoded = _frames_to_end(path, info)
        if decoded < info.n_frames:  # the fast path failed: the full count is the authority
            decoded = max(decoded, _count_decodable(path))
    except MediaError as exc:
        return f"cannot be read ({exc})", None
    except Exception as exc:  # av.error.* and friends
        return f"cannot be read ({type(exc).__name__}: {exc})", None
    if decoded < info.n_frames:
        return (
            f"is truncated or corrupt: its header promises {info.n_frames} frames "
            f"but only {decoded} decode",
            None,
        )
    return None, info


def _frames_to_end(path: str, info: VideoInfo) -> int:
    """How many frames decode (the last index + 1), seeking to the last keyframe when timed.

    Decoding stops quietly at damage (a truncated mp4 fails in ``avcodec_send_packet``): the
    count then says how far it got.
    """
    import av

    last = info.n_frames - 1
    seen = -1
    with av.open(path) as container:
        stream = container.streams.video[0]
        seeked = info.timed and last > 0
        if seeked:
            target = info.t0 + last / info.fps
            try:
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
            except av.error.FFmpegError:  # type: ignore[attr-defined]
                return 0  # the index points past the data (a cut file): the caller counts
        try:
            for counted, frame in enumerate(container.decode(stream)):
                if seeked and frame.time is not None:
                    seen = max(seen, round((float(frame.time) - info.t0) * info.fps))
                elif seeked:  # timestamps vanished after the seek: count from the start
                    return _count_decodable(path)
                else:
                    seen = counted
        except av.error.FFmpegError:  # type: ignore[attr-defined]
            pass
    return seen + 1


def _count_decodable(path: str) -> int:
    import av

    n = 0
    with av.open(path) as container:
        try:
            for _ in container.decode(container.streams.video[0]):
                n += 1
        except av.error.FFmpegError:  # type: ignore[attr-defined]
            pass
    return n


def decode_frames(path: str | Path, indices: list[int]) -> list[Image.Image]:
    """RGB frames at the given 0-based indices (sorted or not; repeats allowed).

    Seeks to the keyframe before the first wanted frame and decodes forward. An index that
    does not decode (past the end of a truncated file) raises :class:`MediaError` naming the
    file and the counts, as :func:`facebench.media.files.sample_frames` does.
    """
    if not indices:
        return []
    p = str(Path(path))
    info = probe(p)
    key = file_fingerprint(p)
    got: dict[int, Image.Image] = {}
    missing = []
    with _frame_lock:
        for i in sorted(set(indices)):
            cached = _frame_cache.get((key, i))
            if cached is not None:
                _frame_cache.move_to_end((key, i))
                got[i] = cached
            else:
                missing.append(i)
    if missing:
        try:
            decoded = _decode(p, info, missing)
        except MediaError:
            raise
        except Exception as exc:
            raise MediaError(f"cannot read video {p}: {type(exc).__name__}: {exc}") from exc
        lost = [i for i in missing if i not in decoded]
        if lost:
            past = [i for i in lost if i >= info.n_frames]
            if past:
                raise MediaError(f"frame {past[0]} is past the end of {p} ({info.n_frames} frames)")
            raise MediaError(
                f"video {p} is truncated or corrupt: its header promises {info.n_frames} frames "
                f"but frame {lost[0]} does not decode ({len(lost)} of the "
                f"{len(set(indices))} frames asked for are missing)"
            )
        with _frame_lock:
            for i in missing:
                got[i] = _frame_cache[(key, i)] = decoded[i]
            while len(_frame_cache) > _FRAME_CACHE_SIZE:
                _frame_cache.popitem(last=False)
    return [got[i] for i in indices]


def _decode(path: str, info: VideoInfo, wanted: list[int]) -> dict[int, Image.Image]:
    import av

    want = set(wanted)
    first, last = wanted[0], wanted[-1]
    out: dict[int, Image.Image] = {}
    highest = -1
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        seeked = info.timed and first > 0
        if seeked:
            target = info.t0 + first / info.fps
            container.seek(int(target / stream.time_base), stream=stream, backward=True, any_frame=False)
        try:
            for counted, frame in enumerate(container.decode(stream)):
                if info.timed and frame.time is not None:
                    index = round((float(frame.time) - info.t0) * info.fps)
                elif seeked:  # timestamps vanished after a seek: count from the start instead
                    return _decode_counting(path, wanted)
                else:
                    index = counted
                if seeked and counted == 0 and index > first:
                    # the seek landed past the wanted frame (imprecise index): count from the start
                    return _decode_counting(path, wanted)
                highest = max(highest, index)
                if index in want and index not in out:
                    out[index] = frame.to_image().convert("RGB")
                if index >= last:
                    break
        except av.error.FFmpegError:  # type: ignore[attr-defined]
            pass  # damage (a truncated file): the frames not reached are reported by the caller
    if info.timed and any(i not in out for i in wanted if i <= highest):
        # a wanted index was stepped over (a timestamp gap): counting is always right
        return _decode_counting(path, wanted)
    return out


def _decode_counting(path: str, wanted: list[int]) -> dict[int, Image.Image]:
    import av

    want, last = set(wanted), wanted[-1]
    out: dict[int, Image.Image] = {}
    with av.open(path) as container:
        try:
            for index, frame in enumerate(container.decode(container.streams.video[0])):
                if index in want:
                    out[index] = frame.to_image().convert("RGB")
                if index >= last:
                    break
        except av.error.FFmpegError:  # type: ignore[attr-defined]
            pass  # damage: the frames not reached are reported by the caller
    return out


def segment_indices(
    info: VideoInfo, start: float, end: float, k: int, rule: str = "round"
) -> list[int]:
    """``k`` frame indices spread uniformly (``rule``: :func:`~facebench.media.files.frame_indices`)
    over the frames timed in ``[start, end)`` seconds.

    A frame ``i`` is shown at ``i / fps`` seconds, so the segment holds frames
    ``ceil(start * fps) .. ceil(end * fps) - 1`` (clipped to the video).
    """
    eps = 1e-6
    lo = math.ceil(start * info.fps - eps)
    hi = min(math.ceil(end * info.fps - eps), info.n_frames)
    if hi <= lo:
        raise MediaError(
            f"segment [{start:g}, {end:g}) s is past the end of the video "
            f"({info.n_frames} frames at {info.fps:g} fps = {info.duration:.2f} s)"
        )
    return [lo + i for i in frame_indices(hi - lo, k, rule)]


def chunk_spans(duration: float, seconds: float, min_tail: float) -> list[tuple[float, float]]:
    """Consecutive ``[start, end)`` spans of ``seconds`` covering a video of ``duration``.

    The last, shorter span is kept when it lasts at least ``min_tail`` seconds, else dropped
    (a 0.2 s tail is a handful of frames, not a chunk); a video shorter than one chunk is one
    span of its whole length.
    """
    if duration <= 0:
        return []
    spans = []
    start = 0.0
    while start + seconds <= duration + 1e-6:
        spans.append((start, start + seconds))
        start += seconds
    tail = duration - start
    if tail > 1e-6 and (tail >= min_tail or not spans):
        spans.append((start, duration))
    return spans


def save_frame(path: str | Path, index: int) -> Path:
    """Frame ``index`` of a video as a PNG file in the on-disk frame cache.

    For adapters that must hand a model a file path rather than pixels. Keyed by the video's
    content fingerprint and the frame index, written once, atomically.
    """
    target = cache_dir("frames") / f"{file_fingerprint(path)}_{index:07d}.png"
    if not target.is_file():
        image = decode_frames(path, [index])[0]
        tmp = target.with_suffix(".tmp.png")
        image.save(tmp)
        tmp.replace(target)
    return target
