"""MM-Vet: mm-vet.json + images/, capability tags in the sample meta, and metrics that say a
judge is needed instead of inventing a score."""

from __future__ import annotations

import json

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.mmvet import ITEMS, write
from facebench.loaders.mmvet import load
from facebench.parsing import PARSERS


def test_items_with_capabilities_in_meta(tmp_path):
    data = write(tmp_path)
    samples = load(tmp_path)
    assert [s.id for s in samples] == list(data) and len(samples) == len(ITEMS)
    s = samples[1]
    assert s.meta["capability"] == ["rec", "know"] and s.meta["capability_key"] == "know,rec"
    assert s.target == "a smile <OR> happiness"
    assert s.media[0] == str(tmp_path / "images" / "v1_1.jpg")
    assert len(load(tmp_path.parent if tmp_path.name == "mm-vet" else tmp_path)) == len(ITEMS)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(DatasetError, match="mm-vet.json: missing MM-Vet question file"):
        load(tmp_path)
    write(tmp_path)
    path = tmp_path / "mm-vet.json"
    data = json.loads(path.read_text())
    data["v1_2"]["capability"] = ["vision"]
    path.write_text(json.dumps(data))
    with pytest.raises(DatasetError, match="item 'v1_2': capability must be a list of rec, ocr"):
        load(tmp_path)
    path.write_text("{not json")
    with pytest.raises(DatasetError, match="mm-vet.json:1: not valid JSON"):
        load(tmp_path)


@pytest.mark.skipif("free_text" not in PARSERS, reason="parser free_text not yet in facebench.parsing")
def test_responses_are_collected_and_metrics_need_the_judge(cli, tmp_path):
    write(tmp_path / "data" / "MM-Vet")

    def answer(row):
        return None if row["id"] == "v1_7" else ("" if row["id"] == "v1_6" else f"Answer to {row['prompt']}")

    metrics, predictions, rows = replay(cli, tmp_path, "mmvet", tmp_path / "data", answer)
    assert rows[0]["prompt"] == "How many faces are in the image?"
    m = metrics["metrics"]
    assert m["needs_judge"] is True and m["score"] is None
    assert m["n_answered"] == 6 and m["n_unanswered"] == 2 and metrics["n_error"] == 1
    assert m["n_per_tag"]["rec"] == 7 and m["n_per_tag"]["ocr"] == 1
    assert m["n_per_group"]["know,rec"] == 1
    assert all(p["score"] is None for p in predictions)
