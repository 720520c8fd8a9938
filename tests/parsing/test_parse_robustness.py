"""No parser raises on any text, and none reaches the internal-error fallback."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from facebench.parsing import PARSERS, ParseContext, parse
from tests.parsing.helpers import DISFA, attribute_ctx, deepfake_ctx, expression_ctx

CONTEXTS = {
    "option_letter": [expression_ctx(), expression_ctx("reference")],
    "yes_no": [ParseContext()],
    "number": [ParseContext(), ParseContext(mode="reference")],
    "action_units": [ParseContext(au_codes=DISFA), ParseContext(au_codes=DISFA, mode="reference")],
    "synonym_class": [expression_ctx(), expression_ctx("reference"), deepfake_ctx(),
                      expression_ctx("reference", reference_variant="avere"),
                      ParseContext(classes=("real", "fake"), synonyms=deepfake_ctx().synonyms,
                                   mode="reference")],
    "synonym_attributes": [attribute_ctx()],
}

# text biased towards the parsers' own vocabulary, punctuation and unicode
_WORDS = st.sampled_from([
    "A", "D", "(B)", "yes", "No", "not", "no", "AU", "AU01", "12", "25-30", "mid-20s", "happy",
    "sad", "smile", "fake", "real", "beard", "<think>", "</think>", "assistant:", ".", "!", "?",
    ";", ",", "\n", "é", "ﬁ", "\u200b", "😀", "Ｄ", "'", "n't", "-", "_", "**", "$", "\\", "(", "]",
])
_TEXT = st.one_of(st.text(max_size=200), st.lists(_WORDS, max_size=40).map(" ".join))


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None)
@given(text=_TEXT)
@example(text="OR/0")  # an "or" at the start once ran the state check past the first token
@example(text="or tired")
def test_never_raises(name: str, text: str) -> None:
    for ctx in CONTEXTS.get(name, [ParseContext()]):
        result = parse(name, text, ctx)
        assert not result.rule.startswith("error:"), result
        assert (result.value is None) == (not result.valid)


def test_all_parsers_of_this_library_are_covered() -> None:
    assert set(CONTEXTS) <= set(PARSERS)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_non_text_and_huge_input(name: str) -> None:
    for ctx in CONTEXTS.get(name, [ParseContext()]):
        assert not parse(name, None, ctx).valid  # type: ignore[arg-type]
        huge = "The face, with no smile; AU4 is present. 25 years old? Yes! " * 5000
        assert not parse(name, huge, ctx).rule.startswith("error:")


def test_unknown_parser_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="known parsers"):
        parse("no_such_parser", "A", ParseContext())
