"""Answers that are not answers are their own outcome (rule "refusal", value None): apart from
an answer that names no attribute ("no_mentions") and from text that could not be read."""

from __future__ import annotations

import re

import pytest

from facebench.parsing import parse
from facebench.parsing.refusal import refusal_reason
from facebench.types import REFUSAL
from tests.parsing.helpers import attribute_ctx, deepfake_ctx, expression_ctx

REFUSALS = [
    ("I don't know.", "unsure"),
    ("I do not know.", "unsure"),
    ("I'm not sure.", "unsure"),
    ("No idea.", "unsure"),
    ("Hard to tell.", "unsure"),
    ("It is difficult to determine the expression.", "unsure"),
    ("I cannot tell what the person is feeling.", "unsure"),
    ("It is unclear what emotion is shown.", "unsure"),
    ("Not enough information to answer.", "unsure"),
    ("The image is too dark to see anything.", "no_image"),
    ("The picture is too low resolution.", "no_image"),
    ("There is no face in this image.", "no_image"),
    ("The face is covered by a scarf.", "no_image"),
    ("I can't see the image.", "no_image"),
    ("I'm sorry, I can't help with that.", "declined"),
    ("As an AI, I do not identify people.", "declined"),
    ("I must decline to analyse this photo.", "declined"),
]


@pytest.mark.parametrize("text, reason", REFUSALS)
def test_refusal_reason(text: str, reason: str) -> None:
    assert refusal_reason(text) == reason


@pytest.mark.parametrize("text", [
    "The person looks sad.", "She is not happy.", "No beard, no glasses.", "A calm face.",
    "The person knows the camera is there.", "She is sorrowful.",
])
def test_answers_are_not_refusals(text: str) -> None:
    assert refusal_reason(text) is None


@pytest.mark.parametrize("text", [t for t, _ in REFUSALS] + [
    "It's hard to say whether the person is happy or sad.",  # "whether": neither asserted
    "I don't know if she is happy or surprised.",
    "Happy? Sad? Difficult to say.",
])
def test_expression_refusal_is_its_own_outcome(text: str) -> None:
    result = parse("synonym_class", text, expression_ctx())
    assert (result.value, result.rule, result.refused) == (None, REFUSAL, True)


@pytest.mark.parametrize("text, value", [
    ("I'm not sure, but she looks sad.", "sadness"),
    ("Hard to tell, but probably surprised.", "surprise"),
    ("Sorry for the wait: the person is happy.", "happiness"),
])
def test_an_asserted_class_outranks_a_hedge(text: str, value: str) -> None:
    assert parse("synonym_class", text, expression_ctx()).value == value


def test_attribute_refusal_is_not_an_all_absent_answer() -> None:
    ctx = attribute_ctx()
    refused = parse("synonym_attributes", "I don't know.", ctx)
    none_present = parse("synonym_attributes", "A face.", ctx)
    assert (refused.value, refused.rule) == (None, REFUSAL)
    assert (none_present.value, none_present.rule) == ((), "no_mentions")
    hedged = parse("synonym_attributes", "I'm not sure, but he has a beard and glasses.", ctx)
    assert "Eyeglasses" in hedged.value and hedged.rule == "mentions"
    assert parse("synonym_attributes", "It is unclear whether she wears earrings.", ctx).rule == REFUSAL


def test_deepfake_refusal() -> None:
    result = parse("synonym_class", "I cannot determine whether this video is real or fake.",
                   deepfake_ctx())
    assert result.rule == REFUSAL


def test_refusal_is_invalid_like_any_unparsed_answer() -> None:
    result = parse("synonym_class", "No idea.", expression_ctx())
    assert not result.valid and result.refused
    assert not parse("synonym_class", "Sad.", expression_ctx()).refused


@pytest.mark.parametrize("text, reason", [
    ("I don't see anybody in this photo.", "no_image"),
    ("There's no one in the picture.", "no_image"),
    ("The image failed to load.", "no_image"),
    ("The photo seems to be corrupted.", "no_image"),
    ("The face is turned away.", "no_image"),
    ("I can't estimate that.", "unsure"),
    ("It's impossible to know.", "unsure"),
    ("I have no way of telling.", "unsure"),
    ("I cannot make a judgment about her feelings.", "unsure"),
    ("I'd prefer not to guess.", "declined"),
    ("That is not something I can do.", "declined"),
])
def test_more_refusal_phrasings(text: str, reason: str) -> None:
    assert refusal_reason(text) == reason


@pytest.mark.parametrize("text", [
    "I can't see any glasses.",  # an answer about the glasses
    "I can't see a beard on him.",
    "She doesn't see the camera.",
])
def test_not_seeing_an_attribute_is_no_refusal(text: str) -> None:
    assert refusal_reason(text) is None


def test_a_class_offered_and_left_open_is_ambiguous_not_refused() -> None:
    ctx = expression_ctx()
    assert parse("synonym_class", "Fear or surprise, I can't tell.", ctx).rule == "tie"
    assert parse("synonym_class", "I can't tell if it is fear or surprise.", ctx).rule == REFUSAL


@pytest.mark.parametrize("text", [
    *(text for text, _ in REFUSALS), "N/A", "Expression: n/a", "No face.", "no faces",
    "Sadly I'm unable to tell.", "i'm unable to tell", "The girl's face isn't visible.",
    "FACE_NOT_DETECTED", "(I'm not sure.)", "...not sure", "Happy.", "She looks sad, I think.",
])
def test_the_word_start_look_ahead_changes_no_match(text: str) -> None:
    """The refusal patterns skip to letters before trying their phrases (a speed-up); every
    phrase starts with a letter, so the same texts match as with the bare word boundary."""
    from facebench.parsing.refusal import _WORD_START, REASONS

    assert _WORD_START.startswith("(?=[a-z])")
    for pattern in REASONS.values():
        bare = re.compile(pattern.pattern.replace(_WORD_START, r"\b", 1), pattern.flags)
        for variant in (text, text.lower(), text.upper()):
            assert (pattern.search(variant) is None) == (bare.search(variant) is None), variant
