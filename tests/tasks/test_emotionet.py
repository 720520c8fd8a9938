"""EmotioNet from its manifest: AU columns, 999 = not asked, bad cells named, and Face-MLLM's
AU accuracy (all yes/no answers pooled) on replayed answers computed by hand."""

from __future__ import annotations

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.emotionet import write
from facebench.loaders.emotionet import AU_CODES, load
from facebench.tasks.registry import get_task

HEADER = "image," + ",".join(f"AU{c}" for c in AU_CODES)


def test_manifest_rows_become_au_targets_without_unannotated_aus(tmp_path):
    labels = write(tmp_path, seed=1, n=8)
    samples = load(tmp_path)
    assert {s.id: s.target for s in samples} == labels
    assert "AU43" not in samples[3].target and len(samples[3].target) == 11
    task = get_task("emotionet")
    built = task.build_requests(task.load_samples(tmp_path))
    assert len(built) == 8 * 12 - 2
    assert built[0][0].prompt == (
        "Inner Brow Raiser is a facial expression that involves the upward movement of the inner "
        "part of the eyebrows.Does the person in the image contains the AU of Inner Brow Raiser? "
        "Answer directly with Yes or No.")


def test_header_variants_and_url_column(tmp_path):
    cols = ",".join(f"AU{c:02d}" for c in AU_CODES)
    (tmp_path / "emotionet.csv").write_text(
        f"URL,{cols}\nhttp://x.org/img/face_1.jpg?s=1,{','.join(['1'] * 12)}\n"
        f"http://x.org/img/face_2.jpg,{','.join(['999'] * 12)}\n")
    samples = load(tmp_path)
    assert [s.id for s in samples] == ["images/face_1"]  # the all-999 row is skipped
    assert samples[0].media[0] == str(tmp_path / "images" / "face_1.jpg")
    assert all(samples[0].target.values())


def test_bad_cells_and_missing_columns_are_named(tmp_path):
    path = tmp_path / "emotionet.csv"
    path.write_text(f"{HEADER}\na.jpg,{','.join(['0'] * 12)}\nb.jpg,{','.join(['0'] * 11)},2\n")
    with pytest.raises(DatasetError, match=r"emotionet.csv:3: AU43 must be 0, 1 or 999, got '2'"):
        load(tmp_path)
    path.write_text("image,AU1,AU2\na.jpg,0,1\n")
    with pytest.raises(DatasetError, match=r"emotionet.csv:1: manifest lacks AU column\(s\) AU4, AU5"):
        load(tmp_path)
    path.write_text(f"{HEADER}\na.jpg,{','.join(['0'] * 12)}\na.jpg,{','.join(['1'] * 12)}\n")
    with pytest.raises(DatasetError, match="emotionet.csv:3: image 'a.jpg' is listed twice"):
        load(tmp_path)


def test_replayed_answers_give_hand_computed_au_accuracy(cli, tmp_path):
    labels = write(tmp_path / "data" / "EmotioNet", seed=3, n=8)
    counted = {"right": 0, "n": 0}
    per_au = {f"AU{c}": [0, 0] for c in AU_CODES}

    def answer(row):
        stem, au = row["id"].rsplit("/", 1)
        truth = labels[stem][au]
        n = counted["n"]
        counted["n"] += 1
        per_au[au][1] += 1
        if n % 5 == 4:
            return "I am not sure."
        if n % 5 == 3:
            return "No" if truth else "Yes"
        counted["right"] += 1
        per_au[au][0] += 1
        return "Yes" if truth else "No"

    metrics, _, rows = replay(cli, tmp_path, "emotionet", tmp_path / "data", answer)
    assert len(rows) == 8 * 12 - 2 == counted["n"]
    m = metrics["metrics"]
    assert m["accuracy"] == pytest.approx(counted["right"] / counted["n"])
    assert m["per_class_accuracy"] == pytest.approx({au: r / n for au, (r, n) in per_au.items()})
    assert metrics["primary_metric"] == "accuracy"
    majority = sum(max(sum(labels[s][au] for s in labels if au in labels[s]),
                       sum(not labels[s][au] for s in labels if au in labels[s])) for au in per_au)
    assert metrics["floor"]["accuracy"] == pytest.approx(majority / counted["n"])


def test_open_style_reads_au_codes_into_per_au_decisions(tmp_path):
    write(tmp_path, n=1)
    task = get_task("emotionet")
    request, target, _ = task.build_requests(task.load_samples(tmp_path), "open")[0]
    assert request.prompt == "Give the FACS (with explanation) for this image."
    parsed = task.parse("AU1 (inner brow raiser) and AU12 are active.", request.meta).value
    decisions = task.kind._decisions_open(task, target, parsed)
    assert {cls for cls, said, _ in decisions if said} == {"AU1", "AU12"}
