"""The engine's fast paths give exactly what the plain paths give.

- the request fingerprint is the same text as ``json.dumps(..., sort_keys=True)`` always hashed,
  so caches written before stay valid;
- memoised prompt rendering renders what jinja renders, for every shipped task and style;
- fairness slices computed from the headline rows equal the per-group aggregation;
- a rerun with nothing changed keeps ``items.jsonl`` and the result on disk, and anything that
  changes (an answer, the data, the items file) makes the stage run again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.adapters.registry import build_adapter, load_card
from facebench.engine import runner
from facebench.engine.fingerprint import reference_payload, request_payload
from facebench.engine.ray_backend import merge_shards, shard_dir
from facebench.engine.runner import RunOptions, aggregate, run_task, score_folder, slice_metrics
from facebench.engine.store import ResponseCache, read_jsonl
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
    a = runner._shared({"x": True, "style": "qa"}, table)
    b = runner._shared({"x": 1, "style": "qa"}, table)
    c = runner._shared({"x": True, "style": "qa"}, table)
    assert a is c and b is not a and type(b["x"]) is int
    d = runner._shared({"options": ["a", "b"]}, table)
    assert runner._shared({"options": ["a", "b"]}, table) is d
    nested = {"frames_shown": {"clip.mp4": 3}}
    assert runner._shared(nested, table) is nested
