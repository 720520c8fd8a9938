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


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_every_task_type_has_a_versioned_rubric_naming_all_criteria(task_type):
    rubric = reasoning_rubric(task_type)
    assert rubric.id == f"reasoning_{task_type}.v{available()[f'reasoning_{task_type}'][-1]}"
    image = rubric.render(modality="image", num_frames=8, label="L", description="D")
    video = rubric.render(modality="video", num_frames=8, label="L", description="D")
    for text in (image, video):
        assert all(c in text for c in CRITERIA) and "1 (very poor) to 10" in text
        assert text.endswith("Model answer: D")
    assert "one image" in image and "8 frames" in video


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
    ('{"media_consistency": 7, "label_consistency": 8, "completeness": 6, "reason": "x"}', "strict"),
    ('{"media_consistency": "7", "label_consistency": "8", "completeness": "6"}', "strict"),
    ('Here you go:\n```json\n{"media_consistency": 7, "label_consistency": 8, "completeness": 6,}\n```', "repaired"),
])
def test_ratings_parse(text, rule):
    parsed = parse_ratings(text)
    assert parsed is not None and parsed[1] == rule
    assert parsed[0]["ratings"] == {"media_consistency": 7, "label_consistency": 8, "completeness": 6}


@pytest.mark.parametrize("text", [
    "", "7, 8, 6", '{"media_consistency": 7, "label_consistency": 8}',
    '{"media_consistency": 0, "label_consistency": 8, "completeness": 6}',
    '{"media_consistency": 7.5, "label_consistency": 8, "completeness": 6}',
    '{"media_consistency": true, "label_consistency": 8, "completeness": 6}',
    '{"rating": {"1": 7, "2": 8, "3": 6}}', '[7, 8, 6]',
])
def test_ratings_never_guess(text):
    assert parse_ratings(text) is None


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
                      ("judge-local-vllm", None)):
        judge = Judge(load_card(name))
        assert judge.settings.api_key_env == env
        assert judge.describe()["api_key_env"] == env
        assert "SECRET" not in json.dumps(judge.describe())
    assert Judge(load_card("judge-gpt-4o-mini")).model == "gpt-4o-mini-2024-07-18"
    assert catalog.cost("gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert Catalog().cost("unknown-model", 10, 10) is None  # unknown price is not free


def test_judge_card_must_use_the_openai_adapter():
    from facebench.adapters.registry import ModelCard

    with pytest.raises(ConfigError, match="openai"):
        Judge(ModelCard(name="x", adapter="random"))
