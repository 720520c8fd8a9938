"""CREMA-D: file-name parsing, the fixed actor -> fold assignment, bad trees, and UAR/WAR per
fold on replayed one-word answers computed by hand."""

from __future__ import annotations

import pytest
from tests.tasks.av_tasks import recalls
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.cremad import write
from facebench.loaders.cremad import EMOTIONS, fold_of_actor, load


def test_actor_folds_are_five_contiguous_groups():
    folds = [fold_of_actor(a) for a in range(1001, 1092)]
    assert [folds.count(k) for k in range(1, 6)] == [19, 18, 18, 18, 18]
    assert folds == sorted(folds)
    edges = {1001: 1, 1019: 1, 1020: 2, 1037: 2, 1038: 3, 1055: 3, 1056: 4, 1073: 4, 1074: 5, 1091: 5}
    assert {a: fold_of_actor(a) for a in edges} == edges
    with pytest.raises(ValueError):
        fold_of_actor(1092)


def test_clips_labels_and_folds(tmp_path):
    labels = write(tmp_path / "CREMA-D", seed=0)
    samples = list(load(tmp_path / "CREMA-D"))
    assert len(samples) == 20 and [s.id for s in samples] == sorted(labels)
    for s in samples:
        actor, _, emotion, level = s.id.split("_")
        assert s.target == EMOTIONS[emotion] and s.meta["fold"] == fold_of_actor(int(actor))
        assert s.meta["level"] == level and s.media[0].endswith(f"VideoFlash/{s.id}.flv")
    assert {s.target for s in samples} == set(EMOTIONS.values())
    assert sorted({s.meta["fold"] for s in samples}) == [1, 2, 3, 4, 5]


def test_converted_mp4_and_flat_folder_are_accepted(tmp_path):
    write(tmp_path / "CREMA-D", actors=(1001,), per_actor=2)
    flat = tmp_path / "flat"
    (tmp_path / "CREMA-D/VideoFlash").rename(flat)
    (flat / "1001_DFA_ANG_XX.flv").rename(flat / "1001_DFA_ANG_XX.mp4")
    samples = list(load(flat))
    assert [s.media[0].rsplit("/", 1)[1] for s in samples] == ["1001_DFA_ANG_XX.mp4", "1001_IEO_DIS_LO.flv"]


def test_bad_trees_name_the_file(tmp_path):
    root = tmp_path / "CREMA-D"
    write(root, actors=(1001, 1050), per_actor=1)
    bad = root / "VideoFlash/1001_DFA_XYZ_XX.flv"
    bad.write_bytes(b"")
    with pytest.raises(DatasetError, match=r"1001_DFA_XYZ_XX\.flv: clip name is not actor_sentence_emotion_level"):
        list(load(root))
    bad.unlink()
    (root / "VideoFlash/1200_DFA_ANG_XX.flv").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"1200_DFA_ANG_XX\.flv: actor 1200 is outside 1001\.\.1091"):
        list(load(root))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match=r"empty: no clips \(\.flv, \.mp4\)"):
        list(load(empty))


def test_constrained_replay_uar_war_by_hand(cli, tmp_path):
    labels = write(tmp_path / "data" / "CREMA-D", seed=0, per_actor=3)
    classes = list(EMOTIONS.values())

    def predicted(stem: str) -> str | None:
        i = sorted(labels).index(stem)
        truth = EMOTIONS[labels[stem]]
        if i % 11 == 5:
            return None
        return truth if i % 4 else classes[(classes.index(truth) + 1) % 6]

    def answer(row):
        assert "Choose one of: anger, disgust, fear, happiness, neutral, sadness." in row["prompt"]
        guess = predicted(row["id"])
        return "I'm not sure." if guess is None else guess.capitalize() + "."

    metrics, _, _ = replay(cli, tmp_path, "cremad", tmp_path / "data", answer, style="constrained")
    assert metrics["n"] == 30 and metrics["n_invalid"] == 3
    per_fold = {}
    for fold in range(1, 6):
        stems = [s for s in labels if fold_of_actor(int(s[:4])) == fold]
        per_fold[fold] = recalls([(EMOTIONS[labels[s]], predicted(s)) for s in stems])
        got = metrics["metrics"]["per_fold"][str(fold)]
        assert (got["uar"], got["war"]) == pytest.approx(per_fold[fold])
    assert metrics["metrics"]["uar"] == pytest.approx(sum(u for u, _ in per_fold.values()) / 5)
    assert metrics["metrics"]["war"] == pytest.approx(sum(w for _, w in per_fold.values()) / 5)
