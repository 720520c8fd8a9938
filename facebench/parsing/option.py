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
from facebench.parsing.text import ROLE_START, strip_wrappers
from facebench.types import ParseResult

LETTERS = string.ascii_uppercase
_INDEX = {c: i for i, c in enumerate(LETTERS)} | {c.lower(): i for i, c in enumerate(LETTERS)}
_ALPHA = re.compile(r"[^\W\d_]")
_WHOLE = r"[(\[]?\s*([A-Za-z])\s*[)\]]?\s*[.:!]?"
_CUE = r"(?i:answer|option|choice)(?:\s+is)?\s*[:\-]?\s*"
_LEAD = (
    r"(?:(?i:the\s+)?(?i:correct\s+|best\s+|final\s+|right\s+)?" + _CUE + r")?"
    r"(?:[(\[]([A-Za-z])[)\]]|([A-Z])(?:[.:)\],]|\s+-\s|$))\s*"
)
#: ``letter`` (_WHOLE is the whole answer: group 1), else ``letter_lead`` (groups 2, 3)
_HEAD = re.compile(r"(?:" + _WHOLE + r"\Z)|" + _LEAD)
_CUE_ANY = re.compile(
    r"\b" + _CUE + r"(?:[(\[]([A-Za-z])[)\]]|([A-Z])(?![\w'])|([a-z])(?=[.)\]:]|$))"
)
_PAREN = re.compile(r"[(\[]([A-Z])[)\]]")
_STANDALONE = re.compile(r"(?<![\w'.\-])([A-Z])(?![\w'\-])(?:\s+([a-z]+))?")
#: words after "A"/"I" that show the letter is an option, not the article or the pronoun
_AFTER_LETTER = frozenset(
    ["is", "seems", "fits", "matches", "looks", "appears", "best", "because", "since", "as", "was", "would", "should", "and", "or"]
)

# Speed (the rules above are unchanged; tests/parsing/test_parse_option.py checks this parser
# against the plain implementation on a large generated corpus):
# * everything that depends only on the options (and display names) is built once per options
#   tuple (_shown_for): each letter's results, and each option's "other option texts" for the
#   letter/text consistency pre-check as plain strings (``in`` is much faster than a regex);
# * _HEAD is tried only when it can match, and strip_wrappers' no-op case is done inline.

#: ASCII whitespace (str.isspace, and re's \s)
_SPACE = frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
#: the ASCII characters that may follow a letter at position 0 in a _HEAD match, and those
#: that may come first after the whitespace that follows it
_HEAD_NEXT = _SPACE | frozenset(")].:!,")
_HEAD_AFTER_SPACE = frozenset(")].:!-")
#: first letters, and lower-cased openings, of _HEAD's cue branch
_HEAD_CUE_FIRST = frozenset("tTcCbBfFrRaAoO")
_HEAD_CUES = ("the", "correct", "best", "final", "right", "answer", "option", "choice")
#: the openings (two characters) that text.ROLE_START may match at
_ROLE_OPENINGS = frozenset(
    a + b for w in ("as", "gp", "bo", "mo") for a in (w[0], w[0].upper()) for b in (w[1], w[1].upper())
)

_NO_OPTIONS = ParseResult.fail("no_options")
_EMPTY = ParseResult.fail("empty")
_OUT_OF_RANGE = ParseResult.fail("letter_out_of_range")
_MULTIPLE = ParseResult.fail("multiple_letters")
_CONFLICT = ParseResult.fail("letter_text_conflict")
_SEVERAL = ParseResult.fail("several_options")
_NO_LETTER = ParseResult.fail("no_letter")
#: positions in a _Shown row
_LETTER, _LEAD_R, _CUE_R, _PAREN_R, _INLINE_R, _OTHERS, _OWN, _OWN_CLEAR = range(8)
_RULES = ("letter", "letter_lead", "letter_cue", "letter_paren", "letter_inline")


