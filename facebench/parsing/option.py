"""Multiple-choice answers to the chosen option (value = ``ctx.options[index]``).

Rules, tried in order on the answer with wrappers stripped (the first that fires wins):

``letter``        the whole answer is one letter: "D", "(D)", "D.", "d", "[D]".
``letter_lead``   the answer opens with a letter and a delimiter: "D: happiness", "D. happiness",
                  "(D) happiness", "Answer: D", "The answer is D." at the very start.
``letter_cue``    a letter right after a cue anywhere: "... the answer is D", "Option D",
                  "choice (B)". One distinct letter only.
``letter_paren``  exactly one distinct bracketed letter anywhere: "... so (D)".
``letter_inline`` exactly one distinct stand-alone capital letter anywhere: "I pick D because".
                  "A" and "I" followed by a lower-case word are read as the article/pronoun
                  ("A person who...") unless that word shows a choice (is, seems, fits, and,
                  or...).
``option_text``   no letter, and exactly one option's text (or display name; case, plural and
                  hyphen insensitive) is mentioned with no negator earlier in its clause:
                  "happiness", "anger, not sadness".

A letter outside the shown options is unparseable (``letter_out_of_range``). When a letter
comes with option text that names only *other* options ("B: happiness" where B is sadness),
the answer contradicts itself and is unparseable (``letter_text_conflict``), never a guess.
Several distinct letters are unparseable (``multiple_letters``).
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

from facebench.parsing.context import ParseContext
from facebench.parsing.text import strip_wrappers
from facebench.types import ParseResult

LETTERS = string.ascii_uppercase
_ALPHA = re.compile(r"[^\W\d_]")
_WHOLE = re.compile(r"[(\[]?\s*([A-Za-z])\s*[)\]]?\s*[.:!]?")
_CUE = r"(?i:answer|option|choice)(?:\s+is)?\s*[:\-]?\s*"
_LEAD = re.compile(
    r"(?:(?i:the\s+)?(?i:correct\s+|best\s+|final\s+|right\s+)?" + _CUE + r")?"
    r"(?:[(\[]([A-Za-z])[)\]]|([A-Z])(?:[.:)\],]|\s+-\s|$))\s*"
)
_CUE_ANY = re.compile(
    r"\b" + _CUE + r"(?:[(\[]([A-Za-z])[)\]]|([A-Z])(?![\w'])|([a-z])(?=[.)\]:]|$))"
)
_PAREN = re.compile(r"[(\[]([A-Z])[)\]]")
_STANDALONE = re.compile(r"(?<![\w'.\-])([A-Z])(?![\w'\-])(?:\s+([a-z]+))?")
#: words after "A"/"I" that show the letter is an option, not the article or the pronoun
_AFTER_LETTER = frozenset(
    ["is", "seems", "fits", "matches", "looks", "appears", "best", "because", "since", "as", "was", "would", "should", "and", "or"]
)


def option_letter(text: str, ctx: ParseContext) -> ParseResult:
    """The chosen option's class name (rules in the module docstring)."""
    options = ctx.options or ctx.classes
    if not options:
        return ParseResult.fail("no_options")
    answer = strip_wrappers(text)
    if not answer:
        return ParseResult.fail("empty")

    m = _WHOLE.fullmatch(answer)
    if m:
        return _pick(m.group(1), "letter", options)
    m = _LEAD.match(answer)
    if m:
        letter = m.group(1) or m.group(2)
        return _checked(letter, "letter_lead", answer[m.end() :], options, ctx)
    low = answer.lower()
    cue_at = [i for i in (low.find("answer"), low.find("option"), low.find("choice")) if i >= 0]
    if cue_at:
        found = _CUE_ANY.finditer(answer, min(cue_at))
        letters = {(mm.group(1) or mm.group(2) or mm.group(3)).upper() for mm in found}
        if letters:
            return _one(letters, "letter_cue", answer, options, ctx)
    if "(" in answer or "[" in answer:
        letters = {mm.group(1) for mm in _PAREN.finditer(answer)}
        if letters:
            return _one(letters, "letter_paren", answer, options, ctx)
    letters = {
        mm.group(1)
        for mm in _STANDALONE.finditer(answer)
        if not (mm.group(1) in "AI" and mm.group(2) and mm.group(2) not in _AFTER_LETTER)
        and mm.group(1) in LETTERS[: len(options)]
    }
    if letters:
        return _one(letters, "letter_inline", answer, options, ctx)
    named = _named_options(answer, options, ctx)
    if len(named) == 1:
        return ParseResult(named.pop(), "option_text")
    return ParseResult.fail("several_options" if named else "no_letter")


