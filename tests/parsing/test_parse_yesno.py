"""yes_no: table of answer forms, hedges and contradictions."""

from __future__ import annotations

import pytest

from facebench.parsing import ParseContext, parse
from facebench.types import ParseResult

CTX = ParseContext()

CASES = [
    ("Yes", "yes", "leading"),
    ("Yes.", "yes", "leading"),
    ("yes", "yes", "leading"),
    ("YES!", "yes", "leading"),
    ("No", "no", "leading"),
    ("No, the person does not have bags under the eyes.", "no", "leading"),
    ("Yes, no doubt about it.", "yes", "leading"),
    ("Answer: No", "no", "leading"),
    ("The answer is yes.", "yes", "leading"),
    ("Probably yes.", "yes", "leading"),
    ("I think no.", "no", "leading"),
    ("Nope.", "no", "leading"),
    ("Yeah, she is.", "yes", "leading"),
    ("Probably not.", "no", "hedged_no"),
    ("Not really.", "no", "hedged_no"),
    ("Based on the image, yes.", "yes", "standalone"),
    ("Looking closely at the brows: no.", "no", "standalone"),
    ("<think>hmm, maybe yes</think>No", "no", "leading"),
    ("“Yes”", "yes", "leading"),
]

FAILS = [
    ("", "empty"),
    ("The person is female.", "no_yes_no"),
    ("There is no visible smile.", "no_yes_no"),  # "no" is a determiner, not an answer
    ("Yes or no: hard to tell.", "uncertain"),
    ("yes and no", "no_yes_no"),
    ("I'm not sure.", "refusal"),  # no yes/no at all: a refusal (strict mode)
    ("Not sure.", "refusal"),
    ("It is hard to say, yes. Or maybe no.", "uncertain"),
    ("Some would say yes. Others, no.", "both"),
]


@pytest.mark.parametrize("text, value, rule", CASES)
def test_reads(text: str, value: str, rule: str) -> None:
    result = parse("yes_no", text, CTX)
    assert (result.value, result.rule) == (value, rule)


@pytest.mark.parametrize("text, rule", FAILS)
def test_unparseable(text: str, rule: str) -> None:
    result = parse("yes_no", text, CTX)
    assert result.value is None and result.rule == rule


def test_reference_mode_reads_like_strict() -> None:
    ref = ParseContext(mode="reference")
    for text, value, _ in CASES:
        assert parse("yes_no", text, ref).value == value


# --- refusals (strict mode) vs hedges ----------------------------------------------------------

REFUSALS = [
    "I can't tell from this picture.",
    "I am unable to determine whether the man has a mustache.",
    "It's impossible to say from this photo.",
    "No clue.",
    "No, I cannot judge that from the image.",
    "Nope, can't say.",
    "Sorry, I can't help with identifying people.",
    "The photo is too blurry.",
    "There is no face in the frame.",
]
#: a hedge weighs yes against no: it engaged with the question
HEDGES = [
    "Yes or no? Difficult to tell.",
    "Hard to say: maybe yes, maybe no.",
    "Can't tell, perhaps yes.",
]


@pytest.mark.parametrize("text", REFUSALS)
def test_a_refusal_is_its_own_outcome(text: str) -> None:
    result = parse("yes_no", text, CTX)
    assert (result.value, result.rule, result.refused) == (None, "refusal", True)


@pytest.mark.parametrize("text", HEDGES)
def test_a_hedge_is_uncertain_not_a_refusal(text: str) -> None:
    assert parse("yes_no", text, CTX) == ParseResult(None, "uncertain")


# (text, value, rule): a few words flip the read between an answer and a refusal
PAIRS = [
    (("No, I can't tell.", None, "refusal"), ("No, I can't see any.", "no", "leading")),
    (("No idea.", None, "refusal"), ("No, she is not.", "no", "leading")),
    (("I can't tell.", None, "refusal"), ("I can't tell for sure, but yes.", None, "uncertain")),
    (("The image is too dark.", None, "refusal"), ("The image is too dark, but yes.", "yes", "standalone")),
    (("I can't see the face.", None, "refusal"), ("I can't see any earrings.", None, "no_yes_no")),
    (("Sorry, I cannot answer that.", None, "refusal"), ("Sorry, no.", "no", "standalone")),
]


@pytest.mark.parametrize("left, right", PAIRS)
def test_refusal_pairs(left: tuple, right: tuple) -> None:
    for text, value, rule in (left, right):
        assert parse("yes_no", text, CTX) == ParseResult(value, rule), text


def test_reference_mode_keeps_its_rules() -> None:
    """Reference mode reads yes/no as before: doubt is "uncertain", no rule "refusal"."""
    ref = ParseContext(mode="reference")
    assert parse("yes_no", "I can't tell from this picture.", ref).rule == "uncertain"
    assert parse("yes_no", "Not sure.", ref).rule == "uncertain"
    assert parse("yes_no", "The photo is too blurry.", ref).rule == "no_yes_no"
    assert parse("yes_no", "No idea.", ref) == ParseResult("no", "leading")
    for text in REFUSALS + HEDGES:
        assert parse("yes_no", text, ref).rule != "refusal"