def option_letter(text: str, ctx: ParseContext) -> ParseResult:
    """The chosen option's class name (rules in the module docstring)."""
    options = ctx.options or ctx.classes
    if not options:
        return _NO_OPTIONS
    # strip_wrappers, its no-op case (plain ASCII, no markup, no role preamble) inline
    if (
        type(text) is str
        and text.isascii()
        and not ("<" in text or "[" in text or "*" in text or "`" in text or "#" in text)
        and (
            (text[:2] not in _ROLE_OPENINGS and text[:1] not in _SPACE)
            or ROLE_START.match(text) is None
        )
    ):
        answer = text.strip()
        ascii_ = True
    else:
        answer = strip_wrappers(text)
        ascii_ = answer.isascii()
    if not answer:
        return _EMPTY
    extra = ctx.extra
    if type(extra) is dict:
        display = extra.get("class_names")
        try:
            shown = None if display else _SHOWN.get(options)
        except TypeError:  # unhashable options
            shown = None
        if shown is None:
            shown = _shown_for(options, display)
    else:  # not a plain dict: read it only where the checks always did
        shown = _Shown(options, None, plain=False)

    # _HEAD can match an ASCII answer only if it opens with a bracket or a cue word, or if a
    # letter is followed by a character that may follow it there
    first = answer[0]
    if (
        not ascii_
        or len(answer) == 1
        or first in "(["
        or (
            answer[1] in _HEAD_NEXT
            and (answer[1] not in _SPACE or answer[2:].lstrip()[:1] in _HEAD_AFTER_SPACE)
        )
        or (first in _HEAD_CUE_FIRST and answer[:7].lower().startswith(_HEAD_CUES))
    ):
        m = _HEAD.match(answer)
        if m is not None:
            group = m.lastindex
            index = _INDEX[m.group(group)]
            if index >= shown.n:
                return _OUT_OF_RANGE
            if group == 1:
                return shown.rows[index][_LETTER]
            end = m.end()
            if end < len(answer):
                return _checked(shown, shown.rows[index], _LEAD_R, answer[end:], None, ctx)
            return shown.rows[index][_LEAD_R]

    low = answer.lower()
    # from the leftmost of "answer", "option", "choice" (_CUE_ANY's \b counts from there)
    cue = low.find("answer")
    for word in ("option", "choice"):
        at = low.find(word)
        if at >= 0 and (cue < 0 or at < cue):
            cue = at
    if cue >= 0:
        found = _CUE_ANY.findall(answer, cue)
        if found:
            if len(found) == 1:
                a, b, c = found[0]
                return _one_letter(a or b or c, shown, _CUE_R, answer, low, ctx)
            return _one({(a or b or c).upper() for a, b, c in found}, shown, _CUE_R, answer, low, ctx)
    if "(" in answer or "[" in answer:
        found = _PAREN.findall(answer)
        if found:
            return _one(set(found), shown, _PAREN_R, answer, low, ctx)
    if low != answer:  # else there is no capital letter for _STANDALONE to find
        in_range = shown.in_range
        letters = {
            letter
            for letter, word in _STANDALONE.findall(answer)
            if letter in in_range and not (letter in "AI" and word and word not in _AFTER_LETTER)
        }
        if letters:
            return _one(letters, shown, _INLINE_R, answer, low, ctx)
    named = _named(shown, answer, low, ctx)
    if len(named) == 1:
        value = next(iter(named))
        texts = shown.text
        return texts[value] if texts is not None else ParseResult(value, "option_text")
    return _SEVERAL if named else _NO_LETTER


def _one(
    letters: set[str], shown: _Shown, rule: int, answer: str, low: str, ctx: ParseContext
) -> ParseResult:
    if len(letters) > 1:
        return _MULTIPLE
    return _one_letter(letters.pop(), shown, rule, answer, low, ctx)


def _one_letter(
    letter: str, shown: _Shown, rule: int, answer: str, low: str, ctx: ParseContext
) -> ParseResult:
    index = _INDEX[letter]
    if index >= shown.n:
        return _OUT_OF_RANGE
    return _checked(shown, shown.rows[index], rule, answer, low, ctx)


def _checked(
    shown: _Shown, row: tuple, rule: int, rest: str, low: str | None, ctx: ParseContext
) -> ParseResult:
    """The row's result for ``rule``, or ``letter_text_conflict`` if ``rest`` names only
    options other than the chosen one. ``low`` is ``rest.lower()`` if the caller has it."""
    result = row[rule]
    others = row[_OTHERS]
    if others is None:  # unusual context: the plain, unprecomputed check
        if (
            result.valid
            and _ALPHA.search(rest)
            and _names_another(rest, result.value, shown.options, ctx)
        ):
            named = _named_options(rest, shown.options, ctx)
            if named and result.value not in named:
                return _CONFLICT
        return result
    if low is None:
        low = rest.lower()
    # the cheap pre-check of _names_another: does another option's text occur at all?
    spaced = low.replace("_", " ") if "_" in low else low
    if spaced == row[_OWN]:  # just the chosen option's text ("D: happiness")
        if row[_OWN_CLEAR]:
            return result
    else:
        for needle in others:
            if needle in spaced:
                break
        else:
            return result
    if _ALPHA.search(rest) is None:
        return result
    named = _named(shown, rest, low, ctx)
    if named and result.value not in named:
        return _CONFLICT
    return result


