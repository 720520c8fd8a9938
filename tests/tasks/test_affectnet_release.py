"""AffectNet in its release layout (Manually_Annotated_file_lists/validation.csv +
Manually_Annotated_Images/): codes 8-10 dropped, the 7- and 8-class variants, header-less copies,
bad rows and paths named, and accuracy/UAR of replayed letters computed by hand."""

from __future__ import annotations

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import ConfigError, DatasetError
from facebench.fixtures import affectnet as folders
from facebench.fixtures.affectnet_release import HEADER, write
from facebench.loaders.affectnet import CLASSES, load
from facebench.tasks.registry import get_task


def test_eight_classes_drop_codes_8_to_10(tmp_path):
    codes = write(tmp_path, per_code=2)
    samples = get_task("affectnet").load_samples(tmp_path)  # layout auto -> release
    assert len(samples) == 16
    assert {s.id: s.meta["label_id"] for s in samples} == {k: c for k, c in codes.items() if c < 8}
    assert {s.id: s.target for s in samples} == {k: CLASSES[c] for k, c in codes.items() if c < 8}
    first = samples[0]
    assert first.media[0] == str(tmp_path / "Manually_Annotated_Images" / f"{first.id}.jpg")


def test_seven_classes_drop_contempt_too(tmp_path):
    codes = write(tmp_path, per_code=1)
    task = get_task("affectnet7")
    samples = task.load_samples(tmp_path)
    assert len(samples) == 7 and {s.target for s in samples} == set(CLASSES[:7]) == set(task.config.classes)
    assert {s.meta["label_id"] for s in samples} == {c for c in codes.values() if c < 7}


def test_header_less_copy_and_other_image_folder(tmp_path):
    write(tmp_path, per_code=1, header=False)
    (tmp_path / "Manually_Annotated").mkdir()
    (tmp_path / "Manually_Annotated_Images").rename(tmp_path / "Manually_Annotated" / "Manually_Annotated_Images")
    samples = load(tmp_path, layout="release")
    assert len(samples) == 8 and samples[0].meta["line"] == 1
    assert "/Manually_Annotated/Manually_Annotated_Images/" in samples[0].media[0]


def test_folder_layout_with_seven_classes_ignores_the_contempt_folder(tmp_path):
    folders.write(tmp_path, per_class=1)
    assert len(get_task("affectnet").load_samples(tmp_path)) == 8  # auto -> folders
    samples = get_task("affectnet7").load_samples(tmp_path)
    assert len(samples) == 7 and "contempt" not in {s.target for s in samples}
    with pytest.raises(DatasetError, match="missing AffectNet file list"):
        load(tmp_path, layout="release")


@pytest.mark.parametrize(
    "row, message",
    [
        ("0/a.jpg,0,0,1,1,1;2,happy,0,0", r"validation.csv:3: expression 'happy' is not an integer code"),
        ("0/a.jpg,0,0,1,1,1;2,11,0,0", r"validation.csv:3: expression code 11 is not one of 0-10"),
        ("0/a.jpg,0,0", r"validation.csv:3: expected at least 7 columns, got 3"),
        ("../../outside.jpg,0,0,1,1,1;2,1,0,0", r"validation.csv:3: path '../../outside.jpg' leads outside"),
    ],
)
def test_bad_rows_name_file_and_line(tmp_path, row, message):
    lists = tmp_path / "Manually_Annotated_file_lists"
    lists.mkdir()
    (lists / "validation.csv").write_text(f"{HEADER}\n1/b.jpg,0,0,1,1,1;2,1,0,0\n{row}\n")
    with pytest.raises(DatasetError, match=message):
        load(tmp_path)


def test_non_utf8_file_list_and_bad_options(tmp_path):
    lists = tmp_path / "Manually_Annotated_file_lists"
    lists.mkdir()
    (lists / "validation.csv").write_bytes(HEADER.encode() + b"\n1/caf\xe9.jpg,0,0,1,1,1;2,1,0,0\n")
    with pytest.raises(DatasetError, match=r"validation.csv:2: not UTF-8 text") as err:
        load(tmp_path)
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="n_classes must be 7 or 8"):
        load(tmp_path, n_classes=6)
    with pytest.raises(ConfigError, match="layout must be auto, release or folders"):
        load(tmp_path, layout="csv")


def test_replayed_letters_on_the_release_layout_give_hand_computed_accuracy_and_uar(cli, tmp_path):
    codes = write(tmp_path / "data" / "AffectNet", per_code=2)
    seven = {sid: CLASSES[c] for sid, c in codes.items() if c < 7}
    # the first image of each class right; the second right for neutral and happiness, else wrong
    by_class: dict[str, list[str]] = {}
    for sid, cls in sorted(seven.items()):
        by_class.setdefault(cls, []).append(sid)
    second = {ids[1] for ids in by_class.values()}

    def answer(row):
        names = [o.split(":")[1] for o in row["prompt"].split("? ", 1)[1].split(" Answer")[0].split()]
        i = names.index(seven[row["id"]])
        right = row["id"] not in second or seven[row["id"]] in ("neutral", "happiness")
        return "ABCDEFG"[i] if right else "ABCDEFG"[(i + 1) % 7]

    metrics, _, rows = replay(cli, tmp_path, "affectnet7", tmp_path / "data", answer)
    assert len(rows) == 14
    m = metrics["metrics"]
    recall = {cls: (1.0 if cls in ("neutral", "happiness") else 0.5) for cls in CLASSES[:7]}
    assert m["per_class_recall"] == pytest.approx(recall)
    assert m["accuracy"] == pytest.approx(9 / 14)
    assert m["uar"] == pytest.approx(sum(recall.values()) / 7)