def _pick(letter: str, rule: str, options: tuple[str, ...]) -> ParseResult:
    index = LETTERS.find(letter.upper())
    if index < 0 or index >= len(options):
        return ParseResult.fail("letter_out_of_range")
    key = (options[index], rule)
    result = _RESULTS.get(key)
    if result is None:  # ParseResult is frozen, so equal results can be one shared object
        if len(_RESULTS) > 4096:
            _RESULTS.clear()
        result = _RESULTS[key] = ParseResult(options[index], rule)
    return result


_RESULTS: dict[tuple[str, str], ParseResult] = {}


def _one(
    letters: set[str], rule: str, answer: str, options: tuple[str, ...], ctx: ParseContext
) -> ParseResult:
    if len(letters) > 1:
        return ParseResult.fail("multiple_letters")
    return _checked(letters.pop(), rule, answer, options, ctx)


def _checked(
    letter: str, rule: str, rest: str, options: tuple[str, ...], ctx: ParseContext
) -> ParseResult:
    result = _pick(letter, rule, options)
    if result.valid and _ALPHA.search(rest) and _names_another(rest, result.value, options, ctx):
        named = _named_options(rest, options, ctx)
        if named and result.value not in named:
            return ParseResult.fail("letter_text_conflict")
    return result


def _names_another(text: str, chosen: str, options: tuple[str, ...], ctx: ParseContext) -> bool:
    """Cheap pre-check: does any other option's text occur in ``text`` even as a substring?

    If not, the text can name at most the chosen option and cannot contradict the letter.
    """
    low = text.lower().replace("_", " ")
    display = ctx.extra.get("class_names") or {}
    for option in options:
        if option != chosen:
            name = display.get(option)
            if option.lower().replace("_", " ") in low or (name and name.lower() in low):
                return True
    return False


def _named_options(text: str, options: tuple[str, ...], ctx: ParseContext) -> set[str]:
    """Options whose name (or display name) is mentioned with no negator earlier in its clause.

    A negator's scope ends at a sentence mark or ``;``, or at a contrastive conjunction
    ("not sadness but happiness" names happiness).
    """
    display = ctx.extra.get("class_names") or None
    key = (options, tuple(display.items()) if display else None)
    compiled = _REGEX_CACHE.get(key)
    if compiled is None:
        if len(_REGEX_CACHE) > 1024:
            _REGEX_CACHE.clear()
        shown = tuple((o, display[o]) for o in options if display and o in display)
        compiled = _REGEX_CACHE[key] = _option_regex(frozenset(options), shown)
    regex, owner = compiled
    low = text.lower()
    mentions = regex.findall(low)
    if not mentions:
        return set()
    if not _may_negate(low):
        return {owner.get(name) or owner[_squash(name)] for name in mentions}
    named = set()
    for m in regex.finditer(low):
        start = m.start()
        last = None
        for last in _NEGATION_OR_TURN.finditer(low, _clause_start(low, start), start):
            pass
        if last is None or last.group("neg") is None:
            named.add(owner.get(m.group(1)) or owner[_squash(m.group(1))])
    return named


def _may_negate(low: str) -> bool:
    """Cheap substring pre-check: every negator contains one of these."""
    return "no" in low or "never" in low or "neither" in low or "without" in low or "n't" in low


_REGEX_CACHE: dict[tuple, tuple[re.Pattern[str], dict[str, str]]] = {}


def _clause_start(text: str, end: int) -> int:
    return max(text.rfind(c, 0, end) for c in ".;!?") + 1


_NEGATION_OR_TURN = re.compile(
    r"\b(?:(?P<neg>not|no|never|nothing|none|neither|nor|without|cannot|\w+n't)"
    r"|but|however|whereas|while|although|though|yet)\b"
)


_SEPARATORS = re.compile(r"[\s_\-]+")


def _squash(name: str) -> str:
    return _SEPARATORS.sub(" ", name.lower())


@lru_cache(maxsize=512)
def _option_regex(
    names: frozenset[str], shown: tuple[tuple[str, str], ...]
) -> tuple[re.Pattern[str], dict[str, str]]:
    """One whole-word regex for all option texts (run on lower-cased text); plural -s/-es."""
    owner = {_squash(n): n for n in sorted(names)} | {_squash(s): n for n, s in shown}
    alts = sorted(owner, key=len, reverse=True)
    body = "|".join(r"[\s_\-]+".join(map(re.escape, a.split(" "))) for a in alts)
    return re.compile(r"\b(" + body + r")(?:e?s)?\b"), owner
