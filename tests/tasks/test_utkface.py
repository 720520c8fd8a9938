"""UTKFace: both releases' names, the known malformed files (skipped, named), and MAE with
invalid answers excluded and counted, on replayed answers computed by hand."""

from __future__ import annotations

import statistics

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.utkface import MALFORMED, write
from facebench.loaders.filenames import DatasetWarning
from facebench.loaders.utkface import load


def test_cropped_release_with_known_malformed_files(tmp_path):
    ages = write(tmp_path, seed=2, n=8, malformed=True)
    with pytest.warns(DatasetWarning) as caught:
        samples = load(tmp_path)
    message = str(caught[0].message)
    assert "skipped 2 UTKFace file(s)" in message
    assert all(name in message for name in MALFORMED)
    assert {s.id: s.target for s in samples} == ages
    s = samples[0]
    assert s.meta["gender"] in ("male", "female") and s.meta["race"] in ("White", "Black", "Asian", "Indian", "Others")
    with pytest.raises(DatasetError, match="39_1_20170116174525125.jpg.chip.jpg: UTKFace file name"):
        load(tmp_path, on_malformed="error")


def test_in_the_wild_parts_and_field_meanings(tmp_path):
    for part, name in (("part1", "26_1_2_20170116174525125.jpg"), ("part2", "3_0_4_20161219140623097.jpg")):
        (tmp_path / part).mkdir()
        (tmp_path / part / name).write_bytes(b"")
    (tmp_path / "part2" / "7_2_0_20170109150557335.jpg").write_bytes(b"")  # gender 2 is not a value
    with pytest.warns(DatasetWarning, match="part2/7_2_0"):
        samples = load(tmp_path)
    assert [(s.id, s.target, s.meta["gender"], s.meta["race"]) for s in samples] == [
        ("part1/26_1_2_20170116174525125", 26, "female", "Asian"),
        ("part2/3_0_4_20161219140623097", 3, "male", "Others"),
    ]


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "UTKFace").mkdir()
    with pytest.raises(DatasetError, match="no images"):
        load(tmp_path)


def test_replayed_ages_give_hand_computed_mae(cli, tmp_path):
    ages = write(tmp_path / "data" / "UTKFace", seed=9, n=8)
    ids = sorted(ages)
    answers = {ids[0]: "25", ids[1]: "About 40 years old.", ids[2]: "between 30 and 34",
               ids[3]: "I cannot determine the age.", ids[4]: "60", ids[5]: "12",
               ids[6]: "Sorry.", ids[7]: "The person is 51."}
    parsed = {ids[0]: 25, ids[1]: 40, ids[2]: 32, ids[4]: 60, ids[5]: 12, ids[7]: 51}

    metrics, predictions, rows = replay(cli, tmp_path, "utkface", tmp_path / "data",
                                        lambda r: answers[r["id"]])
    assert len(rows) == 8
    m = metrics["metrics"]
    errors = [abs(parsed[i] - ages[i]) for i in parsed]
    assert m["mae"] == pytest.approx(sum(errors) / 6)
    assert m["n_valid"] == 6 and m["n_invalid"] == 2 and metrics["n_invalid"] == 2
    assert m["format_valid_rate"] == pytest.approx(6 / 8)
    median = statistics.median(ages.values())
    assert metrics["floor"]["mae"] == pytest.approx(sum(abs(a - median) for a in ages.values()) / 8)
    scores = {p["id"]: p["score"] for p in predictions}
    assert scores[ids[3]] is None and scores[ids[0]] == abs(25 - ages[ids[0]])
