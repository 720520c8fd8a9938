"""The zero-shot attribute manifest (JSONL and CSV), its checks, and per-category accuracy and
their mean (Face-MLLM Table 4) on replayed answers computed by hand."""

from __future__ import annotations

import json

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import ConfigError, DatasetError
from facebench.fixtures.zeroshot_attributes import write
from facebench.loaders.zeroshot_attributes import load
from facebench.tasks.registry import get_task


def test_one_sample_per_question_variant(tmp_path):
    rows = write(tmp_path, per_category=2)
    samples = load(tmp_path)
    assert len(samples) == sum(len(r["questions"]) for r in rows) == 2 * (2 + 3 + 2 + 2)
    first = samples[0]
    assert first.id == "images/0001/q1" and samples[1].id == "images/0001/q2"
    assert first.target == "single eyelid" and first.meta["category"] == "eyelid type"
    assert first.media[0] == str(tmp_path / "images" / "0001.jpg")
    assert first.meta["options"] == ["single eyelid", "double eyelid"]


def test_csv_manifest_with_pipe_separated_options(tmp_path):
    (tmp_path / "manifest.csv").write_text(
        "image,category,label,options,question,description,id\n"
        "faces/a.jpg,nose shape,aquiline nose,upturned nose|aquiline nose|low bridge nose,What nose?,,a\n"
        "faces/a.jpg,nose shape,aquiline nose,upturned nose|aquiline nose|low bridge nose,Which nose shape?,,a\n"
    )
    samples = load(tmp_path)
    assert [s.id for s in samples] == ["a/q1", "a/q2"]
    assert samples[1].meta["question"] == "Which nose shape?" and samples[1].meta["line"] == 3
    assert samples[0].meta["options"] == ["upturned nose", "aquiline nose", "low bridge nose"]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"image": "a.jpg", "category": "lip shape", "label": "thin lips",
          "options": ["cherry lips", "thick lips"], "question": "Lips?"}, "label 'thin lips' is not one of the options"),
        ({"image": "a.jpg", "category": "lip shape", "label": "thick lips",
          "options": ["thick lips"], "question": "Lips?"}, "options must list 2"),
        ({"image": "a.jpg", "label": "thick lips", "options": ["cherry lips", "thick lips"],
          "question": "Lips?"}, r"lacks field\(s\) category"),
        ({"image": "a.jpg", "category": "lip shape", "label": "thick lips",
          "options": ["cherry lips", "thick lips"]}, "has no question"),
    ],
)
def test_bad_rows_name_the_manifest_line(tmp_path, row, message):
    good = {"image": "b.jpg", "category": "eyelid type", "label": "double eyelid",
            "options": ["single eyelid", "double eyelid"], "question": "Eyelids?"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(row) + "\n")
    with pytest.raises(DatasetError, match=message) as err:
        load(tmp_path)
    assert "manifest.jsonl:2" in str(err.value)


def test_invalid_json_and_missing_manifest(tmp_path):
    with pytest.raises(DatasetError, match="manifest.jsonl, manifest.csv"):
        load(tmp_path)
    (tmp_path / "manifest.jsonl").write_text('{"image": "a.jpg",\n')
    with pytest.raises(DatasetError, match="manifest.jsonl:1: not valid JSON"):
        load(tmp_path)


def test_labels_outside_the_task_classes_are_refused_with_the_line(tmp_path):
    (tmp_path / "manifest.jsonl").write_text(json.dumps(
        {"image": "a.jpg", "category": "chin", "label": "pointed chin",
         "options": ["pointed chin", "square chin"], "question": "Chin?"}) + "\n")
    task = get_task("zeroshot_attributes")
    with pytest.raises(ConfigError, match=r"manifest line 1\) uses label\(s\) 'pointed chin', 'square chin'"):
        task.build_requests(task.load_samples(tmp_path))


def test_choice_prompt_shows_description_question_and_options(tmp_path):
    write(tmp_path, per_category=1)
    task = get_task("zeroshot_attributes")
    request = task.build_requests(task.load_samples(tmp_path))[0][0]
    assert request.prompt.startswith("A single eyelid has no visible crease above the eye;")
    assert request.prompt.endswith(
        "Which eyelid type does the person in the image have? "
        "Options: single eyelid, double eyelid. Answer with one of the options.")


def test_replayed_answers_give_per_category_and_mean_accuracy(cli, tmp_path):
    rows = write(tmp_path / "data" / "zeroshot_attributes", per_category=2)
    truth = {}
    for r in rows:
        base = r["image"].rsplit(".", 1)[0]
        for k in range(1, len(r["questions"]) + 1):
            truth[f"{base}/q{k}"] = (r["category"], r["label"], r["options"])

    def answer(row):
        category, label, options = truth[row["id"]]
        if category == "eyelid type":  # all right; plural and synonym forms
            return {"single eyelid": "Single eyelids.", "double eyelid": "The person has a double-fold eyelid."}[label]
        if category == "eye shape":  # right only on the first variant
            wrong = next(o for o in options if o != label)
            return label.capitalize() if row["id"].endswith("q1") else wrong
        if category == "nose shape":
            return "I am not able to judge noses." if row["id"].endswith("q1") else label
        return "thick lips"  # lip shape: right exactly when the label is thick lips

    metrics, _, sent = replay(cli, tmp_path, "zeroshot_attributes", tmp_path / "data", answer)
    assert len(sent) == 18
    m = metrics["metrics"]
    lips = [label for c, label, _ in truth.values() if c == "lip shape"]
    expected = {"eyelid type": 1.0, "eye shape": 2 / 6, "nose shape": 0.5,
                "lip shape": lips.count("thick lips") / len(lips)}
    assert m["per_group_accuracy"] == pytest.approx(expected)
    assert m["accuracy_eye_shape"] == pytest.approx(2 / 6)
    assert m["mean_accuracy"] == pytest.approx(sum(expected.values()) / 4)
    assert m["accuracy"] == pytest.approx((4 + 2 + 2 + lips.count("thick lips")) / 18)
    assert metrics["n_invalid"] == 2
    assert metrics["floor"]["accuracy_eyelid_type"] == pytest.approx(0.5)
