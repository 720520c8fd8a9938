"""AgeDB: file-name labels, malformed names, subsets, and the two-question protocol (age MAE,
gender accuracy) on replayed answers computed by hand."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import ConfigError, DatasetError
from facebench.fixtures.agedb import write
from facebench.loaders.agedb import load
from facebench.loaders.filenames import DatasetWarning
from facebench.tasks.registry import get_task


def test_names_give_age_gender_and_subject(tmp_path):
    labels = write(tmp_path, seed=1, n=12)
    samples = load(tmp_path)
    assert len(samples) == 12
    for s in samples:
        age, g = labels[s.id]
        assert s.target == {"age": age, "gender": {"m": "male", "f": "female"}[g]}
    sartre = next(s for s in samples if "Jean_Paul_Sartre" in s.id)
    assert sartre.meta["subject"] == "Jean_Paul_Sartre"  # underscores inside the name


def test_malformed_names_are_skipped_with_a_warning_or_an_error(tmp_path):
    write(tmp_path, n=4)
    (tmp_path / "12_NoGender_40.jpg").write_bytes(b"")
    (tmp_path / "13_Bad_x_f.jpg").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.warns(DatasetWarning, match=r"skipped 2 AgeDB file\(s\).*12_NoGender_40.jpg, 13_Bad_x_f.jpg"):
        assert len(load(tmp_path)) == 4
    with pytest.raises(DatasetError, match=r"12_NoGender_40.jpg: AgeDB file name does not follow"):
        load(tmp_path, on_malformed="error")


def test_subset_file_restricts_and_names_unknown_lines(tmp_path):
    labels = write(tmp_path, n=6)
    chosen = sorted(labels)[:2]
    (tmp_path / "split.txt").write_text("".join(f"{c}.jpg\n" for c in chosen))
    assert [s.id for s in load(tmp_path, subset_file="split.txt")] == chosen
    (tmp_path / "split.txt").write_text(f"{chosen[0]}.jpg\n99_Nobody_1_m.jpg\n")
    with pytest.raises(DatasetError, match=r"split.txt:2: listed image '99_Nobody_1_m.jpg'"):
        load(tmp_path, subset_file="split.txt")


def test_qa_asks_age_and_gender_each_parsed_by_its_own_parser(tmp_path):
    write(tmp_path, n=3)
    task = get_task("agedb")
    samples = task.load_samples(tmp_path)
    built = task.build_requests(samples, "qa")
    assert [r.key.rsplit("/", 1)[1] for r, _, _ in built] == ["age", "gender"] * 3
    age, gender = built[0][0], built[1][0]
    assert age.prompt == ("What is the age of the person in the picture? Estimate with a number "
                          "from 1 to 100, such as 1,2,3,...")
    assert gender.prompt == "Is the person in the picture female? Answer directly with Yes or No."
    assert task.parse("I'd say 35.", age.meta).value == 35
    assert task.parse("Yes.", gender.meta).value == "yes"
    assert task.parse("Yes.", age.meta).value is None  # not read as a number
    # a question's own style asks only that question; open has no gender question
    assert {r.key.rsplit("/", 1)[1] for r, _, _ in task.build_requests(samples, "gender_qa")} == {"gender"}
    opened = task.build_requests(samples, "open")
    assert len(opened) == 3 and opened[0][0].prompt.startswith("Give your assessment of the person's age")


def test_a_question_naming_an_unknown_style_is_a_config_error(tmp_path):
    from facebench.tasks.task import Task

    write(tmp_path, n=1)
    task = get_task("agedb")
    questions = dict(task.config.kind_options["questions"])
    questions["age"] = {**questions["age"], "styles": {"qa": "age_typo"}}
    broken = Task(task.config.model_copy(update={"kind_options": {"questions": questions}}), task.source)
    with pytest.raises(ConfigError, match="question 'age' uses style 'age_typo'"):
        broken.build_requests(broken.load_samples(tmp_path), "qa")


def test_replayed_answers_give_hand_computed_mae_and_gender_accuracy(cli, tmp_path):
    labels = write(tmp_path / "data" / "AgeDB", seed=3, n=10)
    stems = sorted(labels, key=lambda s: int(s.split("_")[0]))
    offsets = [0, 3, -5, 10, 2, -1, 7, None, 4, None]  # None: no usable number
    gender_plan = ["right"] * 6 + ["wrong"] * 2 + ["invalid"] * 2

    def answer(row):
        stem, question = row["id"].rsplit("/", 1)
        i = stems.index(stem)
        age, g = labels[stem]
        if question == "age":
            off = offsets[i]
            return "I cannot tell." if off is None else f"{age + off}"
        plan = gender_plan[i]
        if plan == "invalid":
            return "The person has short hair."
        female = (g == "f") if plan == "right" else (g != "f")
        return "Yes" if female else "No"

    metrics, predictions, rows = replay(cli, tmp_path, "agedb", tmp_path / "data", answer)
    m = metrics["metrics"]
    assert len(rows) == 20 and metrics["n"] == 20 and metrics["n_invalid"] == 4
    valid = [abs(o) for o in offsets if o is not None]
    assert m["age_mae"] == pytest.approx(sum(valid) / len(valid))
    assert m["age_n_invalid"] == 2 and m["age_n_valid"] == 8
    assert m["gender_accuracy"] == pytest.approx(6 / 10)
    assert m["format_valid_rate"] == pytest.approx(16 / 20)
    assert metrics["primary_metric"] == "age_mae" and metrics["lower_is_better"] == ["age_mae"]
    ages = [labels[s][0] for s in stems]
    median = statistics.median(ages)
    assert metrics["floor"]["age_mae"] == pytest.approx(sum(abs(a - median) for a in ages) / 10)
    assert metrics["floor"]["gender_accuracy"] == pytest.approx(
        Counter(labels[s][1] for s in stems).most_common(1)[0][1] / 10)
    by_id = {p["id"]: p for p in predictions}
    first = by_id[f"{stems[1]}/age"]
    assert first["target"] == {"question": "age", "value": labels[stems[1]][0]} and first["score"] == 3
