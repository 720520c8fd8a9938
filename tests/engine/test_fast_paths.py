"""The engine's fast paths give exactly what the plain paths give.

- the request fingerprint is the same text as ``json.dumps(..., sort_keys=True)`` always hashed,
  so caches written before stay valid;
- memoised prompt rendering renders what jinja renders, for every shipped task and style;
- fairness slices computed from the headline rows equal the per-group aggregation, and a
  group's layout cut from all the rows' layout is the layout of the group's rows;
- the score stage's reading of ``items.jsonl`` (a few fields cut out of each line) gives what
  decoding the whole line gives, whatever the metas and targets hold;
- a rerun with nothing changed keeps ``items.jsonl`` and the result on disk, and anything that
  changes (an answer, the data, the items file) makes the stage run again;
- the counts of error rows, invalid answers and refusals read with maps are the per-prediction
  sums.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.adapters.registry import build_adapter, load_card
from facebench.engine import items as items_module
from facebench.engine import runner
from facebench.engine.fingerprint import reference_payload, request_payload
from facebench.engine.items import scoring_items, shared_meta
from facebench.engine.ray_backend import merge_shards, shard_dir
from facebench.engine.runner import RunOptions, aggregate, run_task, score_folder, slice_metrics
from facebench.engine.store import ResponseCache, dumps_line, read_jsonl
from facebench.metrics.headline import Layout, headline_ci, layout_ci
from facebench.prompts import render
from facebench.resources import demo_root
from facebench.tasks.registry import get_task, task_names
from facebench.types import GenerationSettings, Message, Part, Request

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(key=text, image=text, prompt=text, adapter=text, role=st.sampled_from(["user", "system"]),
       tokens=st.integers(1, 4096), temperature=st.floats(0, 2, allow_nan=False), frames=st.integers(1, 64),
       video=st.booleans())
def test_fingerprint_text_is_what_json_dumps_writes(key, image, prompt, adapter, role, tokens, temperature,
                                                    frames, video):
    media = Part.video(image) if video else Part.image(image)
    request = Request(
        task="t", key=key, sample_id="s",
        messages=(Message(role, (Part.text("system words"),)), Message("user", (media, Part.text(prompt)))),
        generation=GenerationSettings(max_new_tokens=tokens, temperature=temperature, num_frames=frames),
    )
    assert request_payload(adapter, "task-fp", request) == reference_payload(adapter, "task-fp", request)


def test_memoised_prompts_equal_jinja_for_every_task(monkeypatch):
    for name in task_names():
        task = get_task(name)
        root = demo_root() / task.config.data_dir
        if not root.exists():
            continue
        samples = task.load_samples(root)[:30]
        for style in task.config.styles:
            if task.config.styles[style].template is None:
                continue
            fast = [r.prompt for r, _, _ in task.iter_requests(samples, style, seed=3)]
            plain_task = get_task(name)
            monkeypatch.setattr(plain_task, "_render",
                                lambda template, variables, t=plain_task: render(template, variables, t._template_dirs))
            plain = [r.prompt for r, _, _ in plain_task.iter_requests(samples, style, seed=3)]
            assert fast == plain, (name, style)


@pytest.mark.parametrize("task_name", ["celeba", "utkface", "agedb", "morph2"])
def test_slices_from_headline_rows_equal_per_group_aggregation(task_name, tmp_path):
    task = get_task(task_name)
    opts = RunOptions(output=tmp_path)
    adapter = build_adapter(load_card("random"))
    run_task(task, adapter, "random", opts)
    folder = tmp_path / "random" / "facebench" / task_name
    _, t, predictions = runner.load_run(folder)
    primary = t.config.primary_metric
    rows = t.kind.headline_rows(t, predictions, primary)
    fast = slice_metrics(t, predictions, primary, 0, rows)
    slow = slice_metrics(t, predictions, primary, 0, None)
    assert fast.keys() == slow.keys() and fast
    for name in fast:
        assert fast[name].keys() == slow[name].keys()
        for group, cell in fast[name].items():
            other = slow[name][group]
            assert cell["n"] == other["n"] and cell["n_answered"] == other["n_answered"]
            for key in ("value", "low", "high"):
                assert (cell[key] is None) == (other[key] is None), (name, group, key)
                if cell[key] is not None:
                    assert cell[key] == pytest.approx(other[key], abs=1e-12), (name, group, key)


def _state(path: Path) -> tuple[int, int]:
    st_ = path.stat()
    return st_.st_ino, st_.st_mtime_ns


def test_rerun_of_a_finished_run_keeps_its_files_and_redoes_what_changed(tmp_path, monkeypatch):
    from facebench.fixtures.rafdb import write

    data = tmp_path / "data"
    write(data / "RAF-DB", seed=1, n_test=30, n_train=0)
    opts = RunOptions(output=tmp_path / "out", data_root=data)
    adapter = build_adapter(load_card("random"))
    task = get_task("rafdb")
    first = run_task(task, adapter, "random", opts)
    folder = tmp_path / "out" / "random" / "facebench" / "rafdb"
    items, metrics = folder / "items.jsonl", folder / "metrics.json"
    before = _state(items), _state(metrics)

    from facebench.tasks.task import Task

    built = []
    original = Task.iter_requests
    monkeypatch.setattr(Task, "iter_requests", lambda *a, **k: built.append(1) or original(*a, **k))
    again = run_task(task, adapter, "random", opts)
    assert (_state(items), _state(metrics)) == before and not built
    assert again["metrics"] == first["metrics"]

    # a new answer (here: one answer replaced by a later row) is scored again
    rows = list(read_jsonl(folder / "responses.jsonl"))
    changed = {**rows[0], "response": "Angry."}
    with (folder / "responses.jsonl").open("a") as fh:
        fh.write(json.dumps(changed) + "\n")
    rescored = score_folder(folder)
    assert _state(metrics) != before[1] and rescored["n"] == first["n"]
    predictions = {p["id"]: p for p in read_jsonl(folder / "predictions.jsonl")}
    assert predictions[rows[0]["id"]]["response"] == "Angry."

    # an edited items file, or changed data, is built again
    with items.open("a") as fh:
        fh.write("\n")
    run_task(task, adapter, "random", opts)
    assert built
    built.clear()
    labels = data / "RAF-DB" / "basic" / "EmoLabel" / "list_patition_label.txt"
    lines = labels.read_text().splitlines()
    labels.write_text("\n".join(lines[:-1]) + "\n")
    smaller = run_task(task, adapter, "random", opts)
    assert built and smaller["n"] == first["n"] - 1


def test_compact_cache_reads_answers_and_merges_shards_once(tmp_path):
    path = tmp_path / "responses.jsonl"
    with ResponseCache(path) as full:
        full.add({"fp": "a" * 24, "id": "x", "response": "Yes", "error": None, "frames_shown": {"v": 3}})
        full.add({"fp": "b" * 24, "id": "y", "response": "", "error": "server down"})
    compact = ResponseCache(path, compact=True)
    assert compact.answer("a" * 24) == ("Yes", None, {"v": 3})
    assert compact.get("b" * 24) == {"fp": "b" * 24, "response": "", "error": "server down"}
    assert "a" * 24 in compact and "b" * 24 not in compact
    shards = shard_dir(compact)
    shards.mkdir()
    row = {"fp": "b" * 24, "id": "y", "response": "", "error": "server down", "time": 1.0}
    for name in ("one", "two"):
        (shards / f"responses.{name}.jsonl").write_text(json.dumps(row) + "\n")
    lines = path.read_text().count("\n")
    assert merge_shards(compact, remove=False) == 0  # the same error row is already there
    assert path.read_text().count("\n") == lines


def test_aggregate_of_streamed_predictions_matches_load_run(tmp_path):
    """score_folder drops response texts from what it keeps; the metrics do not change."""
    opts = RunOptions(output=tmp_path)
    run_task(get_task("rafdb"), build_adapter(load_card("random")), "random", opts)
    folder = tmp_path / "random" / "facebench" / "rafdb"
    run, task, predictions = runner.load_run(folder)
    expected = aggregate(task, predictions, run, run["mode"])
    os.remove(folder / "metrics.json")
    got = score_folder(folder)
    assert got["metrics"] == expected["metrics"] and got["slices" if "slices" in got else "n"] == \
        expected["slices" if "slices" in expected else "n"]
    assert got["confidence_intervals"] == expected["confidence_intervals"]


def test_shared_metas_keep_their_value_types_and_are_never_mixed():
    table: dict = {}
    a = shared_meta({"x": True, "style": "qa"}, table)
    b = shared_meta({"x": 1, "style": "qa"}, table)
    c = shared_meta({"x": True, "style": "qa"}, table)
    assert a is c and b is not a and type(b["x"]) is int
    d = shared_meta({"options": ["a", "b"]}, table)
    assert shared_meta({"options": ["a", "b"]}, table) is d
    nested = {"frames_shown": {"clip.mp4": 3}}
    assert shared_meta(nested, table) is nested


# keys that the cut looks for, so they turn up inside metas and targets too
_keys = st.sampled_from(["meta", "request", "sample_meta", "fp", "id", "style", "options", "x", "é"])
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False) | text
    | st.sampled_from([',"meta":{', '"}}', ',"request":', "\\"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=8,
)
_metas = st.dictionaries(_keys, _json, max_size=4)


def _expected(row: dict) -> tuple:
    """What the score stage must read of an item, from the whole decoded line."""
    request_meta = row["request"]["meta"]
    options = request_meta.get("options")
    target = row["target"]
    return (row["fp"], row["id"], row["sample_id"], tuple(target) if isinstance(target, list) else target,
            request_meta, {**request_meta, **row.get("sample_meta", {})},
            (request_meta.get("style"), tuple(options) if options is not None else None))


@settings(max_examples=300, deadline=None)
@given(sample_meta=_metas, request_meta=_metas, target=_json, prompt=text,
       shape=st.sampled_from(["written", "reordered", "no sample_meta", "crlf"]))
def test_scoring_items_read_what_the_whole_line_holds(tmp_path_factory, sample_meta, request_meta, target,
                                                      prompt, shape):
    if isinstance(request_meta.get("options"), (int, float, bool)) or request_meta.get("options") is None:
        request_meta.pop("options", None)  # tuple() of a number fails in both readers alike
    request = {"task": "t", "id": "s/1", "sample_id": "s", "messages": [{"role": "user", "content": [
        {"type": "text", "value": prompt}]}], "generation": {"max_new_tokens": 8}, "choices": ["Yes"],
        "meta": request_meta}
    row = {"fp": "f" * 24, "id": "s/1", "sample_id": "s", "target": target, "sample_meta": sample_meta,
           "request": request}
    if shape == "reordered":
        row = {"request": request, **{k: v for k, v in row.items() if k != "request"}}
    elif shape == "no sample_meta":
        del row["sample_meta"]
    line = dumps_line(row)
    row = orjson.loads(line)  # as JSON has it (an infinite float is written null)
    if shape == "crlf":
        line = line[:-1] + b"  \r\n"
    path = tmp_path_factory.mktemp("items") / "items.jsonl"
    path.write_bytes(line + b"\n" + line)  # and a blank line between
    assert list(scoring_items(path)) == [_expected(row)] * 2


def test_scoring_items_cut_the_lines_prepare_writes_and_skip_a_truncated_one(tmp_path, monkeypatch, capsys):
    opts = RunOptions(output=tmp_path)
    run_task(get_task("celeba"), build_adapter(load_card("random")), "random", opts)
    path = tmp_path / "random" / "facebench" / "celeba" / "items.jsonl"
    whole = [_expected(orjson.loads(line)) for line in path.read_bytes().splitlines()]
    decoded = []
    monkeypatch.setattr(items_module, "_from_row", lambda *a: decoded.append(1) or None)
    assert list(scoring_items(path)) == whole and not decoded  # every line was cut, none decoded whole
    with path.open("ab") as fh:
        fh.write(path.read_bytes().splitlines()[0][:-9])  # a line a crash cut short
    monkeypatch.undo()
    assert list(scoring_items(path)) == whole
    assert "skipping an incomplete line" in capsys.readouterr().err


def test_a_groups_layout_cut_from_all_rows_is_the_layout_of_its_rows():
    rng = random.Random(3)
    units = [f"u{i}" for i in range(60)]
    rows = [(u, rng.choice(["", "f1", "f2"]), rng.choice(["k1", "k2", "k3", "k4"]), rng.random() * 3,
             rng.choice([0.0, 1.0, 2.5]))
            for u in rng.sample(units * 4, 200)]
    whole = Layout.of(rows)
    for _ in range(20):
        group = set(rng.sample(units, rng.randint(1, 40)))
        cut = whole.of_units(np.array([u in group for u in whole.units]))
        own = Layout.of([r for r in rows if r[0] in group])
        assert cut.units == own.units
        for name in ("num", "den", "col_fold", "row_unit", "row_col"):
            assert np.array_equal(getattr(cut, name), getattr(own, name)), name
        assert layout_ci(cut, seed=1) == headline_ci([r for r in rows if r[0] in group], seed=1)


def test_slice_groups_keep_value_types_apart():
    preds = [runner.Prediction(f"{i}", f"{i}", "", None, "unparseable", target, None, None, {"g": target})
             for i, target in enumerate([True, 1, "1", 1.0, -0.0, 0.0, None, [1]])]
    expected = ["yes", "1", "1", "1.0", "-0.0", "0.0", None, None]
    assert runner._slice_labels(preds, "target", None) == expected
    assert runner._slice_labels(preds, "meta.g", None) == expected


def test_counts_read_with_maps_are_the_per_prediction_sums():
    from facebench.types import REFUSAL, Prediction

    def pred(parsed, rule, error=None):
        return Prediction("i", "s", "", parsed, rule, "t", None if error else 0.0, error)

    predictions = [pred(None, REFUSAL), pred(None, "error", "down"), pred("yes", "leading"),
                   pred(None, "unparseable"), pred(0, "number"), pred(False, "no"), pred("", "empty"),
                   pred(None, "error", "timeout"), pred(None, REFUSAL)]
    for chosen in (predictions, [p for p in predictions if p.error is None], predictions[1:2], []):
        expected = (sum(p.error is not None for p in chosen),
                    sum(p.error is None and p.parsed is None for p in chosen),
                    sum(p.error is None and p.rule == REFUSAL for p in chosen))
        assert runner._counts(chosen) == expected
