"""number (age): the estimate, not a stray number; documented range/decade rules."""

from __future__ import annotations

import pytest

from facebench.parsing import ParseContext, parse

CTX = ParseContext()

CASES = [
    ("25", 25, "first_sentence"),
    ("25 years old", 25, "first_sentence_cued"),
    ("about 30", 30, "first_sentence"),
    ("~30", 30, "first_sentence"),
    ("22.5", 22.5, "first_sentence"),
    ("25-30", 27.5, "first_sentence"),
    ("25 to 30 years old", 27.5, "first_sentence_cued"),
    ("between 40 and 50", 45, "first_sentence"),
    ("mid-20s", 25, "first_sentence"),
    ("In her early 30s.", 32, "first_sentence"),
    ("late forties", 48, "first_sentence"),
    ("She is in her twenties.", 25, "first_sentence"),
    ("a teenager in his late teens", 18, "first_sentence"),
    ("twenty-five", 25, "first_sentence"),
    ("Five years old.", 5, "first_sentence_cued"),
    # Face-LLaVA's answer format: the age first, other numbers later
    ("22 years old is a reasonable estimation. Age spots begin after 40.", 22, "first_sentence_cued"),
    ("85 years old is a reasonable estimate ... within the 80-85 year range.", 85, "first_sentence_cued"),
    ("1 year old: the baby has only 2 teeth.", 1, "first_sentence_cued"),
    # stray numbers
    ("The person in image 1 appears to be 35 years old.", 35, "first_sentence_cued"),
    ("I'm 90% sure she is 40.", 40, "first_sentence_cued"),
    ("Born around 1985, she is 30.", 30, "first_sentence_cued"),
    ("Not 20, more like 30.", 30, "first_sentence"),
    ("Based on LLaVA v1.5 features, 44.", 44, "first_sentence"),
    ("The face looks young. I estimate 23.", 23, "later_sentence"),
    ("Age: 45", 45, "first_sentence_cued"),
    ("The person is approximately 38 years old, with 2 visible wrinkles.", 38, "first_sentence_cued"),
]

FAILS = [
    ("", "empty"),
    ("I cannot determine the age.", "refusal"),
    ("One of the people is smiling.", "no_number"),  # "one" without a year cue
    ("The photo is from 1990.", "no_number"),  # outside 0-120
    ("250", "no_number"),
]


@pytest.mark.parametrize("text, value, rule", CASES)
def test_reads(text: str, value: float, rule: str) -> None:
    result = parse("number", text, CTX)
    assert (result.value, result.rule) == (value, rule)
    assert type(result.value) is type(value)


@pytest.mark.parametrize("text, rule", FAILS)
def test_unparseable(text: str, rule: str) -> None:
    result = parse("number", text, CTX)
    assert result.value is None and result.rule == rule


def test_range_limits_are_configurable() -> None:
    ctx = ParseContext(extra={"number_min": 1, "number_max": 100})
    assert parse("number", "0", ctx).value is None
    assert parse("number", "0", CTX).value == 0


# --- refusals (strict mode) --------------------------------------------------------------------

AGE_REFUSALS = [
    "I can't estimate age.",
    "Sorry, I cannot determine the age of people.",
    "I'm unable to guess how old this person is.",
    "The image is too dark to judge an age.",
    "I cannot estimate the age of the person in image 1.",  # "image 1" is not an age
    "As an AI, I won't speculate about ages.",
]


@pytest.mark.parametrize("text", AGE_REFUSALS)
def test_a_refusal_is_its_own_outcome(text: str) -> None:
    result = parse("number", text, CTX)
    assert (result.value, result.rule, result.refused) == (None, "refusal", True)


@pytest.mark.parametrize("text, value", [
    ("I can't be certain, but she looks about 30.", 30),  # an estimate outranks a hedge
    ("Hard to say; maybe 45?", 45),
    ("The man in photo 2 looks 60 years old.", 60),
    ("In frame 3 the child is around 8 years old.", 8),
])
def test_an_estimate_outranks_a_hedge(text: str, value: int) -> None:
    assert parse("number", text, CTX).value == value


def test_reference_mode_is_unchanged() -> None:
    ref = ParseContext(mode="reference")
    assert parse("number", "I can't estimate age.", ref).rule == "reference:no_number"
    assert parse("number", "I cannot estimate the age of the person in image 1.", ref).value == 1
    assert parse("number", "One of the people is smiling.", CTX).rule == "no_number"
