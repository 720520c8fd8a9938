"""Misspellings read as the synonym one edit away, never a real word and never a close-word swap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.parsing import load_synonyms, parse
from facebench.parsing.discourse import FUZZY_MIN_TARGET
from facebench.parsing.synonyms import _matcher, real_words
from tests.parsing.helpers import RAFDB, expression_ctx

CTX = expression_ctx()

MISSPELT = [
    ("hapiness", "happiness"), ("happyness", "happiness"), ("smilling", "happiness"),
    ("saddness", "sadness"), ("sadnes", "sadness"), ("suprise", "surprise"),
    ("surprized", "surprise"), ("suprized", "surprise"), ("fearfull", "fear"),
    ("frigthened", "fear"), ("disgusst", "disgust"), ("digusted", "disgust"),
    ("angery", "anger"), ("anrgy", "anger"), ("nuetral", "neutral"), ("netural", "neutral"),
]


@pytest.mark.parametrize("word, value", MISSPELT)
def test_misspelling_is_read(word: str, value: str) -> None:
    result = parse("synonym_class", f"The person looks {word}.", CTX)
    assert (result.value, result.rule) == (value, "fuzzy")


# real words one edit from a synonym: a careless reader would turn them into emotions
REAL_WORDS = ["sorry", "brief", "stared", "shared", "context", "please", "ranges", "scarred",
              "mans", "cared", "sacred", "glade", "briefly", "angle", "angel", "woman", "smelled"]


@pytest.mark.parametrize("word", REAL_WORDS)
def test_real_words_are_never_misspellings(word: str) -> None:
    result = parse("synonym_class", f"The person {word}.", CTX)
    assert result.value is None, result


@pytest.mark.parametrize("text", ["mda", "sda", "The person is mda.", "hapy or sda"])
def test_three_letter_words_are_never_corrected(text: str) -> None:
    assert parse("synonym_class", text, CTX).value in (None, "happiness")
    assert parse("synonym_class", "The face is sda.", CTX).value is None


def test_a_misspelling_must_reach_exactly_one_class() -> None:
    _, matcher = _matcher(expression_ctx(classes=RAFDB + ("contempt",)))
    assert matcher.misspelt("smirkin") == ("contempt", "smirking")
    # "smilling" is one edit from "smiling" (happiness) only
    assert matcher.misspelt("smilling") == ("happiness", "smiling")
    assert matcher.misspelt("sadd") is None  # "sad" is three letters: never a target


def test_real_words_file_lists_only_words_that_need_it() -> None:
    """Every listed word is within a misspelling's reach of a synonym of a shipped list
    (otherwise the list is stale: rerun scripts/real_words.py)."""
    from rapidfuzz.distance import OSA

    from facebench.parsing.matcher import phrase_key
    from facebench.parsing.text import variants

    targets = {form for name in ("expression", "celeba_attributes", "deepfake",
                                 "zeroshot_attributes")
               for cls, phrases in load_synonyms(name).items() for p in (cls, *phrases)
               for form in variants(phrase_key(p))
               if " " not in form and len(form) >= FUZZY_MIN_TARGET and form.isalpha()}
    words = real_words()
    assert {"stared", "context", "scarred", "ranges"} <= words
    stale = [w for w in words if not any(
        w[0] == t[0] and OSA.distance(w, t) <= (2 if len(w) >= 8 else 1) for t in targets)]
    assert stale == []
    assert not words & targets  # a synonym is never listed as a mere real word


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(real_words())), st.sampled_from(RAFDB))
def test_no_listed_real_word_reads_as_any_class(word: str, cls: str) -> None:
    assert parse("synonym_class", f"It is {word}.", CTX).value is None
