"""The staged run: prepare -> infer -> score -> aggregate.

Each stage reads the previous stage's file and writes its own, under
``<output>/<model>/<task>/``:

- ``items.jsonl``       every request of the run with its fingerprint and target (prepare)
- ``responses.jsonl``   append-only response cache, keyed by fingerprint (infer)
- ``predictions.jsonl`` parsed and scored answers (score)
- ``metrics.json``      the task's metrics and the run manifest (aggregate)
- ``run.json``          how the run was asked for (task, style, seed, mode, adapter)

So ``facebench score`` re-parses and re-scores a finished run from its files, with no model
and no dataset, and an interrupted ``facebench run`` resumes from the cache.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import and_, attrgetter, eq, is_, is_not
from pathlib import Path
from typing import Any

import numpy as np

from facebench.adapters.base import Adapter
from facebench.engine.fingerprint import request_fingerprint
from facebench.engine.inputs import code_digest, digest, file_state, samples_digest
from facebench.engine.items import PreparedItems, ScoringItem, scoring_items
from facebench.engine.layout import task_dir, variant_name
from facebench.engine.manifest import build_manifest, command_from_options, command_line
from facebench.engine.preflight import check_request_media, short_segments
from facebench.engine.ray_backend import merge_shards
from facebench.engine.store import (
    ResponseCache,
    folder_lock,
    gc_paused,
    read_jsonl,
    write_json,
    write_jsonl,
)
from facebench.errors import ConfigError, FacebenchError
from facebench.metrics.headline import Layout, Row, headline_ci
from facebench.metrics.intervals import IntervalPool
from facebench.parsing.context import Mode
from facebench.protocols import DEFAULT_PROTOCOL, Protocol, load_protocol
from facebench.resources import demo_root
from facebench.tasks.registry import get_task
from facebench.tasks.task import Task
from facebench.types import REFUSAL, Prediction, Request, Response, Sample

Progress = Callable[[str, int, int], None]


@dataclass
class RunOptions:
    """Everything about a run except the model and the task list.

    ``protocol`` supplies each task's settings; the other fields are the command line's
    overrides (None / empty: the protocol's value). An override that changes a number moves the
    result into its own variant folder (see :meth:`setup`), so it never overwrites the
    protocol's own result.
    """

    output: Path = Path("results")
    data_root: Path | None = None
    #: task name -> dataset folder, overriding ``data_root/<task data_dir>``
    data: dict[str, Path] = field(default_factory=dict)
    limit: int | None = None
    seed: int = 0
    #: a style for every task, or per task (``{"rafdb": "open"}``); None -> the protocol's
    styles: dict[str, str] = field(default_factory=dict)
    default_style: str | None = None
    #: parse mode; None: the protocol's
    mode: Mode | None = None
    #: None: the protocol's, then the task's setting
    face_crop: bool | None = None
    protocol: Protocol = field(default_factory=lambda: load_protocol(DEFAULT_PROTOCOL))
    #: the model's card lists this protocol in ``native_protocols`` (it gets ``native_style``)
    native: bool = False
    #: every option of the command that started the run, kept in run.json (``--config`` reads
    #: it back to repeat the run)
    recorded: dict[str, Any] = field(default_factory=dict)
    #: task name -> loader options from ``--task-option TASK.key=value`` (over the protocol's)
    task_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: where inference runs: "local" (this process) or "ray" (facebench.engine.ray_backend)
    backend: str = "local"
    #: Ray cluster address (None: a local Ray instance) and the number of model replicas
    ray_address: str | None = None
    workers: int = 1
    #: (model card, setting overrides): how a worker builds its own copy of the adapter
    adapter_spec: tuple[Any, dict[str, Any]] | None = None

    def setup(self, task: Task) -> TaskSetup:
        """The task as the protocol defines it, with this run's overrides, and its variant."""
        proto = self.protocol
        if not proto.covers(task.name):
            raise ConfigError(
                f"task {task.name} is not part of protocol {proto.name} "
                f"(its tasks: {', '.join(proto.tasks) or 'none'})"
            )
        defined = proto.apply(task)
        overrides: dict[str, Any] = {}
        loader = self.task_options.get(task.name)
        if loader:
            defined = with_loader_options(defined, loader)
            overrides["loader"] = dict(sorted(loader.items()))
        style = proto.style_for(defined, self.native)
        asked = self.styles.get(task.name, self.default_style)
        if asked is not None and asked in defined.config.styles:
            if asked != (style or defined.config.default_style):
                overrides["style"] = asked
            style = asked
        elif asked is not None and task.name in self.styles:
            defined.style(asked)  # raises a clear error naming the styles
        crop = proto.face_crop_for(task.name)
        if self.face_crop is not None and self.face_crop != (crop if crop is not None else defined.config.face_crop):
            overrides["face_crop"] = self.face_crop
            crop = self.face_crop
        mode = proto.mode
        if self.mode is not None and self.mode != proto.mode:
            overrides["mode"] = mode = self.mode
        if self.limit is not None:
            overrides["limit"] = self.limit
        if self.limit is not None or self.seed != 0:
            overrides["seed"] = self.seed  # picks the subset, shuffles options
        return TaskSetup(defined, style, crop, mode, variant_name(proto.name, overrides), overrides)

    def data_dir(self, task: Task) -> Path:
        if task.name in self.data:
            return Path(self.data[task.name])
        if self.data_root is not None:
            return Path(self.data_root) / task.config.data_dir
        return demo_root() / task.config.data_dir


def with_loader_options(task: Task, options: dict[str, Any]) -> Task:
    """The task with loader options set from the command line; a key the loader does not take
    is a one-line error listing the ones it does (a bad value is the loader's own error)."""
    import inspect

    params = inspect.signature(task.loader).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        known = [n for n, p in params.items() if p.kind is p.KEYWORD_ONLY or (n != "root" and p.default is not p.empty)]
        for key in options:
            if key not in params:
                raise ConfigError(f"--task-option {task.name}.{key}: the {task.name} loader has no option "
                                  f"{key!r} (its options: {', '.join(known) or 'none'})")
    return task.with_overrides({"loader_options": options})


@dataclass(frozen=True)
class TaskSetup:
    """One task of a run, fully resolved: what is evaluated and where its result lives."""

    task: Task
    style: str | None
    face_crop: bool | None
    mode: Mode
    #: results folder name: the protocol, plus ``~key=value,...`` for the overrides
    variant: str
    overrides: dict[str, Any]


def select_samples(samples: list[Sample], limit: int | None, seed: int) -> list[Sample]:
    """A seeded subset (same on every machine), kept in dataset order."""
    if limit is None or limit >= len(samples):
        return samples
    chosen = set(random.Random(seed).sample(range(len(samples)), limit))
    return [s for i, s in enumerate(samples) if i in chosen]


# -- stage 1 -------------------------------------------------------------------------------------
def _refuse_other_model(folder: Path, model: str, adapter: Adapter, previous: dict[str, Any]) -> None:
    """A folder holds one model's result: other adapter settings under the same name would
    overwrite it, so they need their own ``--name``. A previous result with no answered
    sample (an adapter still being written, a server that was down) holds nothing to lose;
    ``previous`` is the folder's run.json ({} when there is none or it is unreadable)."""
    old_fp = previous.get("adapter_fingerprint")
    if old_fp in (None, adapter.fingerprint()):
        return
    if _read_json(folder / "metrics.json").get("n_answered"):
        raise ConfigError(
            f"{folder} holds a result of {model!r} with other model settings (adapter fingerprint "
            f"{old_fp}, now {adapter.fingerprint()}); give this run its own "
            f"--name so both results are kept"
        )


def prepare(setup: TaskSetup, adapter: Adapter, opts: RunOptions, model: str) -> PreparedItems:
    """Load the dataset, build every request, write ``items.jsonl`` and ``run.json``.

    Items stream to the file as they are built; only their fingerprints stay in memory. When
    the samples, the task, the adapter and facebench are what the folder's items were built from
    (:mod:`facebench.engine.inputs`), the existing ``items.jsonl`` is kept as it is.
    """
    task, style = setup.task, setup.style
    started = time.time()
    samples = select_samples(task.load_samples(opts.data_dir(task)), opts.limit, opts.seed)
    adapter_fp, task_fp = adapter.fingerprint(), task.fingerprint(style)
    folder = task_dir(opts.output, model, setup.variant, task.name)
    previous = _read_json(folder / "run.json")
    _refuse_other_model(folder, model, adapter, previous)
    items_key = digest(samples_digest(samples), adapter_fp, task_fp, style, opts.seed,
                       setup.face_crop, code_digest())
    items_file = folder / "items.jsonl"
    if (previous.get("items_key") == items_key and items_file.is_file()
            and previous.get("items_state") == file_state(items_file)):
        prepared = PreparedItems.scan(items_file)
    else:
        def rows() -> Iterator[dict[str, Any]]:
            for request, target, sample in task.iter_requests(samples, style, opts.seed, setup.face_crop):
                yield {
                    "fp": request_fingerprint(adapter_fp, task_fp, request),
                    "id": request.key,
                    "sample_id": request.sample_id,
                    "target": target,
                    "sample_meta": sample.meta,
                    "request": request.to_dict(derived=False),
                }

        prepared = PreparedItems.write(items_file, rows())
    proto = opts.protocol
    write_json(
        folder / "run.json",
        {
            "task": task.name,
            "task_source": str(task.source) if task.source else None,
            "model": model,
            "protocol": proto.name,
            "protocol_source": proto.path,
            "variant": setup.variant,
            "overrides": setup.overrides,
            "style": task.style(style)[0],
            "mode": setup.mode,
            "face_crop": task.config.face_crop if setup.face_crop is None else setup.face_crop,
            "seed": opts.seed,
            "limit": opts.limit,
            "data_dir": str(opts.data_dir(task)),
            "adapter": adapter.name,
            "adapter_fingerprint": adapter_fp,
            "task_fingerprint": task_fp,
            #: what items.jsonl was built from (a rerun with the same key keeps the file)
            "items_key": items_key,
            "items_state": file_state(items_file),
            "started_at": started,
            "command": command_from_options("run", opts.recorded) if opts.recorded else command_line(),
            "options": opts.recorded,
        },
    )
    return prepared


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON object file's contents; {} when it is missing or unreadable."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


# -- stage 2 -------------------------------------------------------------------------------------
@dataclass
class InferStats:
    """What the infer stage did, readable while it runs (so an interrupt can say what was kept)."""

    total: int = 0
    cached: int = 0  #: answered by an earlier run, not asked again
    saved: int = 0  #: responses written this run (answers and error rows)
    errors: int = 0  #: error rows written this run
    first_error: str | None = None


def response_row(item: dict[str, Any], resp: Response, frames_shown: dict[str, int] | None = None) -> dict[str, Any]:
    """The ``responses.jsonl`` line of one answered item (every backend writes this shape)."""
    row = {
        "fp": item["fp"],
        "task": item["request"]["task"],
        "id": item["id"],
        "response": resp.text,
        "error": resp.error,
        "prompt_tokens": resp.prompt_tokens,
        "completion_tokens": resp.completion_tokens,
        "time": time.time(),
    }
    if resp.cached_tokens is not None:  # what the prefix cache saved (vLLM, some APIs)
        row["cached_tokens"] = resp.cached_tokens
    if frames_shown:
        row["frames_shown"] = frames_shown
    return row


def infer(
    adapter: Adapter,
    items: PreparedItems,
    cache: ResponseCache,
    progress: Progress | None = None,
    stats: InferStats | None = None,
) -> InferStats:
    """Ask the model every item not yet cached, saving each response the moment it arrives.

    Requests stream to the adapter lazily; a request whose media cannot be read becomes an
    error row without reaching the model. ``stats`` may be passed in so the caller still
    knows what was saved when a KeyboardInterrupt cuts the stage short.
    """
    stats = stats if stats is not None else InferStats()
    stats.total = len(items)
    missing = {fp for fp in items.fps if fp not in cache}
    stats.cached = stats.total - len(missing)
    checked: dict[tuple[str, str], str | None] = {}
    if progress:
        progress("infer", stats.cached, stats.total)

    #: fp -> {video: frames shown} for segments shorter than num_frames (a recorded fallback)
    short: dict[str, dict[str, int]] = {}

    def save(item: dict[str, Any], resp: Response) -> None:
        cache.add(response_row(item, resp, short.pop(item["fp"], None)))
        stats.saved += 1
        if resp.error is not None:
            stats.errors += 1
            if stats.first_error is None:
                stats.first_error = f"{item['id']}: {resp.error}"
        if progress:
            progress("infer", stats.cached + stats.saved, stats.total)

    def sendable() -> Iterator[tuple[dict[str, Any], Request]]:
        for item in items.rows(missing):
            if item["fp"] in cache:
                continue
            request = Request.from_dict(item["request"])
            problem = check_request_media(request, checked)
            if problem:
                save(item, Response(error=problem))
                continue
            if any(p.type == "video" for m in request.messages for p in m.content):
                fewer = short_segments(request)
                if fewer:
                    short[item["fp"]] = fewer
            yield item, request

    try:
        adapter.generate_each(sendable(), save)
    finally:
        cache.close()
    return stats


# -- stage 3 -------------------------------------------------------------------------------------
def score(task: Task, items: Iterable[ScoringItem], cache: ResponseCache, mode: Mode) -> Iterator[Prediction]:
    """Parse and score every item's cached response, one at a time; a missing response is an
    error row. ``items``: :func:`facebench.engine.items.scoring_items` of the run.

    A read depends only on the answer's text, the request's prompt style and its options, so
    reads are memoised on those: a 331,000-question yes/no run has a few hundred distinct
    answers. The memo is cleared when it fills (long free-text answers rarely repeat).
    """
    reads: dict[tuple[str, tuple[Any, Any]], tuple[Any, str]] = {}
    kind_score, answer_of_fp, parse = task.kind.score, cache.answer, task.parse
    for fp, key, sample_id, target, request_meta, meta, parse_key in items:
        answer = answer_of_fp(fp)
        if answer is None:
            text, error = "", "no response (run the infer stage)"
        else:
            text, error, frames_shown = answer
            if frames_shown:  # a short segment shown with fewer frames than asked
                meta = {**meta, "frames_shown": frames_shown}  # a copy: ``meta`` may be shared
        if error:
            parsed, rule = None, "error"
        else:
            read = reads.get((text, parse_key))
            if read is None:
                if len(reads) >= 65536:
                    reads.clear()
                result = parse(text, request_meta, mode)
                read = reads[(text, parse_key)] = (result.value, result.rule)
            parsed, rule = read
        # positional (id, sample_id, response, parsed, rule, target, score, error, meta):
        # keywords took twice as long, 0.25 s of a 331,000-answer run
        yield Prediction(key, sample_id, text, parsed, rule, target,
                         kind_score(task, target, parsed) if not error else None, error, meta)


# -- stage 4 -------------------------------------------------------------------------------------
def aggregate(task: Task, predictions: list[Prediction], run: dict[str, Any], mode: Mode,
              pool: IntervalPool | None = None) -> dict[str, Any]:
    """Stage 4: the metrics, intervals and slices of a run's predictions. ``pool``: where the
    intervals are computed (:class:`IntervalPool`; the caller's may hold draws made already)."""
    primary = task.config.primary_metric
    seed = int(run.get("seed") or 0)
    # the intervals (headline, slice groups) are computed in worker threads while the rest is
    # aggregated here: the headline's is asked for first
    with IntervalPool() if pool is None else nullcontext(pool) as pool:
        rows = task.kind.headline_rows(task, predictions, primary)
        layout = Layout.of(rows) if rows else None  # laid out once, for the interval and the slices
        headline = pool.submit(layout, seed) if layout else None
        metrics = task.kind.aggregate(task, predictions)
        n_error, n_invalid, refused = _counts(predictions)
        slices, cells = _slice_tables(task, predictions, primary, seed, rows, layout, pool, n_error == 0)
        floor = task.kind.floor(task, predictions)
        pool.settle()
    _fill_cells(cells)
    intervals = {}
    if rows is not None:
        ci = headline.result() if headline else headline_ci(rows)
        intervals[primary] = {"low": ci["low"], "high": ci["high"], "confidence": 0.95,
                              "n_units": ci["n_units"], "resamples": 1000}
    return {
        "task": task.name,
        "model": run["model"],
        # which evaluation produced the numbers: protocol, variant folder, and the overrides
        "protocol": run.get("protocol"),
        "variant": run.get("variant"),
        "overrides": run.get("overrides", {}),
        "style": run["style"],
        "mode": mode,
        "face_crop": run.get("face_crop"),
        "limit": run.get("limit"),
        "seed": run.get("seed"),
        "n": len(predictions),
        "n_answered": len(predictions) - n_error,
        "n_invalid": n_invalid,
        # answers that are not answers ("I don't know", "the face is not visible"): invalid too,
        # but counted on their own, as a share of the answered samples
        "n_refused": refused,
        "refusal_rate": refused / (len(predictions) - n_error) if len(predictions) > n_error else None,
        "n_error": n_error,
        # a result with error rows is incomplete: its metrics cover only the answered samples
        "complete": n_error == 0,
        "first_error": first_error(predictions),
        "primary_metric": task.config.primary_metric,
        "lower_is_better": task.config.lower_is_better,
        "metrics": metrics,
        "confidence_intervals": intervals,
        **({"slices": slices} if slices else {}),
        "floor": floor,
        "manifest": build_manifest(run),
    }


def slice_metrics(task: Task, predictions: list[Prediction], primary: str, seed: int,
                  rows: list[Row] | None = None, layout: Layout | None = None) -> dict[str, Any]:
    """The headline metric and its 95% CI per group of each fairness slice of the task
    (``slices`` in its definition): ``{slice: {group: {value, low, high, n, n_answered}}}``.

    ``rows``: the task's headline rows (:mod:`facebench.metrics.headline`), when the caller has
    them, and ``layout`` their :class:`Layout` if it has that too. A slice whose groups are
    groups of whole samples (gender, age group: every question of a sample falls in one group)
    is then computed from those rows, which define the metric exactly, instead of aggregating
    each group again: each group's interval comes from the rows' layout cut to its units.
    """
    if rows and layout is None:
        layout = Layout.of(rows)
    with IntervalPool() as pool:
        out, cells = _slice_tables(task, predictions, primary, seed, rows, layout, pool,
                                   all(p.error is None for p in predictions))
    _fill_cells(cells)
    return out


def _counts(predictions: list[Prediction]) -> tuple[int, int, int]:
    """(error rows, invalid answers, refusals) of ``predictions``, read with C-level maps."""
    errors = list(map(_ERROR, predictions))
    n_error = sum(map(is_not, errors, repeat(None)))
    unread = map(is_, map(_PARSED, predictions), repeat(None))
    refusals = map(eq, map(_RULE, predictions), repeat(REFUSAL))
    if n_error:  # error rows are not answers: neither invalid nor refusals
        answered = [e is None for e in errors]
        unread, refusals = map(and_, unread, answered), map(and_, refusals, answered)
    return n_error, sum(unread), sum(refusals)


_ERROR, _PARSED, _RULE = attrgetter("error"), attrgetter("parsed"), attrgetter("rule")


#: a slice group's cell, its interval (being computed), and whether its value is the interval's
#: estimate
_Cell = tuple[dict[str, Any], Future, bool]


def _slice_tables(task: Task, predictions: list[Prediction], primary: str, seed: int,
                  rows: list[Row] | None, layout: Layout | None, pool: IntervalPool,
                  all_answered: bool) -> tuple[dict[str, Any], list[_Cell]]:
    """:func:`slice_metrics`' tables with the groups' intervals submitted to ``pool``, and the
    cells they fill (:func:`_fill_cells`, once the pool is done). ``all_answered``: no
    prediction is an error row (each group's answers are then counted by its length)."""
    out: dict[str, Any] = {}
    cells: list[_Cell] = []
    samples = list(map(_SAMPLE_ID, predictions)) if task.config.slices and layout else []
    for name, spec in task.config.slices.items():
        labels = _slice_labels(predictions, spec.of, spec.bins)
        groups = {group: list(compress(predictions, map(eq, labels, repeat(group))))
                  for group in dict.fromkeys(labels) if group is not None}
        unit_groups = _unit_groups(layout, samples, labels) if layout else None
        table = {}
        for group, members in sorted(groups.items(), key=lambda kv: _group_order(kv[0])):
            answered = len(members) if all_answered else sum(1 for p in members if p.error is None)
            cell = table[group] = {"value": None, "low": None, "high": None, "n": len(members),
                                   "n_answered": answered}
            if unit_groups is not None:
                keep = np.array([g == group for g in unit_groups], dtype=bool)
                if keep.any() and not task.kind.unanswered_fold(task, members):
                    cells.append((cell, pool.submit(layout.of_units(keep), seed), True))  # type: ignore[union-attr]
            else:
                cell["value"] = task.kind.aggregate(task, members).get(primary)
                group_rows = task.kind.headline_rows(task, members, primary)
                if group_rows:
                    cells.append((cell, pool.submit(Layout.of(group_rows), seed), False))
        out[name] = table
    return out, cells


def _fill_cells(cells: list[_Cell]) -> None:
    for cell, interval, estimate in cells:
        ci = interval.result()
        if estimate:
            cell["value"] = ci["estimate"]
        cell["low"], cell["high"] = ci["low"], ci["high"]


def _unit_groups(layout: Layout, samples: list[str],
                 labels: list[str | None]) -> list[str | None] | None:
    """The group of each unit of ``layout``, when the groups are groups of whole units: every
    question of a sample is in its sample's group, and every unit is a sample. None otherwise
    (the groups are then aggregated one by one). ``samples``: each prediction's sample id."""
    unit_group = dict(zip(samples, labels))
    if list(map(unit_group.__getitem__, samples)) != labels:  # a sample in two groups
        return None
    groups = [unit_group.get(u, _NO_GROUP) for u in layout.units]
    return None if _NO_GROUP in groups else groups  # the kind's units are not samples


_NO_GROUP = object()
_SAMPLE_ID, _META = attrgetter("sample_id"), attrgetter("meta")


def _slice_labels(predictions: list[Prediction], of: str, bins: list[float] | None) -> list[str | None]:
    """Each prediction's group in a slice (None: in none), worked out once per distinct value.

    A ``meta.*`` slice reads the prediction's meta, and metas are shared between predictions
    (:func:`facebench.engine.items.shared_meta`), so it is read once per meta object. Targets
    are remembered by type and value when they are strings, booleans or integers (True is
    not 1), other values read each time (a float: 0.0 == -0.0 name two groups).
    """
    if of != "target":
        field_name = of.removeprefix("meta.")
        metas = list(map(_META, predictions))
        ids = list(map(id, metas))
        read = {key: _slice_group(m.get(field_name), bins) for key, m in dict(zip(ids, metas)).items()}
        return list(map(read.__getitem__, ids))
    known: dict[tuple[type, Any], str | None] = {}
    labels = []
    for p in predictions:
        raw, kind = p.target, type(p.target)
        if kind is str or kind is bool or kind is int:
            label = known.get((kind, raw), _NO_GROUP)
            if label is _NO_GROUP:
                label = known[(kind, raw)] = _slice_group(raw, bins)
        else:
            label = _slice_group(raw, bins)
        labels.append(label)
    return labels


def _slice_group(raw: Any, bins: list[float] | None) -> str | None:
    """The group of a slice value: ``yes``/``no``, the value itself, or its bin of ``bins``."""
    if raw is None or isinstance(raw, (list, tuple, dict)):
        return None
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if bins is None:
        return str(raw)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None
    edges = sorted(bins)
    for low, high in zip(edges, edges[1:]):
        if low <= number < high:
            return f"{low:g}-{high - 1:g}"
    return f"{edges[-1]:g}+" if number >= edges[-1] else None


def _group_order(group: str) -> tuple[float, str]:
    head = group.split("-")[0].rstrip("+")
    try:
        return (float(head), group)
    except ValueError:
        return (float("inf"), group)


def first_error(predictions: list[Prediction]) -> str | None:
    """The first error row's message, prefixed with its sample id (for summaries)."""
    for p in predictions:
        if p.error is not None:
            return p.error if p.error.startswith(p.id) else f"{p.id}: {p.error}"
    return None


def run_task_of(run: dict[str, Any]) -> Task:
    """The task a run evaluated: its definition with the run's protocol applied again."""
    task = get_task(run.get("task_source") or run["task"])
    spec = run.get("protocol_source") or run.get("protocol")
    if spec:
        try:
            protocol = load_protocol(spec)
        except ConfigError:
            protocol = load_protocol(run["protocol"])  # a user protocol file that has moved
        task = protocol.apply(task)
    return task


def _read_run(folder: Path) -> tuple[dict[str, Any], Task]:
    """(run.json, the task it evaluated) of a task output folder."""
    run_file = folder / "run.json"
    if not run_file.is_file():
        raise FacebenchError(f"{folder}: no run.json; not a facebench task output folder")
    run = json.loads(run_file.read_text(encoding="utf-8"))
    return run, run_task_of(run)


def load_run(folder: Path, mode: Mode | None = None) -> tuple[dict[str, Any], Task, list[Prediction]]:
    """(run.json, task, predictions) of a run folder, parsed afresh from its response cache.

    ``mode`` None parses in the run's own mode (its protocol's, or the ``--mode`` it was run with).
    """
    run, task = _read_run(folder)
    mode = mode or run.get("mode") or "strict"
    with gc_paused():
        cache = ResponseCache(folder / "responses.jsonl", compact=True)
        return run, task, list(score(task, scoring_items(folder / "items.jsonl"), cache, mode))


def result_files(folder: Path, run: dict[str, Any], mode: Mode) -> tuple[Path, Path]:
    """(predictions, metrics) paths for a mode: the run's own mode writes ``predictions.jsonl``
    and ``metrics.json``; re-scoring in another mode writes ``*.<mode>.*`` beside them, so a
    reference-mode re-score never replaces the run's own result."""
    if mode == (run.get("mode") or "strict"):
        return folder / "predictions.jsonl", folder / "metrics.json"
    return folder / f"predictions.{mode}.jsonl", folder / f"metrics.{mode}.json"


def score_folder(folder: Path, mode: Mode | None = None, cache: ResponseCache | None = None) -> dict[str, Any]:
    """Stages 3 and 4 from the files of a finished (or interrupted) run: no model, no dataset.

    The items' scoring fields (:func:`facebench.engine.items.scoring_items`, not the requests)
    are read first, so the intervals' resample draws start before scoring, from the number of
    samples with an answer (:func:`_unit_counts`). Predictions stream to ``predictions.jsonl``
    as they are scored; what the metrics need is kept without the response texts. When
    nothing the result depends on has changed since it
    was written (:mod:`facebench.engine.inputs`), the result on disk is returned as it is.
    ``cache``: the folder's response cache, when the caller holds it with the folder locked
    (:func:`run_task`, after inference), so ``responses.jsonl`` is not read a second time.
    """
    with folder_lock(folder), gc_paused():
        if (folder / "shards").is_dir():
            with ResponseCache(folder / "responses.jsonl") if cache is None else cache as merged:
                merge_shards(merged)
        run, task = _read_run(folder)
        mode = mode or run.get("mode") or "strict"
        predictions_file, metrics_file = result_files(folder, run, mode)
        scored_from = _score_inputs(folder, run, task, mode)
        if scored_from is not None and predictions_file.is_file():
            previous = _read_json(metrics_file)
            if previous.get("scored_from") == scored_from:
                return previous
        if cache is None:
            cache = ResponseCache(folder / "responses.jsonl", compact=True)
        items = list(scoring_items(folder / "items.jsonl"))
        kept: list[Prediction] = []

        def rows() -> Iterator[dict[str, Any]]:
            for p in score(task, items, cache, mode):
                yield p.to_dict()
                p.response = ""  # the metrics never read it; the file has it
                kept.append(p)

        with IntervalPool() as pool:
            seed = int(run.get("seed") or 0)
            for n_units in _unit_counts(task, items, cache):  # drawn while the answers are scored
                pool.prefetch(n_units, seed)
            write_jsonl(predictions_file, rows())
            items, cache = [], None  # the answers are in predictions.jsonl: free them before aggregating
            result = aggregate(task, kept, run, mode, pool)
        if scored_from is not None:
            result["scored_from"] = scored_from
        write_json(metrics_file, result)
        return result


def _unit_counts(task: Task, items: list[ScoringItem], cache: ResponseCache) -> list[int]:
    """How many units the run's intervals will resample, guessed before any answer is scored:
    the samples with an answer (the headline's units in every built-in kind), and those in each
    group of a meta slice. Resample draws depend on nothing else; a wrong guess costs a
    worker's time, never a number (:meth:`IntervalPool.prefetch`)."""
    answered: dict[str, dict[str, Any]] = {}
    answer_of = cache.answer
    for fp, _, sample_id, _, _, meta, _ in items:
        if sample_id not in answered:
            answer = answer_of(fp)
            if answer is not None and not answer[1]:
                answered[sample_id] = meta
    counts = [len(answered)]
    for spec in task.config.slices.values():
        if spec.of != "target":
            field_name = spec.of.removeprefix("meta.")
            groups = Counter(_slice_group(m.get(field_name), spec.bins) for m in answered.values())
            counts.extend(n for group, n in groups.items() if group is not None)
    return counts


def _score_inputs(folder: Path, run: dict[str, Any], task: Task, mode: Mode) -> dict[str, Any] | None:
    """What a result is computed from (None: unknown, always score), recorded in metrics.json."""
    items_key = run.get("items_key")
    responses = file_state(folder / "responses.jsonl")
    if items_key is None or responses is None:
        return None
    return {"items": items_key, "items_state": file_state(folder / "items.jsonl"),
            "responses": responses, "mode": mode,
            "task": digest(task.config.identity(), task.synonyms), "code": code_digest()}


def run_task(
    task: Task,
    adapter: Adapter,
    model: str,
    opts: RunOptions,
    progress: Progress | None = None,
    stats: InferStats | None = None,
) -> dict[str, Any]:
    """All four stages for one task under the run's protocol; resumes from the response cache.

    The task folder is locked for the whole run, so a second process on the same folder fails
    at once with a clear message instead of mixing its items into this run's.
    """
    setup = opts.setup(task)
    folder = task_dir(opts.output, model, setup.variant, task.name)
    with folder_lock(folder):
        items = prepare(setup, adapter, opts, model)
        with ResponseCache(folder / "responses.jsonl", compact=True) as cache:
            merge_shards(cache)  # answers a killed --backend ray run left in worker shards
            reuse_sibling_answers(cache, items, folder)
            if opts.backend == "ray":
                from facebench.engine.ray_backend import infer_ray

                infer_ray(opts, items, cache, progress, stats)
            else:
                infer(adapter, items, cache, progress, stats)
        if progress:
            progress("score", 0, len(items))
        return score_folder(folder, cache=cache)


def reuse_sibling_answers(cache: ResponseCache, items: PreparedItems, folder: Path) -> int:
    """Copy answers this run needs from the same task's other variant folders.

    A request's fingerprint covers everything that changes its answer, so an answer cached by a
    ``--limit 200`` run is exactly the answer the full run would get: it is reused, not paid
    for again. Returns how many were copied.
    """
    siblings = [s for s in sorted(folder.parent.parent.glob(f"*/{folder.name}/responses.jsonl"))
                if s.parent != folder]
    missing = {fp for fp in items.fps if fp not in cache} if siblings else set()
    if not missing:
        return 0
    copied = []
    for sibling in siblings:
        for row in read_jsonl(sibling):
            if row.get("fp") in missing and row.get("error") is None:
                copied.append(row)
                missing.discard(row["fp"])
    cache.append(copied)
    return len(copied)
