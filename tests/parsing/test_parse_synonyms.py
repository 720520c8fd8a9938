"""synonym_class and synonym_attributes in strict mode."""

from __future__ import annotations

import pytest

from facebench.parsing import ParseContext, parse
from tests.parsing.helpers import RAFDB, attribute_ctx, deepfake_ctx, expression_ctx

EXPRESSION = [
    ("Happiness", "happiness", "first_sentence"),
    ("happy", "happiness", "first_sentence"),
    ("The person looks happy.", "happiness", "first_sentence"),
    ("SAD", "sadness", "first_sentence"),
    ("The person is smiling broadly, a joyful grin.", "happiness", "first_sentence"),
    ("There is no smile here; the face is sad.", "sadness", "first_sentence"),
    ("The person is not happy. She looks sad.", "sadness", "first_sentence"),
    ("She looks happy, not sad.", "happiness", "first_sentence"),
    ("The nose is wrinkled in disgust, she does not know why.", "disgust", "first_sentence"),
    ("Her nose and brows show anger.", "anger", "first_sentence"),  # "nose" is no negator
    ("The image shows a woman. She is smiling, clearly happy, though a little surprised.",
     "happiness", "majority"),
    ("Surprised! Wide open mouth, raised eyebrows, astonished, a bit scared.", "surprise",
     "first_sentence"),
    ("Fear. Although some would read it as surprise, surprise, surprise.", "fear", "first_sentence"),
    ("There is no doubt she is furious.", "anger", "first_sentence"),
    ("<think>Could be sad.</think>Neutral, expressionless.", "neutral", "first_sentence"),
    ("The face shows hapiness", "happiness", "fuzzy"),
    ("suprised", "surprise", "fuzzy"),
    ("Anger.", "anger", "first_sentence"),
    ("Disgusted", "disgust", "first_sentence"),
    ("Sadness.\nThe corners of the mouth are down.", "sadness", "first_sentence"),
]

EXPRESSION_FAILS = [
    ("", "empty"),
    ("She looks happy and surprised.", "tie"),
    ("She is not angry.", "negated"),
    ("No signs of happiness, sadness or anger.", "negated"),
    ("I can't tell.", "refusal"),  # an answer that is not an answer (parsing/refusal.py)
    ("A careful look at the face.", "no_match"),  # "careful" is not "fearful"
    ("A smirk.", "no_match"),  # contempt is not a RAF-DB class
]


@pytest.mark.parametrize("text, value, rule", EXPRESSION)
def test_expression(text: str, value: str, rule: str) -> None:
    result = parse("synonym_class", text, expression_ctx())
    assert (result.value, result.rule) == (value, rule)


@pytest.mark.parametrize("text, rule", EXPRESSION_FAILS)
def test_expression_unparseable(text: str, rule: str) -> None:
    result = parse("synonym_class", text, expression_ctx())
    assert result.value is None and result.rule == rule


def test_contempt_when_the_task_has_it() -> None:
    ctx = expression_ctx(classes=RAFDB + ("contempt",))
    assert parse("synonym_class", "A smirk.", ctx).value == "contempt"


def test_fuzzy_threshold_is_configurable() -> None:
    assert parse("synonym_class", "hapiness", expression_ctx(fuzzy_threshold=99)).rule == "no_match"


def test_class_names_match_without_synonyms() -> None:
    ctx = ParseContext(classes=("Wearing_Hat", "Smiling"))
    assert parse("synonym_class", "The man is wearing a hat.", ctx).value == "Wearing_Hat"


DEEPFAKE = [
    ("Real.", "real"),
    ("This video is real.", "real"),
    ("Fake. The lips are blurred and manipulated.", "fake"),
    ("This is not a deepfake.", "real"),
    ("The video is not real.", "fake"),
    ("Authentic footage with natural lighting.", "real"),
    ("The face was swapped; this is a face-swap deepfake.", "fake"),
]


@pytest.mark.parametrize("text, value", DEEPFAKE)
def test_deepfake(text: str, value: str) -> None:
    assert parse("synonym_class", text, deepfake_ctx()).value == value


def test_deepfake_contradiction_in_first_sentence_is_a_tie() -> None:
    text = "The face appears authentic, and artifacts suggest manipulation."
    assert parse("synonym_class", text, deepfake_ctx()).rule == "tie"


def test_deepfake_concession_is_set_aside() -> None:
    # the concessive clause is a caveat, not the verdict (tests/parsing/test_parse_discourse.py)
    text = "The face appears authentic, although artifacts could suggest manipulation."
    assert parse("synonym_class", text, deepfake_ctx()).value == "real"


ATTRIBUTES = [
    (
        ("The image shows a male with narrow eyes and a smiling expression. He is wearing a hat, "
         "and there appears to be bags under his eyes, possibly due to age or lack of sleep."),
        ("Bags_Under_Eyes", "Male", "Narrow_Eyes", "Smiling", "Wearing_Hat"),
    ),
    (
        ("The image shows a young person with blond hair styled straight. They have arched "
         "eyebrows, high cheekbones, and a big nose. Their mouth is slightly open and they are "
         "smiling, wearing lipstick and heavy makeup. The individual is considered attractive."),
        ("Arched_Eyebrows", "Attractive", "Big_Nose", "Blond_Hair", "Heavy_Makeup",
         "High_Cheekbones", "Mouth_Slightly_Open", "Smiling", "Wearing_Lipstick", "Young"),
    ),
    ("She has wavy brown hair and is not wearing earrings.", ("Brown_Hair", "Wavy_Hair")),
    ("A clean-shaven man with a receding hairline and gray hair.",
     ("Gray_Hair", "Male", "No_Beard", "Receding_Hairline")),
    ("He has no beard.", ("Male", "No_Beard")),
    ("The woman wears glasses, a necklace and a hat; no earrings.",
     ("Eyeglasses", "Wearing_Hat", "Wearing_Necklace")),
    ("A blurry photo of a face.", ("Blurry",)),
    ("A face.", ()),
]


@pytest.mark.parametrize("text, value", ATTRIBUTES)
def test_attributes(text: str, value: tuple[str, ...]) -> None:
    assert parse("synonym_attributes", text, attribute_ctx()).value == value


def test_attributes_unparseable() -> None:
    ctx = attribute_ctx()
    assert parse("synonym_attributes", "", ctx).rule == "empty"
    assert parse("synonym_attributes", "I'm sorry, I cannot help with that.", ctx).rule == "refusal"
    assert parse("synonym_attributes", "A face.", ctx).rule == "no_mentions"


# --- the first-sentence shortcut reads exactly like a full scan --------------------------------

from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.parsing import synonyms as synonyms_module

_PIECES = st.sampled_from([
    "happy", "sad", "surprised", "not", "no", "smile", "fear", "anger", "calm", "the face", "is",
    "but", ".", "!", "?", ";", ",", "\n", ". ", "no doubt", "absent", "not present", "e.g.", "2.5",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=25).map(" ".join))
def test_first_sentence_shortcut_is_exact(text: str) -> None:
    ctx = expression_ctx()
    fast = parse("synonym_class", text, ctx)
    original = synonyms_module._first_sentence_only
    synonyms_module._first_sentence_only = lambda text, matcher: None
    try:
        slow = parse("synonym_class", text, ctx)
    finally:
        synonyms_module._first_sentence_only = original
    assert fast == slow
