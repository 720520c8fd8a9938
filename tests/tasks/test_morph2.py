"""MORPH II: names, nested albums, bad names, and MAE of Face-LLaVA-style answers."""

from __future__ import annotations

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.morph2 import write
from facebench.loaders.filenames import DatasetWarning
from facebench.loaders.morph2 import load
from facebench.tasks.registry import get_task


def test_names_give_age_subject_and_gender(tmp_path):
    ages = write(tmp_path, seed=1, n=6)
    samples = load(tmp_path)
    assert {s.id: s.target for s in samples} == ages
    s = samples[0]
    assert s.id == "Album2/009000_0" + s.meta["gender"][0].upper() + str(s.target)
    assert s.meta["subject"] == "009000" and s.meta["picture"] == 0


def test_bad_names_and_subset(tmp_path):
    ages = write(tmp_path, n=4)
    (tmp_path / "Album2" / "009999_1X30.JPG").write_bytes(b"")
    with pytest.warns(DatasetWarning, match="009999_1X30.JPG"):
        assert len(load(tmp_path)) == 4
    (tmp_path / "test.txt").write_text("# MORPH II test split\nAlbum2/" + sorted(ages)[1].split("/")[1] + ".JPG\n")
    assert [s.id for s in load(tmp_path, subset_file="test.txt")] == [sorted(ages)[1]]
    with pytest.raises(DatasetError, match="missing subset file"):
        load(tmp_path, subset_file="nope.txt")


def test_open_style_answers_give_hand_computed_mae(cli, tmp_path):
    ages = write(tmp_path / "data" / "MORPH2", seed=4, n=6)
    ids = sorted(ages)

    def answer(row):
        i = ids.index(row["id"])
        if i == 5:
            return "It is difficult to judge the age from a cartoon."
        # Face-LLaVA answers open with the estimate; later numbers must not be read
        return f"{ages[row['id']] + i} years old is a reasonable estimate; the photo is 640 px wide and 3 people agree."

    metrics, _, rows = replay(cli, tmp_path, "morph2", tmp_path / "data", answer, style="open")
    assert rows[0]["prompt"] == "Give your assessment of the person's age from the image, with supporting details."
    assert metrics["metrics"]["mae"] == pytest.approx(sum(range(5)) / 5)
    assert metrics["metrics"]["n_invalid"] == 1
    assert get_task("morph2").config.lower_is_better == ["mae"]
