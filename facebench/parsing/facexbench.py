"""FaceXBench answers: the chosen option of a question that carries its own options.

Parser ``facexbench_option``; ``ctx.options`` are the question's option texts in the order shown
as A, B, C, D, and the value is the chosen option's text.

``strict``: :func:`facebench.parsing.option.option_letter`'s rules over those texts; when they
find nothing (``no_letter``), an answer that is exactly one option's text (case, surrounding
space and a final ``.`` aside) is that option (``option_exact``: sentence-long options ending in
a full stop are never whole-word mentions).

``reference``: ``extract_option_label`` of FaceXBench's public scorer (``aggregate_results.py``,
Kartik-3004/facexbench), defects included. The option labels are ``A``, ``B``... for as many
options as the question has, compared case-sensitively; the answer is stripped, then:

1. six patterns are tried in turn with ``re.match`` (at the very start of the answer):
   ``\\b\\(?([A-Za-z])\\)?\\b``, ``\\bOption\\s+([A-Za-z])\\b``, ``\\b([A-Za-z])\\.``,
   ``\\b([A-Za-z]):``, ``\\b([A-Za-z])\\s+-``, ``\\b\\(([A-Za-z])\\)``; the first whose letter is
   a label decides (rule ``reference:start``);
2. else the same patterns, in the same order, with ``re.findall`` over the whole answer; the first
   match that is a label decides (``reference:anywhere``). So "I think it is a B" picks B (``I``
   is no label, ``a`` is lower case) and "A person ... the answer is C" picks A;
3. else the option texts in order: the first ``str(option).strip()`` that equals the answer or is
   a substring of it (``reference:option_text``; "12" picks an option "1" listed before "12");
4. else nothing (``reference:no_option``); the scorer counts it wrong, as facebench does.
"""

from __future__ import annotations

import re

from facebench.parsing.context import ParseContext
from facebench.parsing.option import option_letter
from facebench.types import ParseResult

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

#: the public scorer's patterns, in its order (aggregate_results.py, extract_option_label)
REFERENCE_PATTERNS = tuple(
    re.compile(p)
    for p in (
        r"\b\(?([A-Za-z])\)?\b",
        r"\bOption\s+([A-Za-z])\b",
        r"\b([A-Za-z])\.",
        r"\b([A-Za-z]):",
        r"\b([A-Za-z])\s+-",
        r"\b\(([A-Za-z])\)",
    )
)


def _plain(text: str) -> str:
    return " ".join(text.strip().rstrip(".").split()).lower()


def strict_option(text: str, ctx: ParseContext) -> ParseResult:
    """option_letter over the question's options, then an exact option text (``option_exact``)."""
    result = option_letter(text, ctx)
    if result.valid or result.rule != "no_letter":
        return result
    answer = _plain(text)
    exact = [o for o in ctx.options if _plain(str(o)) == answer]
    return ParseResult(exact[0], "option_exact") if len(exact) == 1 else result


def facexbench_option(text: str, ctx: ParseContext) -> ParseResult:
    """``strict`` reading: :func:`strict_option` over the question's own options."""
    return strict_option(text, ctx)


def reference_label(text: str, n_options: int, options: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """(label or None, rule) exactly as ``extract_option_label`` finds it."""
    labels = LETTERS[:n_options]
    answer = text.strip()
    for pattern in REFERENCE_PATTERNS:
        m = pattern.match(answer)
        if m and m.group(1) in labels:
            return m.group(1), "reference:start"
    for pattern in REFERENCE_PATTERNS:
        for label in pattern.findall(answer):
            if label in labels:
                return label, "reference:anywhere"
    for index, option in enumerate(options):
        shown = str(option).strip()
        if shown == answer.strip() or shown in answer:
            return labels[index], "reference:option_text"
    return None, "reference:no_option"


def reference_facexbench_option(text: str, ctx: ParseContext) -> ParseResult:
    """``reference`` reading (module docstring): the option text of the label the scorer finds."""
    options = tuple(ctx.options)
    if not options:
        return ParseResult.fail("no_options")
    label, rule = reference_label(text, len(options), options)
    if label is None:
        return ParseResult.fail(rule)
    return ParseResult(options[LETTERS.index(label)], rule)
