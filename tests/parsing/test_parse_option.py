"""option_letter: table of answer forms, adversarial answers included."""

from __future__ import annotations

import pytest

from facebench.parsing import ParseContext, parse
from tests.parsing.helpers import RAFDB

# RAF-DB in Face-MLLM's order: A surprise, B fear, C disgust, D happiness, E sadness,
# F anger, G neutral
CTX = ParseContext(classes=RAFDB, options=RAFDB)

CASES = [
    ("D", "happiness", "letter"),
    ("(D)", "happiness", "letter"),
    ("D.", "happiness", "letter"),
    (" d ", "happiness", "letter"),
    ("[G]", "neutral", "letter"),
    ("D: happiness", "happiness", "letter_lead"),
    ("D. Happiness", "happiness", "letter_lead"),
    ("(D) happiness", "happiness", "letter_lead"),
    ("The answer is D", "happiness", "letter_lead"),
    ("The answer is D.", "happiness", "letter_lead"),
    ("Answer: (C)", "disgust", "letter_lead"),
    ("Option D", "happiness", "letter_lead"),
    ("Looking at the mouth, the answer is E.", "sadness", "letter_cue"),
    ("I'd go with option (b)", "fear", "letter_cue"),
    ("Given the wide eyes, (A).", "surprise", "letter_paren"),
    ("I choose D because she smiles", "happiness", "letter_inline"),
    ("A is the best fit", "surprise", "letter_inline"),
    ("happiness", "happiness", "option_text"),
    ("Happiness.", "happiness", "option_text"),
    ("The expression is anger, not sadness.", "anger", "option_text"),
    ("<think>It could be A or B.</think>D", "happiness", "letter"),
    ("ASSISTANT: F", "anger", "letter"),
    ("<|im_start|>assistant\nG<|im_end|>", "neutral", "letter"),
    ("**D**", "happiness", "letter"),
    ("Ｄ", "happiness", "letter"),  # full-width letter (NFKC)
]

FAILS = [
    ("A person who looks happy and relaxed", "no_letter"),  # article, and no option text
    ("A person who looks surprised and afraid", "no_letter"),
    ("The answer is a happy face", "no_letter"),
    ("B: happiness", "letter_text_conflict"),
    ("A and B", "multiple_letters"),
    ("Either (A) or (B)", "multiple_letters"),
    ("H", "letter_out_of_range"),
    ("happiness or sadness", "several_options"),
    ("", "empty"),
    ("   ", "empty"),
    ("<think>D is likely", "empty"),  # never finished reasoning: no answer
    ("I cannot determine the expression.", "no_letter"),
]


@pytest.mark.parametrize("text, value, rule", CASES)
def test_reads(text: str, value: str, rule: str) -> None:
    result = parse("option_letter", text, CTX)
    assert (result.value, result.rule) == (value, rule)


@pytest.mark.parametrize("text, rule", FAILS)
def test_unparseable(text: str, rule: str) -> None:
    result = parse("option_letter", text, CTX)
    assert result.value is None and result.rule == rule


def test_value_follows_shuffled_options() -> None:
    shuffled = ("neutral", "happiness", "fear", "anger", "surprise", "sadness", "disgust")
    ctx = ParseContext(classes=RAFDB, options=shuffled)
    assert parse("option_letter", "B", ctx).value == "happiness"
    assert parse("option_letter", "B: happiness", ctx).value == "happiness"
    assert parse("option_letter", "D: happiness", ctx).rule == "letter_text_conflict"


def test_display_names_count_as_option_text() -> None:
    ctx = ParseContext(classes=("real", "fake"), options=("fake", "real"),
                       extra={"class_names": {"real": "Real video", "fake": "Fake video"}})
    assert parse("option_letter", "fake video", ctx).value == "fake"
    assert parse("option_letter", "B", ctx).value == "real"


def test_no_options_is_unparseable() -> None:
    assert parse("option_letter", "A", ParseContext()).rule == "no_options"


def test_very_long_answer() -> None:
    text = "The face shows many cues. " * 2000 + "The answer is D."
    assert parse("option_letter", text, CTX).value == "happiness"
