"""DFEW: the 5 official test sets as folds, label ids -> expression classes, clip variants and
spellings, bad trees, and UAR/WAR per fold (and their mean) on replayed answers by hand."""

from __future__ import annotations

import re
import shutil

import pytest
from tests.tasks.av_tasks import recalls
from tests.tasks.task_replay import export, replay

from facebench.errors import DatasetError
from facebench.fixtures.dfew import write
from facebench.loaders.dfew import LABELS, load


@pytest.fixture
def tree(tmp_path):
    labels = write(tmp_path / "data" / "DFEW", seed=1, per_fold=4)
    return tmp_path / "data", labels


def test_clips_labels_and_folds(tree):
    data, labels = tree
    samples = list(load(data / "DFEW"))
    assert len(samples) == 20 and [s.id for s in samples] == sorted(labels)
    for s in samples:
        fold, label = labels[s.id]
        assert s.meta["fold"] == fold and s.target == LABELS[label] and s.modality == "video"
        assert s.media[0].endswith(f"Clip/clip_224x224/{s.id}.mp4")
    assert LABELS == {1: "happiness", 2: "sadness", 3: "neutral", 4: "anger", 5: "surprise",
                      6: "disgust", 7: "fear"}


def test_variants_spellings_and_unpadded_names(tmp_path):
    root = tmp_path / "DFEW"
    write(root, per_fold=1, with_16f=True)
    folders = list(load(root, variant="clip_224x224_16f"))
    assert all(s.media[0].endswith(f"clip_224x224_16f/{s.id}") for s in folders)
    splits = root / "EmoLabel_DataSplit"
    (splits / "test(single-labeled)").rename(splits / "test(single_labeled)")
    csv = splits / "test(single_labeled)/set_2.csv"
    csv.write_text(csv.read_text().replace("00002,", "2,"))  # unpadded name in the split file
    (root / "Clip/clip_224x224/00002.mp4").rename(root / "Clip/clip_224x224/2.mp4")  # and on disk
    samples = {s.id: s for s in load(root)}
    assert samples["00002"].meta["fold"] == 2 and samples["00002"].media[0].endswith("clip_224x224/2.mp4")
    with pytest.raises(DatasetError, match="Clip/original: missing DFEW Clip/original folder"):
        list(load(root, variant="original"))
    with pytest.raises(DatasetError, match="variant must be one of"):
        list(load(root, variant="clip_112"))


def test_bad_trees_name_the_file_and_line(tmp_path):
    root = tmp_path / "DFEW"
    write(root, per_fold=2)
    split = root / "EmoLabel_DataSplit/test(single-labeled)"
    (split / "set_3.csv").unlink()
    with pytest.raises(DatasetError, match=r"set_3\.csv: missing DFEW split file"):
        list(load(root))
    (split / "set_3.csv").write_text("video_name,label\n00005,3\n00006,8\n")
    with pytest.raises(DatasetError, match=r"set_3\.csv:3: expected 'video_name,label 1-7', got '00006,8'"):
        list(load(root))
    (split / "set_3.csv").write_text("video_name,label\n00005,3\n00001,2\n")
    with pytest.raises(DatasetError, match=r"set_3\.csv:3: clip 1 is already in set_1\.csv"):
        list(load(root))
    shutil.rmtree(root / "EmoLabel_DataSplit")
    with pytest.raises(DatasetError, match="EmoLabel_DataSplit: missing"):
        list(load(root))


def _options(prompt: str) -> dict[str, str]:
    return dict(re.findall(r"\b([A-G]):(\w+)", prompt))


def test_mcq_replay_uar_war_per_fold_by_hand(cli, tree, tmp_path):
    data, labels = tree
    names = list(LABELS.values())

    def predicted(sid: str) -> str | None:
        fold, label = labels[sid]
        n = int(sid)
        if n % 7 == 0:
            return None  # unparseable
        return LABELS[label] if n % 3 else names[(label + fold) % 7]  # every 3rd clip wrong

    def answer(row):
        assert row["media"][0].endswith(".mp4")
        guess = predicted(row["id"])
        if guess is None:
            return "It is hard to say."
        letter = {v: k for k, v in _options(row["prompt"]).items()}[guess]
        return f"{letter}" if int(row["id"]) % 2 else f"The answer is ({letter})."

    metrics, _, _ = replay(cli, tmp_path, "dfew", data, answer, style="mcq")
    assert metrics["n"] == 20 and metrics["n_invalid"] == 2  # clips 7 and 14
    per_fold = {}
    for fold in range(1, 6):
        pairs = [(LABELS[l], predicted(s)) for s, (f, l) in labels.items() if f == fold]
        per_fold[fold] = recalls(pairs)
        got = metrics["metrics"]["per_fold"][str(fold)]
        assert (got["uar"], got["war"]) == pytest.approx(per_fold[fold])
    assert metrics["metrics"]["uar"] == pytest.approx(sum(u for u, _ in per_fold.values()) / 5)
    assert metrics["metrics"]["war"] == pytest.approx(sum(w for _, w in per_fold.values()) / 5)
    assert set(metrics["metrics"]["per_class_recall"]) == set(names)


def test_open_style_prompt_names_the_video(cli, tree, tmp_path):
    data, _ = tree
    rows = export(cli, "dfew", data, tmp_path / "r.jsonl", style="open")
    assert rows[0]["prompt"] == "Analyze the facial expression portrayed in the video."
    rows = export(cli, "dfew", data, tmp_path / "c.jsonl", style="constrained")
    assert "in the video" in rows[0]["prompt"] and "happiness, sadness, neutral" in rows[0]["prompt"]
