"""yes_no: table of answer forms, hedges and contradictions."""

from __future__ import annotations

import pytest

from facebench.parsing import ParseContext, parse

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
    ("I'm not sure.", "uncertain"),
    ("Not sure.", "uncertain"),
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
