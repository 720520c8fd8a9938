"""Headline intervals computed side by side, with the numbers each gets computed alone.

A 331,000-answer CelebA re-score computes five intervals (the headline and four slice groups):
~25 million multinomial cells, ~1.3 s of numpy, most of the re-score once the rest was made
fast. The draws of an interval depend only on its seed and its number of units, never on the
answers, and numpy draws without the GIL. So :class:`IntervalPool` draws in worker threads, on
the machine's other cores, while the caller goes on in Python; a caller that can tell the unit
counts before it has the rows (:meth:`IntervalPool.prefetch`: the samples with an answer) has
the draws made while it parses and scores. Every interval still draws from its own
``default_rng(seed)``, in the same order, so its numbers are those of
:func:`facebench.metrics.headline.layout_ci` computed alone.

Products: a layout whose cells are whole numbers (every accuracy, recall and F1 row) has exact
resampled sums however they are added, so its products run on one BLAS thread while the pool
works (OpenBLAS's own threads only spun against the draws: 3x slower products on a busy
two-core machine), in blocks of any size. Other layouts (MAE rows) round by summation order,
which the number of BLAS threads and the block shape change: they are computed as always, after
the pool has finished, with the BLAS defaults, one after another. The one-thread limit is
process-wide while the pool works, so the caller must not multiply inexact floats with BLAS
meanwhile (the engine's aggregation multiplies nothing).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import numpy as np

from facebench.metrics.bootstrap import _BLOCK, _interval, _weights
from facebench.metrics.headline import Layout, _estimate, _statistic

#: resample cells per block where sums are exact (each pool worker holds one)
_EXACT_BLOCK = 1_000_000

Interval = dict[str, Any]
Draws = list[np.ndarray]


class IntervalPool:
    """Intervals computed in worker threads; read each :meth:`submit`'s result after
    :meth:`settle` (which the ``with`` block's end calls)."""

    def __init__(self, n_resamples: int = 1000, confidence: float = 0.95) -> None:
        self.n_resamples, self.confidence = n_resamples, confidence
        self._pool: ThreadPoolExecutor | None = None
        self._limit: Any = None
        self._draws: dict[tuple[int, int], Future[Draws]] = {}
        self._later: list[tuple[Future[Interval], Layout, int]] = []

    def __enter__(self) -> IntervalPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.settle(failed=exc[0] is not None)
        self._draws = {}

    def prefetch(self, n_units: int, seed: int) -> None:
        """Start drawing the resamples of an interval over ``n_units`` units, before its rows
        are known. A count that no submitted layout has costs a worker's time, nothing else."""
        if n_units < 2 or (n_units, seed) in self._draws or self._workers() is None:
            return
        self._draws[(n_units, seed)] = self._workers().submit(  # type: ignore[union-attr]
            _draw, n_units, self.n_resamples, seed)

    def submit(self, layout: Layout, seed: int) -> Future[Interval]:
        n_units = len(layout.units)
        if n_units < 2 or not _exact(layout):
            later: Future[Interval] = Future()
            self._later.append((later, layout, seed))
            return later
        pool = self._workers()
        drawn = self._draws.get((n_units, seed))
        if drawn is None and pool is not None:
            return pool.submit(_exact_ci, layout, None, self.n_resamples, self.confidence, seed)
        out: Future[Interval] = Future()
        if drawn is None:  # one core: compute it now
            out.set_result(_exact_ci(layout, None, self.n_resamples, self.confidence, seed))
            return out

        def finish(done: Future[Draws]) -> None:  # in the worker that drew, or here if done
            try:
                out.set_result(_exact_ci(layout, done.result(), self.n_resamples, self.confidence, seed))
            except BaseException as exc:  # noqa: BLE001 - handed to the reader of the result
                out.set_exception(exc)

        drawn.add_done_callback(finish)
        return out

    def settle(self, failed: bool = False) -> None:
        """Wait for the pool, lift the BLAS limit, then compute the inexact intervals."""
        try:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=failed)
        finally:
            if self._limit is not None:
                self._limit.__exit__(None, None, None)
            self._pool = self._limit = None
        later, self._later = self._later, []
        if not failed:
            for out, layout, seed in later:
                out.set_result(_inexact_ci(layout, self.n_resamples, self.confidence, seed))

    def _workers(self) -> ThreadPoolExecutor | None:
        """The worker threads (started with the BLAS limit): one per core but the caller's;
        None on one core."""
        if self._pool is None and _cores() > 1:
            self._limit = _one_blas_thread()
            self._limit.__enter__()
            self._pool = ThreadPoolExecutor(max_workers=_cores() - 1)
        return self._pool


