"""Rubric templates, task-type mapping, strict rating parsing, pins and prices."""

from __future__ import annotations

import json

import pytest

from facebench.adapters.registry import load_card
from facebench.errors import ConfigError
from facebench.judge.client import Catalog, Judge, load_catalog
from facebench.judge.reasoning import format_label, parse_ratings
from facebench.judge.rubrics import (
    TASK_TYPES,
    available,
    get_rubric,
    reasoning_rubric,
    task_type_of,
)
from facebench.judge.schema import CRITERIA


# Face-LLaVA Fig. 17 (/work/shared/papers/face-llava.txt): the three criteria, verbatim, for video
FIG17 = (
    "(1) Consistency or overlap of the given description with respect to the video.\n"
    "(2) Consistency or overlap of the given description with respect to the ground truth label.\n"
    "(3) Overall completeness of the description to reason the ground truth label with respect to the video."
)
# Fig. 8's output instruction (the same for every task type)
FIG8_OUTPUT = ('Your output should be in JSON format as following {"rating":{"1":"rating for task 1", '
               '"2"...}, "reason":"short reason for ratings if any"}.')
# Fig. 8's first sentence and label line per task type, for the medium Fig. 8 prints it with
FIG8 = {
    "expression": ("video", "You are given 8 frames uniformly sampled from a video along with a description "
                   "for the facial expression with reason for the video. You are also provided with the "
                   "ground truth categorical emotional label associated with the video.",
                   '"Categorical Label": "L" "Description": "D"'),
    "action_units": ("image", "You are given an image along with a description for the facial action units "
                     "activated with reason for the image. You are also provided with the ground truth "
                     "action units (FACS-coded) associated with the image.",
                     '"Action Unit Label": "L" "Description": "D"'),
    "attributes": ("image", "You are given an image along with a description for the face attributes present "
                   "in the image with reason associated with them. You are also provided with the ground "
                   "truth face-attributes associated with the image.",
                   '"Face Attributes Label": "L" "Description": "D"'),
    "age": ("image", "You are given an image along with a description for the estimated age of the person in "
            "the image with reason associated with them. You are also provided with the ground truth age "
            "associated with the person in the image.",
            '"Ground Truth Age": "L" "Description": "D"'),
    "deepfake": ("video", "You are given 8 frames uniformly sampled from a video along with a description for "
                 "the authenticity or forgery for the video. You are also provided with the ground truth "
                 "associated with the video.",
                 '"Categorical label": "L" "Description": "D"'),
}


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_reasoning_rubric_is_fig8_with_fig17_criteria(task_type):
    rubric = reasoning_rubric(task_type)
    assert rubric.id == f"reasoning_{task_type}.v2" and available()[f"reasoning_{task_type}"] == [1, 2]
    medium, opening, label_line = FIG8[task_type]
    text = rubric.render(modality=medium, num_frames=8, label="L", description="D")
    fig17 = FIG17 if medium == "video" else FIG17.replace("the video", "the image")
    assert text == (f"{opening}\n\nYour task is to rate the given {medium} and description pair on a scale "
                    f"of 1(lowest) to 10(highest) based on the following metrics -\n\n{fig17}\n\n"
                    f"{FIG8_OUTPUT}\n\n{label_line}")
    other = "image" if medium == "video" else "video"
    swapped = rubric.render(modality=other, num_frames=8, label="L", description="D")
    assert ("an image" if other == "image" else "8 frames uniformly sampled from a video") in swapped
    assert f"the given {other} and description pair" in swapped and f"respect to the {medium}" not in swapped


def test_version_1_rubrics_still_render_for_old_results():
    old = reasoning_rubric("expression", 1)
    text = old.render(modality="image", num_frames=8, label="L", description="D")
    assert old.id == "reasoning_expression.v1" and all(c in text for c in CRITERIA)


def test_missing_variable_is_an_error_not_an_empty_prompt():
    with pytest.raises(ConfigError, match="description"):
        reasoning_rubric("age").render(modality="image", num_frames=8, label="30")
    with pytest.raises(ConfigError, match="versions"):
        get_rubric("reasoning_age", 99)


