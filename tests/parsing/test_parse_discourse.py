"""synonym_class reads what a careful person reads: contrast and correction, a dominant class
with a secondary one, negation that ends before the answer (facebench.parsing.discourse).

Every row is a real phrasing of the kind models of different sizes give; the adversarial pairs
change a few words so that the right read flips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.parsing import parse
from tests.parsing.helpers import RAFDB, expression_ctx

CTX = expression_ctx()

CONTRAST = [
    ("not angry but sad", "sadness"),
    ("She is not angry, but sad.", "sadness"),
    ("Sad, not angry.", "sadness"),
    ("It looks like anger at first, but it's actually disgust.", "disgust"),
    ("It's actually disgust, though it looks like anger at first.", "disgust"),
    ("At first glance she seems angry. On closer inspection, she is disgusted.", "disgust"),
    ("At first glance the face might seem angry. However, the wrinkled nose points to disgust.",
     "disgust"),
    ("She might seem angry at first. In fact she is disgusted.", "disgust"),
    ("Rather than anger, this is disgust.", "disgust"),
    ("It's disgust rather than anger.", "disgust"),
    ("The expression could be mistaken for fear, but it is really surprise.", "surprise"),
    ("This isn't fear; it's surprise.", "surprise"),
    ("This isn't fear \u2014 it's surprise.", "surprise"),
    ("Instead of fear, the woman's face shows surprise.", "surprise"),
    ("Is she angry? No, she is sad.", "sadness"),
    ("Not anger. Disgust.", "disgust"),
    ("The face is not neutral; it shows clear anger.", "anger"),
    ("I would not call it sadness. It is more like fear.", "fear"),
]

DOMINANT = [
    ("mostly happy, with a hint of surprise", "happiness"),
    ("Mostly happy, with a hint of surprise.", "happiness"),
    ("Although there is some fear, the dominant emotion is surprise.", "surprise"),
    ("There is some fear, but the dominant emotion is surprise.", "surprise"),
    ("The primary emotion is sadness, with a touch of anger.", "sadness"),
    ("Happiness is the main emotion, with a hint of surprise.", "happiness"),
    ("Predominantly sad, slightly angry.", "sadness"),
    ("Slightly angry, predominantly sad.", "sadness"),
    ("A mix of happiness and surprise, but mainly happiness.", "happiness"),
    ("Surprise, followed by a hint of happiness.", "surprise"),
    ("She looks mainly surprised and slightly scared.", "surprise"),
    ("While she shows a bit of surprise, she is primarily scared.", "fear"),
    ("He is happy, although a little surprised as well.", "happiness"),
    ("Fear is the strongest emotion here, though surprise is also present.", "fear"),
    ("There's a mild sadness, but the expression is largely neutral.", "neutral"),
    ("He looks more scared than surprised.", "fear"),
    ("She seems more sad than angry.", "sadness"),
    ("There is a hint of fear in her eyes. Overall she is mainly surprised.", "surprise"),
    ("Her expression leans towards disgust, with faint traces of anger.", "disgust"),
    ("Final answer: sadness.", "sadness"),
    ("The brows are furrowed, which could mean anger. Therefore, the expression is sadness.",
     "sadness"),
]

NEGATION_SCOPE = [
    ("She isn't smiling; she looks sad.", "sadness"),
    ("She isn't smiling, she looks sad.", "sadness"),
    ("She isn't smiling and looks sad.", "sadness"),
    ("There is no smile and her eyes look tearful.", "sadness"),
    ("He doesn't look happy at all, he looks angry.", "anger"),
    ("The person shows no fear; instead, they appear surprised.", "surprise"),
    ("Neither happy nor sad, just neutral.", "neutral"),
    ("Her face shows no happiness, which suggests she is sad.", "sadness"),
    ("The lack of a smile and the downturned mouth suggest sadness.", "sadness"),
    ("Not happy - sad.", "sadness"),
    ("Other than a slight smile, the face is neutral.", "neutral"),
    ("No signs of anger or sadness. The person is calm.", "neutral"),
    ("She is no longer smiling; she seems worried.", "fear"),
]

MISSPELT = [
    ("suprised", "surprise"),
    ("The person looks suprised, not hapy.", "surprise"),
    ("Her expresion is one of saddness.", "sadness"),
    ("The man is angy.", "anger"),
    ("The person looks anrgy.", "anger"),  # a transposition is one edit
    ("nuetral", "neutral"),
    ("She looks frightend.", "fear"),
    ("The woman looks scarred and fearfull.", "fear"),  # "scarred" is a word: left alone
]

TABLE_13_AND_EVERYDAY = [
    ("She looks content.", "happiness"),
    ("Unmoving face.", "neutral"),
    ("The content of the image is a woman who looks sad.", "sadness"),  # noun "content"
    ("The kid looks overjoyed.", "happiness"),
    ("She looks crestfallen.", "sadness"),
    ("He is shocked.", "surprise"),
    ("The man looks jittery.", "fear"),
    ("A revolting smell makes her squeamish.", "disgust"),
    ("He is exasperated.", "anger"),
    ("A tranquil, unperturbed face.", "neutral"),
]

ALL = CONTRAST + DOMINANT + NEGATION_SCOPE + MISSPELT + TABLE_13_AND_EVERYDAY


@pytest.mark.parametrize("text, value", ALL)
def test_reads_like_a_careful_person(text: str, value: str) -> None:
    assert parse("synonym_class", text, CTX).value == value


# (text, value or None): a few words flip the right read
ADVERSARIAL_PAIRS = [
    (("not angry but sad", "sadness"), ("not sad but angry", "anger")),
    (("She isn't smiling, she looks sad.", "sadness"),
     ("She isn't sad, she is smiling.", "happiness")),
    (("Mostly happy, with a hint of surprise.", "happiness"),
     ("Mostly surprised, with a hint of happiness.", "surprise")),
    (("Although there is some fear, the dominant emotion is surprise.", "surprise"),
     ("Although there is some surprise, the dominant emotion is fear.", "fear")),
    (("It looks like anger at first, but it's actually disgust.", "disgust"),
     ("It looks like disgust at first, but it's actually anger.", "anger")),
    (("She seems more sad than angry.", "sadness"), ("She seems more angry than sad.", "anger")),
    (("It's disgust rather than anger.", "disgust"), ("It's anger rather than disgust.", "anger")),
    (("Is she angry? No, she is sad.", "sadness"), ("Is she sad? No, she is angry.", "anger")),
    (("She looks sad.", "sadness"), ("She looks mad.", "anger")),  # close words, no swap
    (("The person looks sad.", "sadness"), ("The person doesn't look sad.", None)),
    (("She looks happy and surprised.", None), ("She looks happy and a bit surprised.", "happiness")),
    (("It could be fear or surprise.", None), ("It could be fear, but mostly surprise.", "surprise")),
    (("She looks content.", "happiness"), ("The content of the photo is a face.", None)),
]


@pytest.mark.parametrize("left, right", ADVERSARIAL_PAIRS)
def test_adversarial_pairs(left: tuple[str, str | None], right: tuple[str, str | None]) -> None:
    assert parse("synonym_class", left[0], CTX).value == left[1]
    assert parse("synonym_class", right[0], CTX).value == right[1]


UNDECIDED = [
    ("She looks happy and surprised.", "tie"),
    ("It could be either fear or surprise.", "tie"),
    ("Sad or angry.", "tie"),
    ("It looks like anger at first glance.", "set_aside"),  # set aside, nothing asserted
    ("Is she angry?", "set_aside"),
    ("She is not happy.", "negated"),
    ("The man is looking at the camera.", "no_match"),
    ("She looks sorry.", "no_match"),  # "sorry" is a word, not a misspelt "worry"
    ("A brief glance.", "no_match"),  # nor "brief" a misspelt "grief"
]


@pytest.mark.parametrize("text, rule", UNDECIDED)
def test_undecided_answers_stay_unparseable(text: str, rule: str) -> None:
    result = parse("synonym_class", text, CTX)
    assert (result.value, result.rule) == (None, rule)


RULES = [
    ("Final answer: surprise. The eyebrows are raised.", "answer"),
    ("It looks like anger at first. But it's actually disgust.", "correction"),
    ("She seems angry. Her brows are lowered.", "first_sentence"),
    ("The face shows hapiness", "fuzzy"),
]


@pytest.mark.parametrize("text, rule", RULES)
def test_rule_names_what_decided(text: str, rule: str) -> None:
    assert parse("synonym_class", text, CTX).rule == rule


# --- property: a class the text only negates is never the read ------------------------------

_WORD = {"happiness": "happy", "sadness": "sad", "surprise": "surprised", "fear": "scared",
         "disgust": "disgusted", "anger": "angry", "neutral": "calm"}
_NEGATED = [
    "she is not {w}", "he isn't {w}", "there is no sign that she is {w}", "she doesn't look {w}",
    "not {w}", "rather than {w}", "neither {w} nor {v}", "no {w} face", "far from {w}",
    "it is hard to say whether she is {w}", "he does not seem {w} at all", "without looking {w}",
]
_ASSERTED = [
    "she looks {v}", "mostly {v}", "a hint of {v}", "actually {v}", "{v}", "the main emotion is {v}",
    "at first {v}", "she might be {v}", "he is {v} rather than {w}", "is she {v}?",
]
_JOIN = [". ", "; ", ", ", " but ", " and ", ", although ", " - ", "\n", ", while "]


@st.composite
def negated_text(draw):
    negated = draw(st.sampled_from(RAFDB))
    others = [c for c in RAFDB if c != negated]
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        other = draw(st.sampled_from(others))
        form = draw(st.sampled_from(_NEGATED + _ASSERTED))
        if form in _ASSERTED and "{w}" not in form:
            parts.append(form.format(v=_WORD[other], w=_WORD[negated]))
        elif form in _ASSERTED:
            parts.append(form.format(v=_WORD[other], w=_WORD[negated]))
        else:
            parts.append(form.format(w=_WORD[negated], v=_WORD[other]))
        parts.append(draw(st.sampled_from(_JOIN)))
    return negated, "".join(parts).strip(" ,;-") + draw(st.sampled_from([".", "", "!"]))


@settings(max_examples=600, deadline=None)
@given(negated_text())
def test_no_read_is_a_class_the_text_negates(case: tuple[str, str]) -> None:
    negated, text = case
    assert parse("synonym_class", text, CTX).value != negated, text
