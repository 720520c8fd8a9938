"""Video decoding throughput: sequential vs seeking decode, and the media prefetcher's pool.

    PYTHONPATH=. python benchmarks/bench_video.py [--clips 8] [--seconds 5] [--num-frames 8]
        [--kinds dfew,gop12,hd,cremad,avi] [--model-ms 0] [--repeats 3] [--tree DIR]

Writes clips of realistic length (``--seconds`` at 25-30 fps) in the structures the datasets
ship, then times, per kind, what a run does per request: the preflight check
(:func:`facebench.engine.preflight.check_request_media`) plus the frames the adapter samples
(:func:`facebench.media.sample_frames`), with every memo cleared between measurements (each
clip is seen for the first time, as in a run; the files sit in the OS page cache).

Modes:

- ``sequential``: decode from the first frame to the last wanted one (``FACEBENCH_VIDEO_SEEK=0``),
  in the calling thread: the old path, less its extra opens (``--tree`` measures the old code);
- ``seek``: seek to the keyframe before each wanted frame, in the calling thread;
  both then spend ``--model-ms`` per batch of 8 "running the model", decoding nothing meanwhile;
- ``prefetch-N``: :class:`facebench.media.prefetch.MediaPrefetcher` with N workers feeding a
  batched consumer (batch 8) that takes the frames and then spends ``--model-ms`` per batch
  "running the model" while the feeder checks and the workers decode the next requests
  (0: pure decoding throughput; with a model time, the ideal is the model time alone).

Kinds (``--kinds``): ``dfew`` 224x224 H.264 mp4 with B-frames and x264's default keyframe
interval (250: a short clip is one group of pictures, so every frame is decoded whatever the
seeking), ``gop12`` the same with a keyframe every 12 frames, ``hd`` 640x360 at 30 fps with a
keyframe every 30 (FaceForensics++-like), ``cremad`` 480x360 Sorenson flv at 30 fps (keyframe
every 12; no frame count in the header, so the check counts frames by decoding), ``avi`` MPEG-4
Part 2 avi, keyframe every 12.

Prints clips/s, frames/s (sampled frames handed to the adapter per second), wall ms per clip
and CPU ms per clip (all threads: the work done, which a busy machine disturbs less than the
wall time), medians of ``--repeats`` with the modes interleaved. No assertions: the numbers
depend on the machine (say how many cores it had and what else ran).
``--tree DIR`` imports facebench from another checkout (e.g. ``git archive HEAD | tar -x -C
/tmp/old``) to time the code before a change with the same clips; modes it lacks are skipped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: kind -> (suffix, codec, size, fps, keyframe interval or None, codec options)
KINDS: dict[str, tuple[str, str, int | tuple[int, int], int, int | None, dict[str, str]]] = {
    "dfew": (".mp4", "libx264", 224, 25, None, {"preset": "medium"}),
    "gop12": (".mp4", "libx264", 224, 25, 12, {"preset": "medium"}),
    "hd": (".mp4", "libx264", (640, 360), 30, 30, {"preset": "fast"}),
    "cremad": (".flv", "flv", (480, 360), 30, 12, {}),
    "avi": (".avi", "mpeg4", 224, 25, 12, {}),
}


def write_clip(path: Path, kind: str, seconds: float, seed: int) -> Path:
    import av

    from facebench.fixtures.images import face_image

    _, codec, size, fps, gop, options = KINDS[kind]
    w, h = (size, size) if isinstance(size, int) else size
    n = round(seconds * fps)
    base = face_image(seed % 6, seed, max(w, h) + 64).resize((w + 64, h + 64))
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        if gop is not None:
            stream.codec_context.gop_size = gop
        if codec != "libx264":
            stream.bit_rate = 1_500_000
            stream.codec_context.time_base = Fraction(1, fps)
        for i in range(n):  # the face drifts across the frame, one pixel a frame
            dx, dy = i % 64, (i // 2) % 64
            frame = av.VideoFrame.from_image(base.crop((dx, dy, dx + w, dy + h)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _cpu_s() -> float:
    """CPU seconds of this process, every thread (codec threads included)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _clear_memos() -> None:
    from facebench.media import frames as F

    for name in ("_verify", "_probe"):
        fn = getattr(F, name, None)
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()
    for name in ("_tables", "_stash", "_frame_cache"):
        memo = getattr(F, name, None)
        if memo is not None:
            memo.clear()
    if hasattr(F, "_stash_bytes"):
        F._stash_bytes = 0


def _requests(clips: list[Path], num_frames: int) -> list[Any]:
    from facebench.types import GenerationSettings, Message, Part, Request

    return [
        Request(
            task="bench", sample_id=str(i), key=str(i),
            messages=(Message("user", (Part.video(str(c)), Part.text("Which emotion?"))),),
            generation=GenerationSettings(num_frames=num_frames),
        )
        for i, c in enumerate(clips)
    ]