class _Shown:
    """What option_letter needs about one options tuple (and display names), built once.

    ``rows[i]``: letter i's result under each rule (_LETTER ... _INLINE_R), then (_OTHERS) the
    texts of all *other* options for the pre-check of :func:`_names_another`, the option's own
    text (_OWN) and whether none of them occurs in it (_OWN_CLEAR). In an unusual
    context (non-string options or display names) _OTHERS, ``regex``, ``owner`` and ``text``
    are None: the checks then run unprecomputed through the plain functions, so any error
    comes exactly where it did.
    """

    __slots__ = ("in_range", "n", "options", "owner", "regex", "rows", "text")

    def __init__(self, options: tuple, display: dict | None, plain: bool) -> None:
        self.options = options
        self.n = len(options)
        self.in_range = LETTERS[: self.n]
        values = options[: len(LETTERS)]
        if plain:
            self.regex, self.owner, self.text, rows = _names(
                frozenset(options), _shown_pairs(options, display)
            )
            self.rows = tuple(map(rows.__getitem__, values))
        else:
            self.regex = self.owner = self.text = None
            self.rows = tuple(_plain_row(v) for v in values)


def _plain_row(value: object) -> tuple:
    try:
        hash(value)  # results used to be shared through a dict keyed by (option, rule)
    except TypeError:
        return _UnhashableRow()
    return (*(ParseResult(value, rule) for rule in _RULES), None)


class _UnhashableRow(tuple):
    """An unhashable option: picking it raises TypeError, as it always did."""

    __slots__ = ()

    def __getitem__(self, index: object) -> object:
        raise TypeError("unhashable option")


def _shown_pairs(options: tuple[str, ...], display: dict | None) -> tuple[tuple[str, str], ...]:
    return tuple((o, display[o]) for o in options if display and o in display)


def _shown_for(options: tuple, display: object) -> _Shown:
    """The _Shown of ``options`` and display names ``display`` (``ctx.extra["class_names"]``),
    from a cache keyed by the options tuple: RAF-DB shuffles its options per sample (7! = 5040
    orders), and a run reuses them. Only contexts are cached, never answers."""
    try:
        if display:
            key, cache = (options, tuple(display.items())), _SHOWN_NAMED
        else:
            key, cache = options, _SHOWN
        shown = cache.get(key)
        if shown is None:
            if len(cache) >= 8192:
                cache.clear()
            shown = cache[key] = _build_shown(options, display)
        return shown
    except Exception:  # noqa: BLE001 - unhashable options or names, or names not a dict
        return _Shown(options, None, plain=False)


_SHOWN: dict[tuple, _Shown] = {}
_SHOWN_NAMED: dict[tuple, _Shown] = {}


def _build_shown(options: tuple, display: dict | None) -> _Shown:
    plain = all(type(o) is str for o in options) and (
        not display
        or (type(display) is dict and all(type(display[o]) is str for o in options if o in display))
    )
    return _Shown(options, display if plain else None, plain)


@lru_cache(maxsize=512)
def _names(
    names: frozenset[str], shown: tuple[tuple[str, str], ...]
) -> tuple[re.Pattern[str], dict[str, str], dict[str, ParseResult], dict[str, tuple]]:
    """Order-independent precomputation for one option set (with its display names): the
    option regex and its owner map, the ``option_text`` results, and per option its row of
    :class:`_Shown` (results per rule, then the other options' texts, lower-cased, ``_`` read
    as a space, as :func:`_names_another` compares them)."""
    regex, owner = _option_regex(names, shown)
    text = {v: ParseResult(v, "option_text") for v in owner.values()}
    display = dict(shown)
    needles = {}
    for option in names:
        found = {option.lower().replace("_", " ")}
        name = display.get(option)
        if name:
            found.add(name.lower())
        needles[option] = found
    rows = {}
    for chosen in names:
        others = tuple(sorted(set().union(*(needles[o] for o in names if o != chosen))))
        own = chosen.lower().replace("_", " ")
        clear = not any(needle in own for needle in others)
        rows[chosen] = (*(ParseResult(chosen, rule) for rule in _RULES), others, own, clear)
    return regex, owner, text, rows


def _named(shown: _Shown, text: str, low: str, ctx: ParseContext) -> set[str]:
    """:func:`_named_options` with the context's regex precomputed; ``low`` = ``text.lower()``."""
    regex = shown.regex
    if regex is None:
        return _named_options(text, shown.options, ctx)
    owner = shown.owner
    mentions = regex.findall(low)
    if not mentions:
        return set()
    if not _may_negate(low):
        return {owner.get(name) or owner[_squash(name)] for name in mentions}
    return _unnegated(regex, owner, low)


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
    return _unnegated(regex, owner, low)


def _unnegated(regex: re.Pattern[str], owner: dict[str, str], low: str) -> set[str]:
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
