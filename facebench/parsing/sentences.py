"""Negative sentences dropped before an answer is parsed (Face-LLaVA App. F.1-F.2).

Face-LLaVA (after FABA) "first remove[s] all the negative sentences from the description" before
synonym matching (F.1) *and* before the regex parsing of AU codes and ages (F.2, Sec. 3.4: "negative
statements are removed before synonym matching or string parsing"). facebench's strict parsers
handle negation per clause instead, which keeps "AU6 is present; AU4 is not" whole; a protocol
that reproduces the paper switches the paper's rule on with the parser option
``negative_sentences: drop`` (applied by :func:`facebench.parsing.parse` before any parser).

Rule:

* sentences end at ``.``, ``!`` or ``?`` followed by whitespace or the end, or at a newline (the
  same split as :mod:`facebench.parsing.matcher`, so "2.5" and "v1.5" do not split);
* a sentence is negative when one of its *words* is a negator (not, no, never, nothing, none,
  neither, nor, without, cannot, lack(s); "n't" reads as "not"). Whole words only: "nose",
  "know" and "normal" do not make a sentence negative (the public scripts' substring test does;
  ``--mode reference`` keeps that defect). Idioms that negate nothing ("no doubt", "not only")
  and a bare answer particle ("No, ...") do not count;
* every sentence negative: the text is kept as it is, as the public scripts do, so "No action
  units are active." still reads as no AU rather than as an empty answer.
"""

from __future__ import annotations

import re

from facebench.parsing.matcher import IDIOMS, NEGATORS, phrase_key, tokens
from facebench.parsing.text import strip_wrappers

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_NEGATORS = frozenset(NEGATORS)
_IDIOM_KEYS = tuple(phrase_key(i) for i in IDIOMS)


def is_negative(sentence: str) -> bool:
    """True when a negator word (outside an idiom or an answer particle) is in the sentence."""
    toks = tokens(sentence)
    if not any(t in _NEGATORS for t in toks):
        return False
    key = f" {' '.join(toks)} "
    for idiom in _IDIOM_KEYS:
        key = key.replace(f" {idiom} ", " ")
    words = key.split()
    return any(
        w in _NEGATORS and not (w == "no" and i + 1 < len(words) and words[i + 1] == ",")
        for i, w in enumerate(words)
    )


def drop_negative_sentences(text: str) -> str:
    """The answer without its negative sentences (rules in the module docstring)."""
    answer = strip_wrappers(text)
    sentences = [s for s in _SENTENCE_END.split(answer) if s.strip()]
    kept = [s for s in sentences if not is_negative(s)]
    return " ".join(kept) if kept else answer
