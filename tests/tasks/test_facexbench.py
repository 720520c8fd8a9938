"""FaceXBench from its released question files: multi-image questions, per-question options,
accuracy pooled and per category / sub-category / number of images on replayed answers computed
by hand, and the public scorer's answer-letter rule in reference mode."""

from __future__ import annotations

import json

import pytest
from tests.tasks.task_replay import replay

from facebench.errors import DatasetError
from facebench.fixtures.facexbench import write
from facebench.loaders.facexbench import load
from facebench.parsing import ParseContext, parse
from facebench.parsing.facexbench import reference_label
from facebench.tasks.registry import get_task

LETTERS = "ABCD"


def test_release_files_become_one_sample_per_question(tmp_path):
    truth = write(tmp_path)
    samples = {s.id: s for s in load(tmp_path)}  # the repository folder, benchmark/ inside
    assert set(samples) == set(truth) and len(samples) == 10
    assert {s.id for s in load(tmp_path / "benchmark")} == set(truth)
    multi = samples["agedb30_multiple_mcq/3"]
    assert [p.rsplit("/", 1)[1] for p in multi.media] == [f"question_3_{k}.png" for k in range(1, 5)]
    assert multi.target == "Image 4" and multi.meta["answer_letter"] == "C"
    assert multi.meta["category"] == "face_recognition" and multi.meta["sub_category"] == "hr_fr"
    crowd = samples["jhucrowd_single_mcq_val/1"]  # numeric options, shown as str()
    assert crowd.meta["options"] == ["28", "33", "32", "30"] and crowd.target == "30"
    assert samples["tools_retrieval/1"].meta["context"].startswith("Ignore the black image provided.")
    assert samples["affectnet_single_mcq/1"].meta["context"] == ""


def test_several_images_reach_one_request_in_order_with_the_question_text_last(tmp_path):
    write(tmp_path)
    task = get_task("facexbench")
    samples = [s for s in task.load_samples(tmp_path) if s.id == "agedb30_multiple_mcq/1"]
    (request, target, _), = task.build_requests(samples)
    parts = request.messages[0].content
    assert [p.type for p in parts] == ["image"] * 3 + ["text"]
    assert request.media == list(samples[0].media)
    assert request.choices == tuple(LETTERS) and target == "Images 2 and 3"
    # evaluate.py's order (line breaks rendered as spaces): question, postpend_text, options
    assert request.prompt == (
        "Which two images show the same person? Please answer the question and provide only the "
        "correct option letter, e.g., A, B, C, D. (A) Images 1 and 2 (B) Images 2 and 3 "
        "(C) Images 1 and 3 (D) None of them")
    (described, _, _), = task.build_requests(samples, style="task_description")
    assert described.prompt.startswith("High-resolution face recognition involves identifying")
    tools = [s for s in task.load_samples(tmp_path) if s.id == "tools_retrieval/2"]
    (tool_request, _, _), = task.build_requests(tools, style="task_description")
    assert tool_request.prompt.startswith("Ignore the black image provided. 1. Age Estimation:")
    assert "This task involves selecting the correct sequence" in tool_request.prompt


def test_image_paths_must_stay_inside_the_benchmark_folder(tmp_path):
    write(tmp_path)
    path = tmp_path / "benchmark" / "affectnet_single_mcq.json"
    content = json.loads(path.read_text())
    content["questions"]["2"]["image_paths"] = ["../../secret.png"]
    path.write_text(json.dumps(content))
    with pytest.raises(DatasetError, match=r"affectnet_single_mcq.json: question '2': path '../../secret.png' leads outside"):
        load(tmp_path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda q: q.update(correct_answer_option="E"), r"question '1': correct_answer_option 'E' is not one of A, B, C, D"),
        (lambda q: q.update(options=["only one"]), r"question '1': options must be a list of 2 to 26"),
        (lambda q: q.pop("question_text"), r"question '1': question_text is missing"),
    ],
)
def test_malformed_questions_are_named(tmp_path, change, message):
    write(tmp_path)
    path = tmp_path / "benchmark" / "tools_retrieval.json"
    content = json.loads(path.read_text())
    change(content["questions"]["1"])
    path.write_text(json.dumps(content))
    with pytest.raises(DatasetError, match=message):
        load(tmp_path)


def test_non_utf8_question_file_is_one_line_naming_file_and_line(tmp_path):
    write(tmp_path)
    path = tmp_path / "benchmark" / "agedb30_multiple_mcq.json"
    path.write_bytes(path.read_bytes().replace(b"same person", b"same p\xe9rson", 1))
    with pytest.raises(DatasetError, match=r"agedb30_multiple_mcq.json:\d+: not UTF-8 text") as err:
        load(tmp_path)
    assert "\n" not in str(err.value)


# -- the public scorer's letter rule (aggregate_results.py, extract_option_label) --------------
# Its pattern comments, verbatim: "Matches 'A', '(A)', etc.", "Matches 'Option A', etc.",
# "Matches 'A.', etc.", "Matches 'A:', etc.", "Matches 'A -', etc.", "Matches '(A)', etc.";
# then "search the entire text"; then "try to match the output to the option texts exactly"
# (equal, or ``option_text_stripped in model_output_clean``); else None.
OPTIONS = ("Images 1 and 2", "Images 4 and 5", "Images 1 and 4", "Images 5 and 4")


