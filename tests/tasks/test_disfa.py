"""DISFA: official layout, 8 AUs at intensity >= 2, frame references into the avi (or an
extracted-frame folder), seeded stride subsets, the 3 subject folds, bad trees, and mean F1 per
fold on replayed answers computed by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tests.tasks.av_tasks import fold_mean_f1
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.disfa import write
from facebench.loaders.disfa import FOLD, load
from facebench.media import load_image
from facebench.media.refs import parse_ref
from facebench.parsing import parse
from facebench.parsing.context import ParseContext

AUS = ["AU1", "AU2", "AU4", "AU6", "AU9", "AU12", "AU25", "AU26"]


@pytest.fixture
def tree(tmp_path):
    labels = write(tmp_path / "data" / "DISFA", seed=3, n_frames=10)
    return tmp_path / "data", labels


def test_frames_targets_and_folds(tree):
    data, labels = tree
    samples = list(load(data / "DISFA"))
    assert len(samples) == 30 and {s.id for s in samples} == set(labels)
    for s in samples:
        assert s.target == labels[s.id] and list(s.target) == AUS
        ref = parse_ref(s.media[0])
        assert ref.path.endswith(f"Videos_LeftCamera/LeftVideo{s.meta['subject']}_comp.avi")
        assert ref.frame == s.meta["frame"] - 1  # label frames count from 1
    assert {s.meta["subject"]: s.meta["fold"] for s in samples} == {"SN001": 3, "SN006": 2, "SN003": 1}
    assert FOLD["SN004"] == 1 and FOLD["SN024"] == 2 and FOLD["SN016"] == 3 and len(FOLD) == 27


def test_intensity_threshold_is_two(tmp_path):
    root = tmp_path / "DISFA"
    write(root, n_frames=3, subjects=("SN001",))
    for au in (1, 2, 4, 6, 9, 12, 25, 26):
        (root / f"ActionUnit_Labels/SN001/SN001_au{au}.txt").write_text("1,0\n2,1\n3,2\n")
    (root / "ActionUnit_Labels/SN001/SN001_au26.txt").write_text("1,5\n2,1\n3,2\n")
    got = {s.meta["frame"]: s.target for s in load(root)}
    assert [got[n]["AU1"] for n in (1, 2, 3)] == [False, False, True]
    assert [got[n]["AU26"] for n in (1, 2, 3)] == [True, False, True]


def test_frame_reference_decodes_the_labelled_frame(tree):
    data, _ = tree
    sample = next(s for s in load(data / "DISFA") if s.id == "SN006_00007")
    with_folder = write(data / "copy", seed=3, n_frames=10, frames_folder=True)
    assert with_folder  # same content as the avi, plus the extracted frames
    from_video = np.asarray(load_image(sample.media[0]), dtype=int)
    # frame 7 of the avi is the 7th picture written (0-based index 6); jpg vs mpeg4: close, not equal
    from_jpg = np.asarray(load_image(str(data / "copy/Frames_LeftCamera/SN006/00007.jpg")), dtype=int)
    other = np.asarray(load_image(str(data / "copy/Frames_LeftCamera/SN006/00003.jpg")), dtype=int)
    assert np.abs(from_video - from_jpg).mean() < np.abs(from_video - other).mean() / 2


def test_extracted_frame_folder_is_used_when_present(tmp_path):
    root = tmp_path / "DISFA"
    write(root, n_frames=4, frames_folder=True)
    samples = list(load(root))
    assert all(s.media[0].endswith(f"Frames_LeftCamera/{s.meta['subject']}/{s.meta['frame']:05d}.jpg")
               for s in samples)
    assert all("#frame=" in s.media[0] for s in load(root, frames="video"))
    (root / "Frames_LeftCamera/SN001/00002.jpg").unlink()
    missing = next(s for s in load(root) if s.id == "SN001_00002")
    assert missing.media[0].endswith("Frames_LeftCamera/SN001/2.jpg")  # an error row later, not a skip


def test_stride_and_cap_are_seeded_per_subject(tmp_path):
    root = tmp_path / "DISFA"
    write(root, n_frames=20)
    every5 = [s.meta["frame"] for s in load(root, stride=5) if s.meta["subject"] == "SN001"]
    assert len(every5) == 4 and all(b - a == 5 for a, b in itertools.pairwise(every5))
    assert [s.id for s in load(root, stride=5)] == [s.id for s in load(root, stride=5)]
    offsets = {seed: [s.meta["frame"] % 5 for s in load(root, stride=5, seed=seed)] for seed in range(6)}
    assert len({tuple(v) for v in offsets.values()}) > 1  # the seed moves the start
    capped = list(load(root, stride=2, max_frames_per_subject=3))
    assert [sum(s.meta["subject"] == subj for s in capped) for subj in ("SN001", "SN003", "SN006")] == [3, 3, 3]
    with pytest.raises(DatasetError, match="stride must be >= 1"):
        list(load(root, stride=0))


def test_bad_trees_name_the_file_and_line(tmp_path):
    root = tmp_path / "DISFA"
    write(root, n_frames=4)
    labels = root / "ActionUnit_Labels"
    (labels / "SN003/SN003_au9.txt").unlink()
    with pytest.raises(DatasetError, match=r"SN003/SN003_au9\.txt: missing DISFA AU label file"):
        list(load(root))
    (labels / "SN003/SN003_au9.txt").write_text("1,0\n2,1\n3;2\n4,0\n")
    with pytest.raises(DatasetError, match=r"SN003_au9\.txt:3: expected 'frame,intensity 0-5', got '3;2'"):
        list(load(root))
    (labels / "SN003/SN003_au9.txt").write_text("1,0\n2,7\n")
    with pytest.raises(DatasetError, match=r"SN003_au9\.txt:2: .*got '2,7'"):
        list(load(root))
    (labels / "SN003/SN003_au9.txt").write_text("1,0\n2,1\n3,2\n4,0\n")
    (labels / "SN099").mkdir()
    with pytest.raises(DatasetError, match="SN099.*not one of DISFA's 27 subjects"):
        list(load(root))
    (labels / "SN099").rmdir()
    import shutil

    shutil.rmtree(root / "Videos_LeftCamera")
    with pytest.raises(DatasetError, match="Videos_LeftCamera: missing DISFA Videos_LeftCamera folder"):
        list(load(root))
    with pytest.raises(DatasetError, match="ActionUnit_Labels: missing"):
        list(load(tmp_path / "empty"))


def _flip(sample_id: str, au: str) -> bool:
    """Deterministic 'model mistakes': about a quarter of the decisions are wrong."""
    return (int(sample_id[-2:]) + AUS.index(au)) % 4 == 0


def _decisions(labels, guess):
    """fold -> AU -> [(truth, decision)] for every sample, using guess(sample_id, au, truth)."""
    fold = {"SN001": 3, "SN006": 2, "SN003": 1}
    out: dict[int, dict[str, list]] = {}
    for sid, target in labels.items():
        for au, truth in target.items():
            out.setdefault(fold[sid[:5]], {}).setdefault(au, []).append((truth, guess(sid, au, truth)))
    return out


def test_qa_style_replay_mean_f1_by_hand(cli, tmp_path):
    data = tmp_path / "data"
    labels = write(data / "DISFA", seed=3, n_frames=8, frames_folder=True)  # runs without wiring

    def answer(row):
        sid, au = row["id"].split("/")
        assert row["prompt"].endswith("Answer directly with Yes or No.") and "the AU of" in row["prompt"]
        if sid == "SN006_00002" and au == "AU1":
            return "Maybe, hard to tell."  # unparseable: the wrong decision
        truth = labels[sid][au]
        return "Yes" if truth != _flip(sid, au) else "No"

    metrics, _, rows = replay(cli, tmp_path, "disfa", data, answer, style="qa")
    assert len(rows) == 24 * 8 and metrics["n"] == 24 * 8 and metrics["n_invalid"] == 1

    def guess(sid, au, truth):
        if sid == "SN006_00002" and au == "AU1":
            return not truth
        return truth != _flip(sid, au)

    expected, per_fold = fold_mean_f1(_decisions(labels, guess))
    assert metrics["metrics"]["f1_mean"] == pytest.approx(expected)
    for fold, value in per_fold.items():
        assert metrics["metrics"]["per_fold"][str(fold)]["f1_mean"] == pytest.approx(value)


def _open_answer(aus: list[str]) -> str:
    if not aus:
        return "No action units are activated in this face."
    return f"The activated action units are {', '.join(aus[:-1]) + ' and ' if len(aus) > 1 else ''}{aus[-1]}."


def test_open_answers_parse_to_au_sets():
    ctx = ParseContext(classes=tuple(AUS), au_codes=(1, 2, 4, 6, 9, 12, 25, 26))
    assert parse("action_units", _open_answer(["AU1", "AU4", "AU12"]), ctx).value == (1, 4, 12)
    assert parse("action_units", _open_answer([]), ctx).value == ()


def test_open_style_replay_mean_f1_by_hand(cli, tmp_path):
    data = tmp_path / "data"
    labels = write(data / "DISFA", seed=4, n_frames=6, frames_folder=True)

    def said(sid):
        return [au for au in AUS if labels[sid][au] != _flip(sid, au)]

    def answer(row):
        assert row["prompt"] == "Give the FACS (with explanation) for this image."
        return "I cannot see a face." if row["id"] == "SN001_00004" else _open_answer(said(row["id"]))

    metrics, _, rows = replay(cli, tmp_path, "disfa", data, answer, style="open")
    assert len(rows) == 18 and metrics["n_invalid"] == 1

    def guess(sid, au, truth):
        return (not truth) if sid == "SN001_00004" else au in said(sid)

    expected, _ = fold_mean_f1(_decisions(labels, guess))
    assert metrics["metrics"]["f1_mean"] == pytest.approx(expected)


def test_video_frames_run_end_to_end(cli, tmp_path):
    data = tmp_path / "data"
    labels = write(data / "DISFA", seed=3, n_frames=4)
    (data / "DISFA/Videos_LeftCamera/LeftVideoSN003_comp.avi").unlink()

    def answer(row):
        sid, au = row["id"].split("/")
        return "Yes" if labels[sid][au] else "No"

    metrics, predictions, _ = replay(cli, tmp_path, "disfa", data, answer, style="qa")
    errors = {p["sample_id"] for p in predictions if p["error"]}
    assert errors == {f"SN003_{n:05d}" for n in range(1, 5)}
    assert all("LeftVideoSN003_comp.avi" in p["error"] for p in predictions if p["error"])
    assert metrics["n_error"] == 4 * 8
