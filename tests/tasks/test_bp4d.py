"""BP4D: AU_OCC csv files (9 = not annotated), frame images with or without zero padding, the
3 subject folds, bad trees, and mean F1 per fold on replayed answers computed by hand."""

from __future__ import annotations

import pytest
from tests.tasks.av_tasks import fold_mean_f1
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.bp4d import write
from facebench.loaders.bp4d import FOLD, load

AUS = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU14", "AU15", "AU17", "AU23", "AU24"]


@pytest.fixture
def tree(tmp_path):
    labels = write(tmp_path / "data" / "BP4D", seed=2)
    return tmp_path / "data", labels


def test_frames_targets_and_folds(tree):
    data, labels = tree
    samples = list(load(data / "BP4D"))
    # 3 subjects x 2 tasks x 5 annotated frames; the 6th frame of each session is all 9s
    assert len(samples) == 30 and [s.id for s in samples] == sorted(labels)
    for s in samples:
        assert s.target == labels[s.id]
        assert list(s.target) == [au for au in AUS if au in s.target]  # protocol order, 9s left out
        m = s.meta
        assert s.media[0].endswith(f"img/{m['subject']}/{m['session']}/{m['frame']}.jpg")
    assert any(len(s.target) < 12 for s in samples)  # some 9s were written
    assert {s.meta["subject"]: s.meta["fold"] for s in samples} == {"F001": 3, "M011": 2, "F007": 1}
    assert len(FOLD) == 41 and FOLD["F014"] == 1 and FOLD["M005"] == 2 and FOLD["M008"] == 3


def test_not_annotated_cells_are_left_out(tmp_path):
    root = tmp_path / "BP4D"
    write(root, subjects=("F001",), tasks=("T1",), n_frames=2)
    header = "0," + ",".join(str(a) for a in range(1, 28))
    row1 = ["2440"] + ["0"] * 27
    row1[1], row1[12], row1[24] = "1", "9", "9"  # AU1 present, AU12 and AU24 not annotated
    row2 = ["2441"] + ["9"] * 27
    row2[5] = "0"  # only AU5 (not a protocol AU) annotated: no sample
    (root / "AUCoding/AU_OCC/F001_T1.csv").write_text("\n".join([header, ",".join(row1), ",".join(row2)]) + "\n")
    samples = list(load(root))
    assert [s.id for s in samples] == ["F001_T1_02440"]
    assert samples[0].target == {au: au == "AU1" for au in AUS if au not in ("AU12", "AU24")}


def test_zero_padded_images_and_au_header_cells(tmp_path):
    root = tmp_path / "BP4D"
    write(root, subjects=("M011",), tasks=("T3",), pad=5, n_frames=3)
    samples = list(load(root))
    assert samples[0].media[0].endswith("img/M011/T3/02440.jpg")
    csv = root / "AUCoding/AU_OCC/M011_T3.csv"
    lines = csv.read_text().splitlines()
    lines[0] = "Frame," + ",".join(f"AU{a:02d}" for a in range(1, 28))
    csv.write_text("\n".join(lines) + "\n")
    assert [s.target for s in load(root)] == [s.target for s in samples]


def test_subset_options(tmp_path):
    root = tmp_path / "BP4D"
    write(root, n_frames=6)
    capped = list(load(root, max_frames_per_subject=4))
    assert [sum(s.meta["subject"] == x for s in capped) for x in ("F001", "M011", "F007")] == [4, 4, 4]
    assert [s.id for s in load(root, stride=3, seed=1)] == [s.id for s in load(root, stride=3, seed=1)]
    assert len(list(load(root, stride=3))) == 3 * 12 // 3


def test_bad_trees_name_the_file_and_line(tmp_path):
    root = tmp_path / "BP4D"
    write(root, subjects=("F001", "M011"), n_frames=3)
    csv = root / "AUCoding/AU_OCC/M011_T2.csv"
    good = csv.read_text()
    lines = good.splitlines()
    cells = lines[2].split(",")
    cells[7] = "2"  # AU7
    lines[2] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"M011_T2\.csv:3: AU7 value '2' is not 0, 1 or 9"):
        list(load(root))
    lines = good.splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0]
    csv.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"M011_T2\.csv:4: expected a frame number and 27 values"):
        list(load(root))
    header = good.splitlines()
    header[0] = "0," + ",".join(str(a) for a in range(1, 17))  # no AU17..24 columns
    header[1:] = [",".join(r.split(",")[:17]) for r in header[1:]]
    csv.write_text("\n".join(header) + "\n")
    with pytest.raises(DatasetError, match=r"M011_T2\.csv:1: header has no column for AU 17, 23, 24"):
        list(load(root))
    csv.write_text(good)
    (root / "AUCoding/AU_OCC/X999_T1.csv").write_text("")  # not a subject name: ignored
    (root / "AUCoding/AU_OCC/F099_T1.csv").write_text(good)
    with pytest.raises(DatasetError, match=r"F099_T1\.csv: subject 'F099' is not one of BP4D's 41"):
        list(load(root))
    with pytest.raises(DatasetError, match=r"AU_OCC: missing BP4D AUCoding/AU_OCC folder"):
        list(load(tmp_path / "nothing"))


def test_qa_style_replay_mean_f1_by_hand(cli, tmp_path):
    data = tmp_path / "data"
    labels = write(data / "BP4D", seed=2, n_frames=4)
    fold = {"F001": 3, "M011": 2, "F007": 1}

    def guess(sid, au, truth):
        return truth != ((int(sid[-2:]) + AUS.index(au)) % 3 == 0)

    def answer(row):
        sid, au = row["id"].split("/")
        return "Yes." if guess(sid, au, labels[sid][au]) else "No."

    metrics, _, rows = replay(cli, tmp_path, "bp4d", data, answer, style="qa")
    # one question per annotated AU only
    assert len(rows) == sum(len(t) for t in labels.values()) < len(labels) * 12
    decisions: dict[int, dict[str, list]] = {}
    for sid, target in labels.items():
        for au, truth in target.items():
            decisions.setdefault(fold[sid[:4]], {}).setdefault(au, []).append((truth, guess(sid, au, truth)))
    expected, per_fold = fold_mean_f1(decisions)
    assert metrics["metrics"]["f1_mean"] == pytest.approx(expected)
    assert {k: v["f1_mean"] for k, v in metrics["metrics"]["per_fold"].items()} == pytest.approx(
        {str(k): v for k, v in per_fold.items()}
    )
