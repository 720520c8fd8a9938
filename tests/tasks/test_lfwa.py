"""LFWA: the tolerant loader (person folders or flat, optional partition, custom file names),
its error messages, and mAcc of the constrained style on replayed answers."""

from __future__ import annotations

import shutil

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.celeba import attribute_lines
from facebench.fixtures.lfwa import PEOPLE, write
from facebench.loaders.celeba import ATTRIBUTES
from facebench.loaders.lfwa import load


def test_partition_file_selects_the_test_images(tmp_path):
    labels = write(tmp_path, seed=2, per_person=2)
    samples = load(tmp_path)
    assert [s.id for s in samples] == [f"{p}_0002" for p in PEOPLE] == list(labels)
    for s in samples:
        assert s.target == labels[s.id]
        person = s.id.rsplit("_", 1)[0]
        assert s.media[0] == str(tmp_path / "lfw" / person / f"{s.id}.jpg")
    assert len(load(tmp_path, split="train")) == 6


def test_without_partition_every_image_is_evaluated(tmp_path):
    labels = write(tmp_path, seed=2, per_person=2, partition=False)
    samples = load(tmp_path)
    assert len(samples) == 12 == len(labels)
    assert {s.meta["split"] for s in samples} == {"all"}


def test_custom_names_flat_images_and_path_style_names(tmp_path):
    labels = {"Ada_Lovelace/Ada_Lovelace_0001.jpg": dict.fromkeys(ATTRIBUTES, False),
              "Bob_0003.jpg": dict.fromkeys(ATTRIBUTES, True)}
    (tmp_path / "labels").mkdir()
    (tmp_path / "labels" / "attrs.txt").write_text("\n".join(attribute_lines(labels, with_count=False)) + "\n")
    (tmp_path / "faces" / "Ada_Lovelace").mkdir(parents=True)
    (tmp_path / "faces" / "Bob_0003.jpg").write_bytes(b"")  # flat: no person folder
    samples = load(tmp_path, attr_file="labels/attrs.txt", images="faces")
    assert [s.id for s in samples] == ["Ada_Lovelace/Ada_Lovelace_0001", "Bob_0003"]
    assert samples[0].media[0] == str(tmp_path / "faces/Ada_Lovelace/Ada_Lovelace_0001.jpg")
    assert samples[1].media[0] == str(tmp_path / "faces/Bob_0003.jpg")
    assert samples[1].target["Young"] is True


def test_errors_name_what_is_missing(tmp_path):
    write(tmp_path, per_person=1)
    with pytest.raises(DatasetError, match=r"nothere.txt: missing LFWA attribute file \(loader option attr_file"):
        load(tmp_path, attr_file="nothere.txt")
    shutil.rmtree(tmp_path / "lfw")
    with pytest.raises(DatasetError, match="missing LFWA image folder.*set loader option images"):
        load(tmp_path)


def test_columbia_lfw_attributes_file_is_recognised_not_misread(tmp_path):
    (tmp_path / "lfw").mkdir()
    (tmp_path / "lfw_attributes.txt").write_text(
        "# Attribute values for LFW\n#\tperson\timagenum\tMale\tAsian\n"
        "Aaron Eckhart\t1\t1.56\t-1.88\n"
    )
    with pytest.raises(DatasetError, match="Columbia LFW 73-attribute file") as err:
        load(tmp_path)
    assert "lfw_attributes.txt:1" in str(err.value)


def test_image_missing_from_the_partition_is_an_error(tmp_path):
    write(tmp_path, per_person=1)
    part = tmp_path / "anno" / "list_eval_partition_lfw.txt"
    part.write_text("\n".join(part.read_text().splitlines()[1:]) + "\n")
    with pytest.raises(DatasetError, match="'Ada_Lovelace_0001.jpg' of list_attr_lfw.txt has no partition"):
        load(tmp_path)


def test_constrained_list_answers_give_the_hand_computed_macc(cli, tmp_path):
    labels = write(tmp_path / "data" / "LFWA", seed=4, per_person=2)
    stems = sorted(labels)

    def answer(row):
        # the first image: the truly present attributes; the others: "Male, Eyeglasses"
        if row["sample_id"] == stems[0]:
            present = [a for a in ATTRIBUTES if labels[stems[0]][a]]
            return ", ".join(a.replace("_", " ") for a in present)
        return "Male, Eyeglasses"

    metrics, _, rows = replay(cli, tmp_path, "lfwa", tmp_path / "data", answer, style="constrained")
    assert len(rows) == 6
    assert rows[0]["prompt"].startswith(
        "Which of the following attributes does the person in the image have? 5 o'Clock Shadow, ")
    expected = {
        a: (1 + sum(labels[s][a] == (a in ("Male", "Eyeglasses")) for s in stems[1:])) / 6
        for a in ATTRIBUTES
    }
    assert metrics["metrics"]["per_class_accuracy"] == pytest.approx(expected)
    assert metrics["metrics"]["macc"] == pytest.approx(sum(expected.values()) / 40)
