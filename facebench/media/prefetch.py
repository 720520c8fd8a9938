"""Decoding the media of a stream of requests ahead of the model, in a small pool of threads.

A local adapter (``hf``, ``vllm``, ``lm-eval``) used to decode each request's pictures and
video frames in its own thread, one request after another, while the accelerator waited. A
:class:`MediaPrefetcher` decodes them in worker threads a bounded number of requests ahead::

    def generate_each(self, requests, emit):
        with MediaPrefetcher(ahead=self.settings.batch_size) as media:
            super().generate_each(media.stream(requests), media.emitter(emit))

- :meth:`MediaPrefetcher.stream` yields the same ``(key, request)`` pairs in the same order.
  A feeder thread pulls them from the engine (whose preflight check runs as it yields, so it
  overlaps the model too) at most ``ahead`` requests ahead of the adapter, and hands each
  one's media to the pool as it is pulled: ``image`` parts to
  :func:`facebench.media.load_image`, ``video`` parts to :func:`facebench.media.sample_frames`
  with the request's ``num_frames``. Requests showing the same media (CelebA's 40 questions
  about one image) share one decode. Pulling the engine's stream and emitting an answer
  never overlap, so the engine's callbacks (saving an error row found by the check, saving
  an answer) run one at a time, as before.
- Inside the ``with``, :func:`facebench.media.load_image` and
  :func:`~facebench.media.sample_frames` called in the adapter's thread for a part that is
  being prefetched return its result, waiting for it if it is not ready. A decode that failed
  raises the very exception it raised in the worker, so it becomes that request's error row,
  exactly as when the adapter decoded it itself; anything not prefetched is decoded on the spot.
- Memory stays bounded: a result is dropped once the adapter has taken it, or once its
  request's answer is emitted (:meth:`MediaPrefetcher.emitter`), so at most ``ahead``
  requests' media wait in memory besides the batch the adapter holds.

The pool has ``FACEBENCH_MEDIA_WORKERS`` threads (default ``min(4, CPU count)``; ``0`` turns
prefetching off, and media are decoded in the adapter's thread as before);
``FACEBENCH_MEDIA_AHEAD`` overrides how many requests ahead it decodes. At the end the
prefetcher logs how many frames it decoded, at how many frames per second, and how long the
adapter waited for them (:class:`PrefetchStats`).
"""

from __future__ import annotations

import contextvars
import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from facebench.types import Request

log = logging.getLogger(__name__)

WORKERS_ENV = "FACEBENCH_MEDIA_WORKERS"
AHEAD_ENV = "FACEBENCH_MEDIA_AHEAD"
#: most requests decoded ahead, whatever the batch size (a vLLM batch can be hundreds)
MAX_AHEAD = 64

K = TypeVar("K")
#: (kind, media string, num_frames or None): what one decode produces
_MediaKey = tuple[str, str, int | None]

_current: ContextVar[MediaPrefetcher | None] = ContextVar("facebench_media_prefetcher", default=None)


class _Miss:
    """Returned by :func:`take` when the media is not being prefetched."""


MISS = _Miss()


def default_workers() -> int:
    """``FACEBENCH_MEDIA_WORKERS`` if set, else ``min(4, CPU count)``."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        try:
            return max(0, int(raw))
        except ValueError:
            log.warning("%s=%r is not a number; using the default", WORKERS_ENV, raw)
    return min(4, os.cpu_count() or 1)


def active() -> bool:
    """True inside a running prefetcher's ``with`` (in the thread that entered it)."""
    return _current.get() is not None


def take(kind: str, value: str, num_frames: int | None = None) -> Any:
    """The prefetched result for a part (waiting for it), :data:`MISS` when there is none.

    Raises the exception its decode raised.
    """
    prefetcher = _current.get()
    if prefetcher is None:
        return MISS
    return prefetcher._take((kind, value, num_frames))