@pytest.mark.parametrize(
    "answer, label, rule",
    [
        ("A", "A", "reference:start"),
        ("(A)", "A", "reference:anywhere"),  # \b fails before "(" at the start; found in the text
        ("Option B", "B", "reference:start"),  # the second pattern
        ("C.", "C", "reference:start"),
        ("D: Images 5 and 4", "D", "reference:start"),
        ("B - Images 4 and 5", "B", "reference:start"),
        ("  D  ", "D", "reference:start"),  # stripped first
        ("The answer is C", "C", "reference:anywhere"),
        ("I think it is a B", "B", "reference:anywhere"),  # 'I' is no label, 'a' is lower case
        ("A person appears in images 1 and 4, so C", "A", "reference:start"),  # defect: the article
        ("Images 1 and 4", "C", "reference:option_text"),
        ("They are images 5 and 4.", None, "reference:no_option"),  # case-sensitive substring
        ("Surely Images 4 and 5 match", "B", "reference:option_text"),
        ("e", None, "reference:no_option"),  # labels are upper case only
        ("", None, "reference:no_option"),
    ],
)
def test_reference_rule_reproduces_the_public_scorer(answer, label, rule):
    assert reference_label(answer, 4, OPTIONS) == (label, rule)
    ctx = ParseContext(options=OPTIONS, mode="reference")
    result = parse("facexbench_option", answer, ctx)
    assert result.value == (OPTIONS[LETTERS.index(label)] if label else None) and result.rule == rule


def test_reference_option_text_takes_the_first_option_that_is_a_substring():
    # numeric options: "12 people" contains "1" (listed first) before "12"
    assert reference_label("12 people", 4, ("1", "12", "13", "14")) == ("A", "reference:option_text")
    # strict mode reads the whole-word mention instead
    assert parse("facexbench_option", "12 people", ParseContext(options=("1", "12", "13", "14"))).value == "12"


def test_replayed_answers_give_hand_computed_accuracy_per_category(cli, tmp_path):
    truth = write(tmp_path / "data" / "FaceXBench")
    plan = {  # (answer, correct under strict, correct under reference)
        "affectnet_single_mcq/1": "(A)",
        "affectnet_single_mcq/2": "The answer is C",
        "affectnet_single_mcq/3": "I am not sure.",  # invalid in both modes
        "agedb30_multiple_mcq/1": "Images 2 and 3",  # option text: right
        "agedb30_multiple_mcq/2": "B",  # wrong (A is right)
        "agedb30_multiple_mcq/3": "A person like image 1 is in image 4, so C",  # strict C; reference A
        "jhucrowd_single_mcq_val/1": "30",  # option text: D, right
        "jhucrowd_single_mcq_val/2": "About 5 or 6",  # strict: two options, invalid; reference: 5 (B)
        "tools_retrieval/1": "B",
        "tools_retrieval/2": None,  # no answer: an error row, in no denominator
    }

    def answer(row):
        assert row["prompt"].endswith(" ".join(f"({letter}) {o}" for letter, o in zip(LETTERS, truth[row["id"]]["options"])))
        return plan[row["id"]]

    metrics, predictions, sent = replay(cli, tmp_path, "facexbench", tmp_path / "data", answer)
    assert len(sent) == 10 and len(sent[3]["media"]) == 3
    m = metrics["metrics"]
    assert m["n_answered"] == 9 and metrics["n_error"] == 1 and metrics["n_invalid"] == 2
    assert m["accuracy"] == pytest.approx(6 / 9)
    assert m["accuracy_by_category"] == pytest.approx({
        "attributes_expression": 2 / 3, "face_recognition": 2 / 3, "face_localization": 1 / 2, "tools_use": 1.0})
    assert m["accuracy_by_sub_category"] == pytest.approx({
        "expression": 2 / 3, "hr_fr": 2 / 3, "crowd_counting": 1 / 2, "tools_retrieval": 1.0})
    assert m["accuracy_by_num_images"] == pytest.approx({"single": 3 / 5, "multiple": 2 / 3, "zero": 1.0})
    assert m["accuracy_category_face_localization"] == pytest.approx(0.5)
    assert metrics["floor"]["accuracy"] == pytest.approx(0.25)
    rules = {p["id"]: p["rule"] for p in predictions}
    assert rules["agedb30_multiple_mcq/1"] == "option_text" and rules["tools_retrieval/2"] == "error"

    cli("score", tmp_path / "results", "--mode", "reference", expect=None)
    (folder,) = (tmp_path / "results" / "replay").glob("*/facexbench")
    ref = json.loads((folder / "metrics.reference.json").read_text())
    assert ref["mode"] == "reference" and ref["n_invalid"] == 1
    # reference: agedb30/3 read as A (wrong), jhucrowd/2 read as B (wrong, not invalid)
    assert ref["metrics"]["accuracy"] == pytest.approx(5 / 9)
    assert ref["metrics"]["accuracy_by_category"]["face_recognition"] == pytest.approx(1 / 3)