def test_task_types_are_explicit():
    assert task_type_of("rafdb") == "expression" and task_type_of("disfa") == "action_units"
    assert task_type_of("mystery") is None
    assert task_type_of("mystery", {"mystery": "age"}) == "age"
    with pytest.raises(ConfigError):
        task_type_of("mystery", {"mystery": "poetry"})


@pytest.mark.parametrize("text,rule", [
    ('{"rating":{"1":"7", "2":"8", "3":"6"}, "reason":"short reason"}', "strict"),  # Fig. 8's shape
    ('{"rating": {"1": 7, "2": 8, "3": 6}}', "strict"),
    ('Here you go:\n```json\n{"rating": {"1": 7, "2": 8, "3": 6,},}\n```', "repaired"),
])
def test_ratings_parse(text, rule):
    parsed = parse_ratings(text)
    assert parsed is not None and parsed[1] == rule
    assert parsed[0]["ratings"] == {"media_consistency": 7, "label_consistency": 8, "completeness": 6}


@pytest.mark.parametrize("text", [
    "", "7, 8, 6", '{"rating": {"1": 7, "2": 8}}', '{"rating": {"1": 0, "2": 8, "3": 6}}',
    '{"rating": {"1": 7.5, "2": 8, "3": 6}}', '{"rating": {"1": true, "2": 8, "3": 6}}',
    '{"rating": {"1": "8/10", "2": 8, "3": 6}}', '{"1": 7, "2": 8, "3": 6}', '[7, 8, 6]',
    '{"media_consistency": 7, "label_consistency": 8, "completeness": 6}',  # version 1's shape
])
def test_ratings_never_guess(text):
    assert parse_ratings(text) is None


def test_version_1_replies_parse_only_under_version_1():
    v1 = '{"media_consistency": 7, "label_consistency": 8, "completeness": 6, "reason": "x"}'
    parsed = parse_ratings(v1, version=1)
    assert parsed is not None and parsed[0]["ratings"]["completeness"] == 6
    assert parse_ratings('{"rating": {"1": 7, "2": 8, "3": 6}}', version=1) is None


def test_labels_in_words():
    assert format_label([1, 2, 12]) == "AU1, AU2, AU12"
    assert format_label({"Smiling": True, "Bald": False}) == "present: Smiling; absent: Bald"
    assert format_label(34) == "34"
    assert format_label({"question": "age", "value": 52}) == "age: 52"
    assert format_label("no", {"class_name": "Inner Brow Raiser"}) == "Inner Brow Raiser: no"


def test_shipped_judge_cards_pin_versions_and_name_key_variables(monkeypatch):
    catalog = load_catalog()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-SECRET")
    for name, env in (("judge-gpt-4o-mini", "OPENAI_API_KEY"), ("judge-gemini-1.5-flash", "GEMINI_API_KEY"),
                      ("judge-local-vllm", None), ("judge-gpt-4-0613", "OPENAI_API_KEY")):
        judge = Judge(load_card(name))
        assert judge.settings.api_key_env == env
        assert judge.describe()["api_key_env"] == env
        assert "SECRET" not in json.dumps(judge.describe())
    assert Judge(load_card("judge-gpt-4o-mini")).model == "gpt-4o-mini-2024-07-18"
    # MM-Vet's own grader ships too: the evaluator's default --gpt_model, no seed, text only
    mmvet = load_card("judge-gpt-4-0613")
    assert Judge(mmvet).model == "gpt-4-0613" and Judge(mmvet).settings.seed is None
    assert Judge(mmvet).settings.api_key_env == "OPENAI_API_KEY"
    assert catalog.price("gpt-4-0613") == {"input": 30.0, "output": 60.0}
    assert catalog.cost("gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert Catalog().cost("unknown-model", 10, 10) is None  # unknown price is not free


def test_judge_card_must_use_the_openai_adapter():
    from facebench.adapters.registry import ModelCard

    with pytest.raises(ConfigError, match="openai"):
        Judge(ModelCard(name="x", adapter="random"))
