"""AffectNet through the generic folder-per-class loader: numeric and named label folders,
split aliases, unknown folders, and accuracy/UAR/recall of replayed letter answers."""

from __future__ import annotations

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.affectnet import LABELS, write
from facebench.loaders.folder_per_class import load
from facebench.tasks.registry import get_task

LETTERS = "ABCDEFGH"


def _options(task):
    return task.config.loader_options


def test_numeric_folders_follow_affectnet_ids(tmp_path):
    labels = write(tmp_path, seed=1, per_class=2)
    task = get_task("affectnet")
    samples = task.load_samples(tmp_path)
    assert len(samples) == 16 and {s.id: s.target for s in samples} == labels
    assert {s.meta["label_id"]: s.target for s in samples} == dict(enumerate(LABELS))
    assert all(s.meta["split"] == "val" for s in samples)  # train/ is not read
    assert task.config.classes == list(LABELS)


def test_named_folders_aliases_and_split_alias(tmp_path):
    for folder in ("Happy", "sad", "anger", "Neutral"):
        (tmp_path / "validation" / folder).mkdir(parents=True)
        (tmp_path / "validation" / folder / "img1.png").write_bytes(b"")
    (tmp_path / "validation" / "Happy" / ".DS_Store").write_bytes(b"")
    samples = load(tmp_path, **_options(get_task("affectnet")))
    assert {s.id: s.target for s in samples} == {
        "Happy/img1": "happiness", "sad/img1": "sadness", "anger/img1": "anger", "Neutral/img1": "neutral"}
    assert all("label_id" not in s.meta for s in samples)


def test_unknown_label_folder_and_missing_split_are_named(tmp_path):
    (tmp_path / "val" / "1").mkdir(parents=True)
    (tmp_path / "val" / "9").mkdir()
    with pytest.raises(DatasetError, match=r"val/9: label folder '9' is neither a known id nor a class name"):
        load(tmp_path, **_options(get_task("affectnet")))
    with pytest.raises(DatasetError, match="missing split folder"):
        load(tmp_path, split=["test", "eval"])
    (tmp_path / "val" / "9").rmdir()
    with pytest.raises(DatasetError, match="no images in any label folder"):
        load(tmp_path, **_options(get_task("affectnet")))


def test_generic_use_with_class_names_only(tmp_path):
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        (tmp_path / cls / "a.jpg").write_bytes(b"")
    samples = load(tmp_path, split=".", classes=["cat", "dog"])
    assert [(s.id, s.target) for s in samples] == [("cat/a", "cat"), ("dog/a", "dog")]


def test_replayed_letters_give_hand_computed_accuracy_uar_and_recall(cli, tmp_path):
    labels = write(tmp_path / "data" / "AffectNet", seed=2, per_class=3)
    # per class: the first image right, the second wrong, the third right for ids < 4 else invalid
    plan = {}
    for sid in labels:
        label_id, k = int(sid.split("/")[0]), int(sid[-3:])
        plan[sid] = ["right", "wrong", "right" if label_id < 4 else "invalid"][k]

    def answer(row):
        options = [o.split(":")[1] for o in row["prompt"].split("? ", 1)[1].split(" Answer")[0].split()]
        truth = labels[row["id"]]
        i = options.index(truth)
        return {"right": f"({LETTERS[i]})", "wrong": LETTERS[(i + 1) % 8],
                "invalid": "Hard to say."}[plan[row["id"]]]

    metrics, _, rows = replay(cli, tmp_path, "affectnet", tmp_path / "data", answer)
    assert len(rows) == 24 and rows[0]["prompt"].startswith("What's the expression of this person? A:")
    m = metrics["metrics"]
    recall = {cls: (2 if i < 4 else 1) / 3 for i, cls in enumerate(LABELS)}
    assert m["per_class_recall"] == pytest.approx(recall)
    assert m["accuracy"] == pytest.approx(12 / 24)
    assert m["uar"] == pytest.approx(sum(recall.values()) / 8)
    assert metrics["n_invalid"] == 4


def test_seven_class_protocol_ignores_the_contempt_folder(tmp_path):
    write(tmp_path, per_class=1)
    options = {**_options(get_task("affectnet")), "ignore": ["7", "contempt"]}
    samples = load(tmp_path, **options)
    assert len(samples) == 7 and "contempt" not in {s.target for s in samples}
