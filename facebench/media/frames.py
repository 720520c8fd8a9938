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

One open per file, whatever asks: the header, the first frame and the last group of pictures
are read by one examination (:func:`verify_video`, memoised per file content; :func:`probe`
reads the same memo), so a clip's preflight check opens it once. Whole clips are sampled by
:func:`decode_clip`: it maps every frame index to its exact timestamp from the container's
packet list (read without decoding), seeks to the keyframe before each wanted frame and decodes
forward to it, checking each frame by its timestamp; it decodes sequentially instead wherever
that exact mapping is missing (packets without timestamps, a packet count that differs from the
header's frame count, or a frame that comes back with an unexpected timestamp), so the frames
are always those of a plain sequential decode. ``FACEBENCH_VIDEO_SEEK=0`` forces sequential
decoding (to measure it, or to rule seeking out).
"""

from __future__ import annotations

import bisect
import itertools
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

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


def _file_key(path: str | Path) -> tuple[str, int, int]:
    """``(resolved path, size, mtime)``: the memo key of everything read from a video file."""
    p = Path(path)
    if not p.is_file():
        raise MediaError(f"video {p} does not exist")
    st = p.stat()
    return str(p.resolve()), st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class _Examined:
    """What one open of a video file found (memoised per file content by :func:`_verify`)."""

    #: the header and first frame; None when they cannot be read (``probe_error`` says why)
    info: VideoInfo | None = None
    #: :func:`probe`'s message when ``info`` is None
    probe_error: str | None = None
    #: ``av.open`` itself failed: ``"<ErrorClass>: <message>"`` (a "corrupt video" to the check)
    open_error: str | None = None
    #: the file opened but holds no video stream
    no_stream: bool = False
    #: what is wrong with the video, said after "video <path>"; None when it is whole
    problem: str | None = None


class _NoVideoStream(MediaError):
    pass


#: which frames the examination of the file now being verified should keep (see verify_video)
_hint = threading.local()


def probe(path: str | Path) -> VideoInfo:
    """Frame count, frame rate and first timestamp of a video file (memoised per content)."""
    seen = _verify(*_file_key(path))
    if seen.info is None:
        raise MediaError(seen.probe_error or f"cannot read video {path}")
    return seen.info


def examine(path: str | Path, keep: tuple[int, str] | None = None) -> _Examined:
    """The memoised examination of a video file: :func:`verify_video` without raising.

    ``keep=(num_frames, rule)``: while a media prefetcher is running
    (:mod:`facebench.media.prefetch`) and the check decodes the clip from its first frame (a
    clip that is one group of pictures, as short x264 clips are), the frames a whole-clip
    sample of ``num_frames`` would show are kept for :func:`decode_clip`, so the clip is
    decoded once, not once to check it and again to sample it.
    """
    if keep is not None:
        from facebench.media.prefetch import active

        keep = keep if active() else None
    _hint.keep = keep
    try:
        return _verify(*_file_key(path))
    finally:
        _hint.keep = None


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
    seen = examine(p)
    if seen.problem is not None or seen.info is None:
        raise MediaError(f"video {p} {seen.problem or 'cannot be read'}")
    return seen.info


@lru_cache(maxsize=1024)
def _verify(path: str, size: int, mtime_ns: int) -> _Examined:
    """Open the file once: read its header and first frame, then prove it whole."""
    import av

    try:
        container = av.open(path)
    except (av.error.FFmpegError, OSError) as exc:  # type: ignore[attr-defined]
        cause = f"{type(exc).__name__}: {exc}"
        return _unreadable(f"cannot read video {path}: {cause}", open_error=cause)
    except Exception as exc:  # noqa: BLE001 - av.error.* and friends
        return _unreadable(f"cannot read video {path}: {type(exc).__name__}: {exc}")
    keep = getattr(_hint, "keep", None)
    with container:
        try:
            info, rest, first = _header(container, path)
        except _NoVideoStream as exc:
            return _unreadable(str(exc), no_stream=True)
        except MediaError as exc:
            return _unreadable(str(exc))
        except Exception as exc:  # noqa: BLE001 - av.error.* and friends
            return _unreadable(f"cannot read video {path}: {type(exc).__name__}: {exc}")
        try:
            problem = _whole(container, path, (size, mtime_ns), info, rest, first, keep)
        except MediaError as exc:
            problem = f"cannot be read ({exc})"
        except Exception as exc:  # noqa: BLE001 - av.error.* and friends
            problem = f"cannot be read ({type(exc).__name__}: {exc})"
    return _Examined(info=info, problem=problem)


def _unreadable(message: str, open_error: str | None = None, no_stream: bool = False) -> _Examined:
    return _Examined(
        probe_error=message, open_error=open_error, no_stream=no_stream,
        problem=f"cannot be read ({message})",
    )


def _header(container: Any, path: str) -> tuple[VideoInfo, Iterator[Any], Any]:
    """The probe: frame count, rate and first timestamp; the first frame and the decoder."""
    if not container.streams.video:
        raise _NoVideoStream(f"no video stream in {path}")
    stream = container.streams.video[0]
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    rest = container.decode(stream)
    first = next(rest, None)
    if first is None:
        raise MediaError(f"cannot decode any frame of {path}")
    timed = first.time is not None and fps > 0
    t0 = float(first.time) if timed else 0.0
    n = int(stream.frames or 0)
    counted = n <= 0
    if counted:  # flv and some avi files report no count: count by decoding (no conversion)
        n = 1 + sum(1 for _ in rest)
    if fps <= 0:
        fps = 25.0  # only used for segment references; documented fallback
    return VideoInfo(n_frames=n, fps=fps, t0=t0, timed=timed, counted=counted), rest, first


def _whole(
    container: Any, path: str, stamp: tuple[int, int], info: VideoInfo,
    rest: Iterator[Any], first: Any, keep: tuple[int, str] | None,
) -> str | None:
    """None when the video holds every frame it promises, else what is wrong with it."""
    import av

    if info.counted:
        declared = (container.duration or 0) / av.time_base
        covered = info.n_frames / info.fps
        short = covered < declared * _MIN_DURATION_SHARE and declared - covered > _DURATION_SLACK_S
        if declared > 0 and short:
            return (
                f"is truncated or corrupt: it declares {declared:.2f} s but its "
                f"{info.n_frames} decodable frames last {covered:.2f} s at {info.fps:g} fps"
            )
        return None
    wanted: set[int] = set()
    if keep is not None and info.n_frames >= keep[0]:
        wanted = set(frame_indices(info.n_frames, keep[0], keep[1]))
    kept: dict[int, Image.Image] = {}
    decoded = _frames_to_end(container, path, info, rest, first, wanted, kept)
    if decoded < info.n_frames:  # the fast path failed: the full count is the authority
        decoded = max(decoded, _count_decodable(path))
    if decoded < info.n_frames:
        return (
            f"is truncated or corrupt: its header promises {info.n_frames} frames "
            f"but only {decoded} decode"
        )
    if wanted and len(kept) == len(wanted):
        _stash_put((path, *stamp), kept)
    return None


def _frames_to_end(
    container: Any, path: str, info: VideoInfo, rest: Iterator[Any], first: Any,
    wanted: set[int], kept: dict[int, Image.Image],
) -> int:
    """How many frames decode (the last index + 1), seeking to the last keyframe when timed.

    Decoding stops quietly at damage (a truncated mp4 fails in ``avcodec_send_packet``): the
    count then says how far it got. ``rest`` continues the decode that gave ``first``. When
    the decode runs from the first frame (no seek, or a seek that lands on the first frame)
    each frame's index is its place in decoding order, exactly, and the ``wanted`` ones are
    put in ``kept``.
    """
    import av

    last = info.n_frames - 1
    stream = container.streams.video[0]
    seeked = info.timed and last > 0
    if seeked:
        target = info.t0 + last / info.fps
        try:
            container.seek(int(target / stream.time_base), stream=stream, backward=True)
        except av.error.FFmpegError:  # type: ignore[attr-defined]
            return 0  # the index points past the data (a cut file): the caller counts
        frames: Iterator[Any] = container.decode(stream)
        seen, start, from_start = -1, 0, None
    else:  # counting from the start: the first frame is index 0
        frames, seen, start, from_start = rest, 0, 1, True
        if 0 in wanted:
            kept[0] = _rgb(first)
    try:
        for counted, frame in enumerate(frames, start):
            if from_start is None:  # the first frame after the seek: did it land at the start?
                from_start = frame.pts is not None and frame.pts == first.pts
            if from_start and counted in wanted:
                kept[counted] = _rgb(frame)
            if seeked and frame.time is not None:
                seen = max(seen, round((float(frame.time) - info.t0) * info.fps))
            elif seeked:  # timestamps vanished after the seek: count from the start
                kept.clear()
                return _count_decodable(path)
            else:
                seen = counted
    except av.error.FFmpegError:  # type: ignore[attr-defined]
        kept.clear()
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


def _rgb(frame: Any) -> Image.Image:
    """A decoded frame as an RGB picture (the conversion every path uses, so pixels agree)."""
    image = frame.to_image()
    return image if image.mode == "RGB" else image.convert("RGB")


# -- whole clips: seek to the keyframe before each wanted frame --------------------------------

#: ``FACEBENCH_VIDEO_SEEK=0``: sample whole clips by decoding sequentially from the start
SEEK_ENV = "FACEBENCH_VIDEO_SEEK"
#: seek only when it skips at least this many frames (a seek flushes the decoder)
_SEEK_MIN_SKIP = 4
#: codec threading of the seeking decoder: frame threads would refill their pipeline after
#: every seek (slower, measured); parallelism comes from the prefetcher's workers
_THREAD_TYPE = "SLICE"
#: packet tables kept in memory (a few bytes per frame)
_TABLES_SIZE = 256
_tables: OrderedDict[tuple[str, int, int], _Table | None] = OrderedDict()
_tables_lock = threading.Lock()
#: frames the preflight check decoded for a sample (see verify_video), until a sample takes them
_STASH_BYTES = 128 << 20
_stash: OrderedDict[tuple[tuple[str, int, int], int], Image.Image] = OrderedDict()
_stash_bytes = 0
_stash_lock = threading.Lock()


def seeking_enabled() -> bool:
    return os.environ.get(SEEK_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class _Table:
    """Every frame's timestamp, from the container's packets (demuxed, never decoded).

    ``pts[i]`` is the timestamp of frame ``i`` (presentation order, the order a decoder returns
    frames in), ``rank`` its inverse, ``key_pts`` the keyframes' timestamps (increasing).
    """

    pts: tuple[int, ...]
    rank: dict[int, int]
    key_pts: tuple[int, ...]


def _stash_put(key: tuple[str, int, int], frames: dict[int, Image.Image]) -> None:
    global _stash_bytes
    with _stash_lock:
        for index, image in frames.items():
            old = _stash.pop((key, index), None)
            if old is not None:
                _stash_bytes -= _image_bytes(old)
            _stash[(key, index)] = image
            _stash_bytes += _image_bytes(image)
        while _stash_bytes > _STASH_BYTES and _stash:
            _, dropped = _stash.popitem(last=False)
            _stash_bytes -= _image_bytes(dropped)


def _stash_take(key: tuple[str, int, int], wanted: list[int]) -> dict[int, Image.Image]:
    global _stash_bytes
    got = {}
    with _stash_lock:
        for index in wanted:
            image = _stash.pop((key, index), None)
            if image is not None:
                _stash_bytes -= _image_bytes(image)
                got[index] = image
    return got


def _image_bytes(image: Image.Image) -> int:
    return image.width * image.height * len(image.getbands())


def decode_clip(path: str | Path, wanted: list[int], n_frames: int) -> list[Image.Image]:
    """The frames at ``wanted`` (sorted, distinct) of a clip whose header counts ``n_frames``.

    The same frames as a sequential decode (:func:`facebench.media.files._decode_selected`,
    which it falls back to, and which reports a truncated file), reached by seeking where the
    container's timestamps allow an exact mapping from index to frame (see the module
    docstring), and taken from the preflight check's decode when it kept them.
    """
    from facebench.media.files import _decode_selected

    p = Path(path)
    key = _file_key(p)
    got = _stash_take(key, wanted)
    missing = [i for i in wanted if i not in got]
    if missing and seeking_enabled():
        decoded = _decode_seeking(p, key, missing, n_frames)
        if decoded is not None:
            got.update(decoded)
            missing = []
    if missing:  # sequential, all of them: the one authority on what a file holds
        return _decode_selected(p, wanted, n_frames)
    return [got[i] for i in wanted]


def _packet_table(container: Any, stream: Any) -> _Table | None:
    """The timestamps of every packet of ``stream``; None where they cannot index frames."""
    stamps: list[int] = []
    keys: list[int] = []
    for packet in container.demux(stream):
        if packet.size == 0:  # the flush packet at the end
            continue
        if packet.pts is None or packet.is_discard or packet.is_corrupt:
            return None
        stamps.append(packet.pts)
        if packet.is_keyframe:
            keys.append(packet.pts)
    ordered = sorted(stamps)
    if not keys or len(set(ordered)) != len(ordered) or ordered[0] != keys[0]:
        return None  # repeated timestamps, or frames shown before the first keyframe
    if any(b <= a for a, b in itertools.pairwise(keys)):
        return None  # keyframes out of presentation order
    return _Table(pts=tuple(ordered), rank={t: i for i, t in enumerate(ordered)}, key_pts=tuple(keys))


def _table_for(key: tuple[str, int, int], container: Any, stream: Any) -> _Table | None:
    with _tables_lock:
        if key in _tables:
            _tables.move_to_end(key)
            return _tables[key]
    table = _packet_table(container, stream)
    with _tables_lock:
        _tables[key] = table
        while len(_tables) > _TABLES_SIZE:
            _tables.popitem(last=False)
    return table


def _decode_seeking(
    path: Path, key: tuple[str, int, int], wanted: list[int], n_frames: int
) -> dict[int, Image.Image] | None:
    """``wanted`` frames by seeking; None when that cannot be exact (decode sequentially then).

    Frame ``i`` is the frame whose timestamp is the ``i``-th smallest of the packets', which is
    decoding order when each packet holds one frame (checked: as many packets as the header
    counts frames). For each wanted frame: seek to the last keyframe shown at or before it,
    unless the decoder is already past that keyframe, and decode forward until the frame with
    its timestamp comes out. A frame is taken only from a decode that began at a keyframe shown
    no later than it, and any surprise (a timestamp not in the table, the wanted timestamp
    stepped over, damage) gives up on seeking for this clip.
    """
    import av

    out: dict[int, Image.Image] = {}
    want = set(wanted)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            table = _table_for(key, container, stream)
            if table is None or len(table.pts) != n_frames:
                return None
            stream.thread_type = _THREAD_TYPE
            frames: Iterator[Any] | None = None
            floor = 0  # frames shown before this timestamp may lack their references
            last = -1  # the index of the last frame decoded
            for i in wanted:
                if i in out:
                    continue
                target = table.pts[i]
                k = bisect.bisect_right(table.key_pts, target) - 1
                if k < 0:
                    return None
                if frames is None or table.rank[table.key_pts[k]] > last + _SEEK_MIN_SKIP:
                    container.seek(table.key_pts[k], stream=stream, backward=True)
                    frames = container.decode(stream)
                    floor, last = table.key_pts[k], -1
                for frame in frames:
                    rank = table.rank.get(frame.pts) if frame.pts is not None else None
                    if rank is None:
                        return None
                    last = rank
                    if rank in want and rank not in out and frame.pts >= floor:
                        out[rank] = _rgb(frame)
                    if rank >= i:
                        break
                if i not in out:
                    return None  # the frame never came out (stepped over, or the decode ended)
    except Exception:  # noqa: BLE001 - damage or a demuxer surprise: the sequential decode reports it
        return None
    return out


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
        tmp = target.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp.png")
        image.save(tmp)
        tmp.replace(target)
    return target
