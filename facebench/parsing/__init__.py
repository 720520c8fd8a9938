"""Answer parsing: free text to a label, a label set or a number, or explicitly unparseable.

Every task reads answers through :func:`parse` with one of the :data:`PARSERS`; no task writes
its own loop. A parser returns a :class:`~facebench.types.ParseResult` whose ``rule`` names the
rule that fired (``letter``, ``first_sentence``, ``codes``...) or why nothing could be read
(``refusal``: the answer says it does not know, cannot see the face, or declines;
:mod:`facebench.parsing.refusal`; ``synonym_class``, ``synonym_attributes``, and in strict
mode ``yes_no`` and ``number``).
Each parser module's docstring states its rules.

Modes (``ctx.mode``): ``strict`` (facebench's rules) and ``reference`` (the public FABA/EmoLA
and AVERE scripts, defects included; see :mod:`facebench.parsing.reference`). Reference differs
for ``synonym_class``, ``number`` and ``action_units``, and for the benchmark-specific
``facexbench_option`` and ``face_human_bench_option`` (their public scorers' letter rules); the
other parsers have no public reference and read the same in both modes.

Parser options (a style's ``parser_options``, in ``ctx.extra``; declared in
:mod:`facebench.parsing.options`): ``negative_sentences: drop`` removes whole negative sentences
before any parser reads the answer (:mod:`facebench.parsing.sentences`, Face-LLaVA App. F.1-F.2);
the others are read by the parser they belong to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from facebench.parsing import reference
from facebench.parsing.action_units import action_units
from facebench.parsing.context import Mode, ParseContext
from facebench.parsing.face_human_bench import (
    face_human_bench_option,
    reference_face_human_bench_option,
)
from facebench.parsing.facexbench import facexbench_option, reference_facexbench_option
from facebench.parsing.free_text import free_text
from facebench.parsing.number import number
from facebench.parsing.option import option_letter
from facebench.parsing.sentences import drop_negative_sentences
from facebench.parsing.synonyms import load_synonyms, synonym_attributes, synonym_class
from facebench.parsing.yesno import yes_no
from facebench.types import UNPARSEABLE, ParseResult

Parser = Callable[[str, ParseContext], ParseResult]

PARSERS: dict[str, Parser] = {
    "option_letter": option_letter,
    "yes_no": yes_no,
    "number": number,
    "action_units": action_units,
    "synonym_class": synonym_class,
    "synonym_attributes": synonym_attributes,
    "free_text": free_text,
    "facexbench_option": facexbench_option,
    "face_human_bench_option": face_human_bench_option,
}

REFERENCE_PARSERS: dict[str, Parser] = {
    "synonym_class": reference.synonym_class,
    "number": reference.number,
    "action_units": reference.action_units,
    "facexbench_option": reference_facexbench_option,
    "face_human_bench_option": reference_face_human_bench_option,
}


def get_parser(name: str, mode: Mode = "strict") -> Parser:
    """The parser function for ``name`` in ``mode``; KeyError names the known parsers."""
    if name not in PARSERS:
        raise KeyError(f"unknown parser {name!r}; known parsers: {', '.join(sorted(PARSERS))}")
    if mode == "reference":
        return REFERENCE_PARSERS.get(name, PARSERS[name])
    return PARSERS[name]


def parse(name: str, text: str, ctx: ParseContext) -> ParseResult:
    """Read ``text`` with parser ``name`` under ``ctx.mode``. Never raises on any text.

    A parser bug is reported as an unparseable answer with rule ``error:<Exception>`` rather
    than stopping a run of thousands of answers; tests assert no parser reaches it.
    """
    parser = PARSERS.get(name) if ctx.mode == "strict" else None  # the common case, inline
    if parser is None:
        parser = get_parser(name, ctx.mode)
    if text is None:
        return ParseResult.fail("empty")  # no response at all: nothing to read in any mode
    if type(text) is not str:
        text = str(text)
    try:
        extra = ctx.extra
        if extra and extra.get("negative_sentences") == "drop":
            text = drop_negative_sentences(text)
        return parser(text, ctx)
    except Exception as exc:  # noqa: BLE001 - contract: parse never raises on text
        return ParseResult.fail(f"error:{type(exc).__name__}")


def mode_disagreements(name: str, texts: Iterable[str], ctx: ParseContext) -> list[int]:
    """Indices of answers that ``strict`` and ``reference`` mode read differently.

    ``facebench score`` reports their count so users see how much the public scripts' rules
    move a number; two unparseable reads count as agreeing.
    """
    from dataclasses import replace

    strict, ref = replace(ctx, mode="strict"), replace(ctx, mode="reference")
    return [
        i
        for i, text in enumerate(texts)
        if parse(name, text, strict).value != parse(name, text, ref).value
    ]


__all__ = [
    "PARSERS",
    "REFERENCE_PARSERS",
    "UNPARSEABLE",
    "ParseContext",
    "ParseResult",
    "get_parser",
    "load_synonyms",
    "mode_disagreements",
    "parse",
]