@dataclass
class PrefetchStats:
    """What a prefetcher did; ``frames_per_s`` is frames over the time it ran."""

    requests: int = 0
    #: decodes submitted (one per distinct media of the requests in the window)
    decodes: int = 0
    #: media parts that reused a decode already pending for an earlier request
    shared: int = 0
    failed: int = 0
    frames: int = 0
    #: seconds the workers spent decoding, summed over workers
    decode_s: float = 0.0
    #: seconds the adapter's thread waited for a result that was not ready yet
    wait_s: float = 0.0
    wall_s: float = 0.0

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    def summary(self) -> str:
        per_worker = self.frames / self.decode_s if self.decode_s > 0 else 0.0
        return (
            f"media prefetch: {self.requests} requests, {self.decodes} decodes "
            f"({self.shared} shared, {self.failed} failed), {self.frames} frames in "
            f"{self.wall_s:.1f} s ({self.frames_per_s:.0f} frames/s; {per_worker:.0f} frames/s "
            f"per busy worker); the adapter waited {self.wait_s:.1f} s for media"
        )


@dataclass(eq=False)
class _Slot:
    """One streamed request's media keys not yet taken by the adapter."""

    keys: list[_MediaKey] = field(default_factory=list)


@dataclass(eq=False)
class _Entry:
    future: Future[Any]
    #: the requests waiting for it, oldest first (a take serves the oldest)
    holders: list[_Slot] = field(default_factory=list)


class MediaPrefetcher:
    """Decode the media of a request stream in ``workers`` threads, ``ahead`` requests ahead."""

    def __init__(self, workers: int | None = None, ahead: int | None = None) -> None:
        self.workers = default_workers() if workers is None else max(0, workers)
        raw = os.environ.get(AHEAD_ENV, "").strip()
        if raw.isdigit():
            ahead = int(raw)
        self.ahead = max(1, min(MAX_AHEAD, ahead if ahead is not None else 2 * max(1, self.workers)))
        self.stats = PrefetchStats()
        self._pool: ThreadPoolExecutor | None = None
        self._token: Token[MediaPrefetcher | None] | None = None
        self._entries: dict[_MediaKey, _Entry] = {}
        self._slots: dict[int, deque[_Slot]] = {}
        self._lock = threading.Lock()
        #: held while the stream is pulled and while an answer is emitted (see stream)
        self._callbacks = threading.Lock()
        self._feeders: list[_Feeder] = []
        self._started = 0.0

    @property
    def enabled(self) -> bool:
        return self.workers > 0

    def __enter__(self) -> MediaPrefetcher:  # noqa: PYI034 - py3.10 has no typing.Self
        if self.enabled:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="facebench-media")
            self._token = _current.set(self)
        self._started = time.perf_counter()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with self._lock:
            feeders, self._feeders = self._feeders, []
        for feeder in feeders:  # no pull of the engine's stream outlives the adapter's call
            feeder.stop()
        if self._token is not None:
            _current.reset(self._token)
            self._token = None
        with self._lock:
            entries, self._entries, self._slots = list(self._entries.values()), {}, {}
        for entry in entries:
            entry.future.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self.stats.wall_s = time.perf_counter() - self._started
            if self.stats.requests:
                log.info("%s", self.stats.summary())

    # -- the stream ------------------------------------------------------------------------

    def stream(self, pairs: Iterable[tuple[K, Request]]) -> Iterator[tuple[K, Request]]:
        """The same pairs, in order, with the media of up to ``ahead`` more already decoding.

        ``pairs`` is pulled in a feeder thread (the engine checks each request's media as it
        yields it, which for a clip means decoding its last group of pictures, often all of
        it), so that check overlaps the model too. The pulls and the answers given to
        :meth:`emitter` never run at the same time (the engine's callbacks need no lock of
        their own), and an exception the stream raises is raised here, in order.
        """
        if self._pool is None:
            yield from pairs
            return
        feeder = _Feeder(self, iter(pairs))
        with self._lock:
            self._feeders.append(feeder)
        try:
            while True:
                item = feeder.queue.get()
                if item is _END:
                    return
                if isinstance(item, _Raised):
                    raise item.exc
                yield item
        finally:
            feeder.stop()

    def emitter(self, emit: Callable[[K, Any], None]) -> Callable[[K, Any], None]:
        """``emit``, releasing what its request still holds first (see the module docstring)."""
        if self._pool is None:
            return emit

        def release_then_emit(key: K, response: Any) -> None:
            self._release(key)
            with self._callbacks:
                emit(key, response)

        return release_then_emit

    # -- internals -------------------------------------------------------------------------

    def _submit(self, pair: tuple[Any, Request]) -> None:
        key, request = pair
        slot = _Slot()
        with self._lock:
            for message in request.messages:
                for part in message.content:
                    if part.type == "image":
                        media: _MediaKey = ("image", part.value, None)
                    elif part.type == "video":
                        media = ("video", part.value, request.generation.num_frames)
                    else:
                        continue
                    entry = self._entries.get(media)
                    if entry is None:
                        assert self._pool is not None
                        entry = _Entry(self._pool.submit(self._decode, media))
                        self._entries[media] = entry
                        self.stats.decodes += 1
                    else:
                        self.stats.shared += 1
                    entry.holders.append(slot)
                    slot.keys.append(media)
            self._slots.setdefault(id(key), deque()).append(slot)
            self.stats.requests += 1

    def _decode(self, media: _MediaKey) -> Any:
        """Runs in a worker: the undeferred decode (never the prefetched lookup)."""
        from facebench import media as M

        kind, value, num_frames = media
        started = time.perf_counter()
        frames = 0
        try:
            if kind == "image":
                result: Any = M._load_image(value)
                frames = 1
            else:
                assert num_frames is not None
                result = M._sample_frames(value, num_frames)
                frames = len(result)
            return result
        except BaseException:
            with self._lock:
                self.stats.failed += 1
            raise
        finally:
            with self._lock:
                self.stats.decode_s += time.perf_counter() - started
                self.stats.frames += frames

    def _take(self, media: _MediaKey) -> Any:
        with self._lock:
            entry = self._entries.get(media)
            if entry is None:
                return MISS
            slot = entry.holders.pop(0)
            slot.keys.remove(media)
            if not entry.holders:
                del self._entries[media]
        started = time.perf_counter()
        try:
            result = entry.future.result()
        finally:
            waited = time.perf_counter() - started
            with self._lock:
                self.stats.wait_s += waited
        return list(result) if media[0] == "video" else result

    def _release(self, key: Any) -> None:
        with self._lock:
            slots = self._slots.get(id(key))
            if not slots:
                return
            slot = slots.popleft()
            if not slots:
                del self._slots[id(key)]
            for media in slot.keys:
                entry = self._entries.get(media)
                if entry is None:
                    continue
                entry.holders = [s for s in entry.holders if s is not slot]
                if not entry.holders:
                    del self._entries[media]
                    entry.future.cancel()  # never started: nobody wants it any more
            slot.keys.clear()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_END = object()