def layout_cis(jobs: list[tuple[Layout, int]], n_resamples: int = 1000,
               confidence: float = 0.95) -> list[Interval]:
    """The interval of each ``(layout, seed)``, computed together."""
    with IntervalPool(n_resamples, confidence) as pool:
        pending = [pool.submit(layout, seed) for layout, seed in jobs]
    return [p.result() for p in pending]


def _draw(n_units: int, n_resamples: int, seed: int) -> Draws:
    """An interval's resample counts, kept as bytes where they fit (~25 MB for CelebA's five)."""
    blocks = []
    for w in _weights(np.random.default_rng(seed), n_units, n_resamples, _EXACT_BLOCK):
        blocks.append(w.astype(np.uint8) if w.max() <= 255 else w)
    return blocks


def _start(layout: Layout) -> tuple[Interval | None, float | None]:
    """(the result, when the layout has too few units or no estimate to resample; the
    estimate)."""
    n_units = len(layout.units)
    if not n_units:
        return {"estimate": None, "low": None, "high": None, "n_units": 0}, None
    estimate = _estimate(layout)
    if estimate is None or n_units < 2:
        return {"estimate": estimate, "low": None, "high": None, "n_units": n_units}, estimate
    return None, estimate


def _exact_ci(layout: Layout, draws: Draws | None, n_resamples: int, confidence: float,
              seed: int) -> Interval:
    """An interval with exact sums: one product for numerators and denominators, any blocks."""
    done, estimate = _start(layout)
    if done is not None:
        return done
    if draws is None:
        draws = _weights(np.random.default_rng(seed), len(layout.units), n_resamples, _EXACT_BLOCK)
    both, m = np.concatenate([layout.num, layout.den], axis=1), layout.num.shape[1]
    sums = (w.astype(np.float64) @ both for w in draws)
    stats = np.concatenate([_statistic(s[:, :m], s[:, m:], layout.col_fold) for s in sums])
    return _result(layout, estimate, stats, confidence)


def _inexact_ci(layout: Layout, n_resamples: int, confidence: float, seed: int) -> Interval:
    """An interval computed exactly as it always was (blocks of ``_BLOCK`` cells, two products
    each, integer counts times floats, BLAS defaults)."""
    done, estimate = _start(layout)
    if done is not None:
        return done
    num, den, col_fold = layout.num, layout.den, layout.col_fold
    stats = np.concatenate([_statistic(w @ num, w @ den, col_fold) for w in
                            _weights(np.random.default_rng(seed), len(layout.units), n_resamples, _BLOCK)])
    return _result(layout, estimate, stats, confidence)


def _result(layout: Layout, estimate: float | None, stats: np.ndarray, confidence: float) -> Interval:
    stats = stats[~np.isnan(stats)]
    low, high = _interval(stats, confidence) if stats.size else (None, None)
    return {"estimate": estimate, "low": low, "high": high, "n_units": len(layout.units)}


def _exact(layout: Layout) -> bool:
    """True when every resampled sum of ``layout`` is an exact integer in floating point:
    whole, finite cells, and no sum (at most ``units x the largest cell``) past 2**53."""
    num, den = layout.num, layout.den
    if not num.size:
        return True
    top = max(float(np.abs(num).max()), float(np.abs(den).max()))
    return (bool(np.isfinite(top)) and top * len(layout.units) < 2.0**53
            and bool((num == np.rint(num)).all()) and bool((den == np.rint(den)).all()))


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the ``with`` block; without threadpoolctl (a scikit-learn
    dependency) the defaults stay, which changes the speed only, never an exact sum."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
