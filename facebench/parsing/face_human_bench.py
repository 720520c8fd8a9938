"""Face-Human-Bench answers: the chosen option, or a refusal (no option fits).

Parser ``face_human_bench_option``; ``ctx.options`` are the question's option texts in the order
shown as A, B, C, D; the value is the chosen option's text. An unparseable answer is what the
public pipeline calls ``X`` ("the meaning of all options are significantly different from the
answer"): the task counts it as a refusal (wrong in ``accuracy``, left out of ``clean_accuracy``).

``strict``: :func:`facebench.parsing.facexbench.strict_option` (the option-letter rules, then an
answer that is exactly one option's text) over the question's options.

``reference``: the rule stages of ``get_final_answer`` in the public
``code/evaluation/output_final_answer.py`` (lxq1000/Face-Human-Bench):

1. an answer of exactly one character is the final answer itself (``reference:single``); ``X``
   is a refusal, a letter of a shown option is that option, any other character is kept as an
   answer that matches no option (value ``{"letter": c}``: wrong, not a refusal);
2. else ``re.findall(r'[ABCD][\\.。\\)）,，:：]+')`` (first character of each match) plus
   ``re.findall(r"选项 ?[ABCD]")`` (last character); if there is at least one match and all
   agree, that letter (``reference:regex``) - a letter beyond the shown options is kept as
   ``{"letter": c}`` (wrong), as the script compares letters;
3. else the script asks gpt-3.5-turbo to match the answer to an option (or ``X``). facebench
   does not call a model while parsing: this stage falls back to the strict rules (rule
   ``reference:matcher_fallback:<strict rule>``), so a reference run needs no API key; the
   public number can differ where GPT and these rules read an answer differently.
"""

from __future__ import annotations

import re

from facebench.parsing.context import ParseContext
from facebench.parsing.facexbench import strict_option
from facebench.types import ParseResult

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_PATTERN_1 = re.compile(r"[ABCD][\.。\)）,，:：]+")
_PATTERN_2 = re.compile(r"选项 ?[ABCD]")


def face_human_bench_option(text: str, ctx: ParseContext) -> ParseResult:
    """``strict`` reading: :func:`strict_option` over the question's own options."""
    return strict_option(text, ctx)


def _letter(letter: str, options: tuple[str, ...], rule: str) -> ParseResult:
    if letter == "X":
        return ParseResult.fail("reference:refusal")
    index = LETTERS.find(letter)
    if 0 <= index < len(options):
        return ParseResult(options[index], rule)
    return ParseResult({"letter": letter}, rule)


def reference_face_human_bench_option(text: str, ctx: ParseContext) -> ParseResult:
    """``reference`` reading (module docstring, stages 1-2; stage 3 falls back to strict)."""
    options = tuple(ctx.options)
    if len(text) == 1:
        return _letter(text, options, "reference:single")
    matches = [m[0] for m in _PATTERN_1.findall(text)] + [m[-1] for m in _PATTERN_2.findall(text)]
    if matches and all(m == matches[0] for m in matches):
        return _letter(matches[0], options, "reference:regex")
    strict = strict_option(text, ctx)
    rule = f"reference:matcher_fallback:{strict.rule}"
    return ParseResult(strict.value, rule) if strict.valid else ParseResult.fail(rule)