class _Feeder:
    """Pulls a request stream in its own thread into a queue of at most ``ahead`` pairs,
    submitting each pair's media to the pool as it is pulled."""

    def __init__(self, owner: MediaPrefetcher, source: Iterator[tuple[Any, Request]]) -> None:
        self.owner = owner
        self.source = source
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=owner.ahead)
        self._stopping = threading.Event()
        # the feeder sees the prefetcher as active (the preflight check then keeps the frames
        # of a clip it decodes whole, see facebench.media.frames.verify_video)
        context = contextvars.copy_context()
        self.thread = threading.Thread(
            target=context.run, args=(self._run,), name="facebench-media-feed", daemon=True
        )
        self.thread.start()

    def _put(self, item: Any) -> bool:
        while not self._stopping.is_set():
            try:
                self.queue.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                with self.owner._callbacks:
                    if self._stopping.is_set():
                        return
                    pair = next(self.source, _END)  # the engine's preflight check runs here
                if pair is _END:
                    break
                self.owner._submit(pair)
                if not self._put(pair):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            self._put(_Raised(exc))
            return
        self._put(_END)

    def stop(self) -> None:
        """Stop pulling (after the pull in progress, if any) and wait for the thread."""
        self._stopping.set()
        while True:  # unblock a put
            try:
                self.queue.get_nowait()
            except queue.Empty:
                break
        if self.thread is not threading.current_thread():
            self.thread.join()
