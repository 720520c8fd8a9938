"""Parser options a protocol switches on: whole negative sentences dropped (Face-LLaVA App.
F.1-F.2), AU codes read without FACS names, an answer naming no AU read as "no AU", and option
names checked when a task or protocol is loaded."""

from __future__ import annotations

import pytest

from facebench.parsing import ParseContext, parse
from facebench.parsing.options import check_parser_options
from facebench.parsing.sentences import drop_negative_sentences, is_negative
from tests.parsing.helpers import DISFA

PAPER = {"negative_sentences": "drop", "names": False, "unmentioned": "absent"}


@pytest.mark.parametrize(
    "sentence, negative",
    [
        ("AU17 is not directly visible in this image.", True),
        ("The person doesn't look older than 40.", True),  # "n't" reads as "not"
        ("There is no smile.", True),
        ("The nose is wrinkled and I know it.", False),  # whole words: nose/know are not "no"
        ("The face looks normal.", False),  # "nor" is not in "normal"
        ("No doubt, the lips part.", False),  # an idiom negates nothing
        ("No, the face is happy.", False),  # a bare answer particle
    ],
)
def test_negative_sentence_is_a_negator_word(sentence, negative):
    assert is_negative(sentence) is negative


def test_negative_sentences_are_dropped_whole_unless_all_are():
    text = "AU12 (Lip Corner Puller) is active. There is no AU4 here, though AU6 might be. AU25 too."
    assert drop_negative_sentences(text) == "AU12 (Lip Corner Puller) is active. AU25 too."
    assert drop_negative_sentences("No action units are activated.") == "No action units are activated."


def test_face_llava_reading_of_action_units():
    """Fig. 25 (a Face-LLaVA failure case, ground truth: no AU): the only code sits in a
    negative sentence and the names that follow are not codes, so the paper's regex reads no AU."""
    fig25 = ("The image shows a person with their eyes closed. AU17, which refers to the jaw drop, "
             "is not directly visible in this image. However, the closed eyes could be interpreted "
             "as a component of a more complex expression, which might be associated with a subtle "
             "jaw drop.")
    strict = ParseContext(au_codes=DISFA)
    paper = ParseContext(au_codes=DISFA, extra=PAPER)
    assert parse("action_units", fig25, strict).value == (26,)  # facebench reads "jaw drop" = AU26
    read = parse("action_units", fig25, paper)
    assert (read.value, read.rule) == ((), "unmentioned_absent")
    # "AU26 (Lip Tightening)" (Fig. 25): the name would add AU23 where only codes count
    bp4d = (1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24)
    text = "The lips are pressed, which is a characteristic of AU24 (Lip Tightening)."
    assert parse("action_units", text, ParseContext(au_codes=bp4d)).value == (23, 24)
    assert parse("action_units", text, ParseContext(au_codes=bp4d, extra=PAPER)).value == (24,)
    # no AU mentioned: unparseable for facebench, "no AU active" for the paper; empty stays empty
    assert parse("action_units", "The face looks calm.", strict).value is None
    assert parse("action_units", "The face looks calm.", paper).value == ()
    assert parse("action_units", "", paper).value is None


def test_face_llava_reading_of_ages():
    ctx = ParseContext(extra={"negative_sentences": "drop"})
    text = "It is hard to say, she doesn't look 18. She is 60 years old."
    assert parse("number", text, ParseContext()).value == 18
    assert parse("number", text, ctx).value == 60
    fig25 = ("24 years old is a reasonable estimate based on several observable features. It's "
             "important to note that this is an estimation based on visual cues and may not be "
             "perfectly accurate.")
    assert parse("number", fig25, ctx).value == 24


@pytest.mark.parametrize(
    "parser, options, message",
    [
        ("action_units", {"unmentioned": "none"}, "'none' is not one of"),
        ("action_units", {"name": False}, "has no option 'name'"),
        ("number", {"names": False}, "has no option 'names'"),
        ("number", {"number_max": "100"}, "is not a int or float"),
        ("synonym_class", {"negative_sentences": "yes"}, "'yes' is not one of"),
    ],
)
def test_unknown_options_and_values_are_refused(parser, options, message):
    with pytest.raises(ValueError, match=message):
        check_parser_options(parser, options)
    check_parser_options("action_units", PAPER)  # the protocol's own options are fine
