"""reference mode: cases worked by hand from the public FABA/EmoLA and AVERE scripts' rules,
and an equivalence check against a literal restatement of EmoLA's description2emotion."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.parsing import ParseContext, load_synonyms, mode_disagreements, parse
from facebench.parsing.reference import reference_lists
from tests.parsing.helpers import DISFA, expression_ctx
from tests.parsing.peers import emola_description2emotion

# (text, class, rule) worked by hand from eval_FABA.py
EMOLA = [
    # first word of the first sentence in a list decides
    ("The person looks happy.", "happiness", "reference:first_sentence"),
    # the "no" sentence is dropped, nothing is left, so the original text is used: "smile"
    ("There is no smile here; the face is sad.", "happiness", "reference:first_sentence"),
    # "sad" is in no EmoLA list; the rest is empty -> all-zero -> happiness
    ("The person is not happy. She looks sad.", "happiness", "reference:default"),
    # "nose" contains "no": sentence dropped; "calm" is neutral
    ("Her nose is wrinkled in disgust. She is calm.", "neutral", "reference:first_sentence"),
    # "curiosity" is in surprise and fear; surprise comes first in the order
    ("I see curiosity.", "surprise", "reference:first_sentence"),
    # "discomfort" is in disgust and sadness; sadness comes first in the order
    ("The person displays discomfort.", "sadness", "reference:first_sentence"),
    # counts in the rest: concern (sadness) x2, focus (fear) x1
    ("A photo of a face. It shows concern and concern and focus.", "sadness", "reference:majority"),
    # tie 1-1 between anger and fear: anger is earlier in the order
    ("A face. Anger and fear.", "anger", "reference:majority"),
    # "!" does not split sentences for the negative filter: one sentence with "not" -> dropped,
    # nothing left -> original; first sentence ends at "!"
    ("He is surprised! Not happy.", "surprise", "reference:first_sentence"),
    # "isn't " (with its space) drops the first sentence; "Yes." matches nothing
    ("Isn't she happy? Yes.", "happiness", "reference:default"),
    # "Normal" contains "nor": dropped. "angry" is in no list, "mad" is anger
    ("Normal face. She is angry and mad.", "anger", "reference:first_sentence"),
    # first line ends with "!", the regex does not cross lines but does not need to
    ("Happy!\nShe smiles.", "happiness", "reference:first_sentence"),
]

EMOLA_CRASH = [
    "The face is full of sadness",  # no end mark at all
    "She smiles\nbroadly. Happy.",  # no end mark on the first line
    "",
]


@pytest.mark.parametrize("text, value, rule", EMOLA)
def test_emola_hand_worked(text: str, value: str, rule: str) -> None:
    result = parse("synonym_class", text, expression_ctx("reference"))
    assert (result.value, result.rule) == (value, rule)


@pytest.mark.parametrize("text", EMOLA_CRASH)
def test_emola_crash_is_unparseable(text: str) -> None:
    assert parse("synonym_class", text, expression_ctx("reference")).rule == "reference:crash"


def test_avere_variant() -> None:
    ctx = expression_ctx("reference", reference_variant="avere")
    # appends "." so the no-end-mark answer reads; lists are extended ("melancholy")
    assert parse("synonym_class", "The face is full of sadness", ctx).value == "sadness"
    assert parse("synonym_class", "Melancholy.", ctx).value == "sadness"
    assert parse("synonym_class", "Melancholy.", expression_ctx("reference")).rule == "reference:default"
    assert parse("synonym_class", "   ", ctx).rule == "reference:crash"


def test_reference_action_units() -> None:
    ctx = ParseContext(au_codes=DISFA, mode="reference")
    assert parse("action_units", "AU01, AU12", ctx).value == (12,)  # "01" != "1"
    assert parse("action_units", "au12", ctx).value == ()  # case-sensitive
    assert parse("action_units", "AU4 is not present.", ctx).value == (4,)  # no negation
    assert parse("action_units", "AU15 and AU25", ctx).value == (25,)
    result = parse("action_units", "The face is calm.", ctx)
    assert (result.value, result.rule) == ((), "reference:au_regex")  # never unparseable


def test_reference_number() -> None:
    ctx = ParseContext(mode="reference")
    assert parse("number", "The person in image 1 appears 35.", ctx).value == 1
    assert parse("number", "She is not 20. She is 30.", ctx).value == 30
    assert parse("number", "mid-20s", ctx).value == 20
    assert parse("number", "No idea.", ctx).rule == "reference:no_number"


def test_mode_disagreements_counts_differences() -> None:
    texts = ["The person looks happy.", "The person is not happy. She looks sad.", "A face."]
    assert mode_disagreements("synonym_class", texts, expression_ctx()) == [1, 2]


_EMOLA = load_synonyms("reference_emola")
_VOCAB = sorted({w for ws in _EMOLA.values() for w in ws}) + [
    "the", "face", "Nose", "know", "normal", "not", "no", "isn't", "sad", "A", "Mr.", "e.g.",
]
_TOKENS = st.sampled_from(_VOCAB + [".", "!", "?", ";", ",", "\n", ". ", "? ", "  "])


@settings(max_examples=400, deadline=None)
@given(st.lists(_TOKENS, max_size=30).map(" ".join))
def test_reference_equals_literal_restatement(text: str) -> None:
    cls, _ = reference_lists(expression_ctx("reference")).classify(text)
    assert cls == emola_description2emotion(text, _EMOLA)