def run_serial(requests: list[Any], seek: bool, model_s: float = 0.0, batch: int = 8) -> int:
    """Preflight + sample, one request after another in this thread, then the "model" for
    each batch of ``batch`` (the old adapters)."""
    from facebench import media
    from facebench.engine.preflight import check_request_media

    os.environ["FACEBENCH_VIDEO_SEEK"] = "1" if seek else "0"
    seen: dict = {}
    frames = 0
    for start in range(0, len(requests), batch):
        for r in requests[start : start + batch]:
            if check_request_media(r, seen) is None:
                frames += len(media.sample_frames(r.messages[0].content[0].value, r.generation.num_frames))
        if model_s:
            time.sleep(model_s)
    return frames


def run_prefetch(requests: list[Any], workers: int, model_s: float, batch: int = 8) -> int:
    """The engine's stream (preflight as it is pulled) through a prefetcher, consumed in
    batches as ``Adapter.generate_each`` does."""
    from itertools import islice

    from facebench import media
    from facebench.engine.preflight import check_request_media
    from facebench.media.prefetch import MediaPrefetcher

    os.environ["FACEBENCH_VIDEO_SEEK"] = "1"
    seen: dict = {}

    def sendable():
        for i, r in enumerate(requests):
            if check_request_media(r, seen) is None:
                yield i, r

    frames = errors = 0
    with MediaPrefetcher(workers=workers, ahead=batch) as pool:
        emit = pool.emitter(lambda key, response: None)
        source = pool.stream(sendable())
        while chunk := list(islice(source, batch)):
            for _, r in chunk:
                try:
                    frames += len(media.sample_frames(r.messages[0].content[0].value, r.generation.num_frames))
                except Exception:  # noqa: BLE001 - an error row; none expected here
                    errors += 1
            if model_s:
                time.sleep(model_s)
            for key, _ in chunk:
                emit(key, None)
    if errors:
        print(f"  ({errors} requests failed to decode)")
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=8, help="clips per kind")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--num-frames", type=int, default=8)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--model-ms", type=float, default=0.0, help="simulated model time per batch of 8")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tree", type=Path, default=None, help="import facebench from this checkout")
    parser.add_argument("--data", type=Path, default=None, help="keep the clips here (default: a temp dir)")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree.resolve() if args.tree else ROOT))

    import facebench

    try:
        from facebench.media import prefetch  # noqa: F401

        have_prefetch = True
    except ImportError:
        have_prefetch = False
    print(f"facebench from {Path(facebench.__file__).parent}; {os.cpu_count()} CPUs; "
          f"{args.clips} clips per kind, {args.seconds:g} s each, num_frames={args.num_frames}, "
          f"model {args.model_ms:g} ms per batch of 8; median of {args.repeats}")
    workdir = args.data or Path(tempfile.mkdtemp(prefix="bench_video_"))
    workdir.mkdir(parents=True, exist_ok=True)
    model_s = args.model_ms / 1000
    modes: list[tuple[str, Any]] = [
        ("sequential", lambda reqs: run_serial(reqs, seek=False, model_s=model_s)),
        ("seek", lambda reqs: run_serial(reqs, seek=True, model_s=model_s)),
    ]
    if have_prefetch:
        for w in (int(x) for x in args.workers.split(",")):
            modes.append((f"prefetch-{w}", lambda reqs, w=w: run_prefetch(reqs, w, model_s)))
    print(f"{'kind':8s} {'mode':12s} {'clips/s':>9s} {'frames/s':>9s} {'ms/clip':>8s} {'cpu ms/clip':>11s}")
    for kind in args.kinds.split(","):
        suffix = KINDS[kind][0]
        clips = []
        for i in range(args.clips):
            path = workdir / f"{kind}_{i:02d}{suffix}"
            if not path.is_file():
                write_clip(path, kind, args.seconds, seed=i)
            clips.append(path)
        requests = _requests(clips, args.num_frames)
        _clear_memos()
        run_serial(requests, seek=True)  # warm the page cache and imports
        walls: dict[str, list[float]] = {name: [] for name, _ in modes}
        cpus: dict[str, list[float]] = {name: [] for name, _ in modes}
        frames: dict[str, int] = {}
        for _ in range(args.repeats):  # modes interleaved, so a busy moment hits them alike
            for name, fn in modes:
                _clear_memos()
                cpu, t = _cpu_s(), time.perf_counter()
                frames[name] = fn(requests)
                walls[name].append(time.perf_counter() - t)
                cpus[name].append(_cpu_s() - cpu)
        for name, _ in modes:
            dt, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
            print(f"{kind:8s} {name:12s} {len(clips) / dt:9.1f} {frames[name] / dt:9.0f} "
                  f"{1000 * dt / len(clips):8.1f} {1000 * cpu / len(clips):11.1f}", flush=True)
    os.environ.pop("FACEBENCH_VIDEO_SEEK", None)


if __name__ == "__main__":
    main()
