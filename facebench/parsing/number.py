"""A number (age) from an answer: the model's estimate, not a stray number.

Strict rule, on the answer with wrappers stripped:

1. Sentences are tried in order; the **first sentence holding a usable number decides**.
   Face-LLaVA prompts its answers to *start* with the age ("22 years old is a reasonable
   estimation..."), so a leading number always wins; Face-MLLM asks for a bare number.
2. Inside that sentence, a number with an age cue ("25 years old", "25-year-old", "aged 25",
   "age: 25", "25 yo") is preferred; otherwise the first number.
3. Forms and their values:
   - "25", "about 30", "~30" -> 25, 30; "22.5" -> 22.5
   - a range "25-30", "25 to 30", "between 25 and 30" -> the midpoint, 27.5 (not rounded)
   - decades "20s"/"twenties": early -> +2 (22), mid -> +5 (25), late -> +8 (28), bare -> +5;
     "teens": early 14, mid 16, late 18, bare 16
   - number words "twenty-five", "thirty", "seventeen"; "one".."nine" only with a year cue
     ("five years old"), since "one" is usually not a number.
4. Skipped as not-an-estimate: numbers after "not" ("not 20"), percentages and numbers with
   units (%, px, cm, kg, fps, frames, images, pixels, ...), ordinals, and values outside
   ``[ctx.extra["number_min"], ctx.extra["number_max"]]`` (default 0-120), e.g. years;
   numbers with more than 4 integer digits, whole ("12345", a 50,000-digit run: never a slice
   of one) and scientific notation ("1e400"). So a value is always finite and in range.

   Also skipped: a number naming an image, a frame or an item ("image 1", "photo #2",
   "frame 3"), so "I cannot estimate the age of the person in image 1" is not 1.

No usable number -> unparseable ("I cannot determine the age" is not 0): rule ``refusal``
when the answer is a refusal (:mod:`facebench.parsing.refusal`: "I can't estimate age",
"Sorry, I cannot determine the age of people"), else ``no_number``. Reference mode reads ages
with :func:`facebench.parsing.reference.number`, unchanged.
Values are ``int`` when whole, else ``float``.
"""

from __future__ import annotations

import math
import re

from facebench.parsing.context import ParseContext
from facebench.parsing.refusal import refusal_reason
from facebench.parsing.text import strip_wrappers
from facebench.types import REFUSAL, ParseResult

_UNITS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUE = {w: i + 1 for i, w in enumerate(_UNITS)} | {w: i + 10 for i, w in enumerate(_TEENS)}
_WORD_VALUE |= {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_DECADE_WORD = {w[:-1] + "ies": 20 + 10 * i for i, w in enumerate(_TENS)}
_QUALIFIER = {"early": 2, "mid": 5, "middle": 5, "late": 8, None: 5}
_TEEN_QUALIFIER = {"early": 14, "mid": 16, "middle": 16, "late": 18, None: 16}

#: at most 4 integer digits, and never a slice of a longer digit run: "12345" or a
#: 50,000-digit answer is not an age (it was read as "1234", then "5")
_NUM = r"(?<!\d)\d{1,4}(?!\d)(?:\.\d+)?"
_CANDIDATE = re.compile(
    r"(?P<between>between\s+(?P<b1>" + _NUM + r")\s+and\s+(?P<b2>" + _NUM + r"))"
    r"|(?P<range>(?P<r1>" + _NUM + r")\s*(?:-|to)\s*(?P<r2>" + _NUM + r"))(?![\d.]*\s*%)"
    r"|(?:(?P<q>early|mid|middle|late)[\s-]*)?(?:(?<!\d)(?P<dec>[1-9]0)'?s\b|(?P<decw>"
    + "|".join(_DECADE_WORD) + r"|teens)\b)"
    r"|(?P<num>" + _NUM + r")"
    r"|\b(?P<word>(?:" + "|".join(_TENS) + r")(?:[\s-](?:" + "|".join(_UNITS) + r"))?|"
    + "|".join(_TEENS + _UNITS) + r")\b",
    re.IGNORECASE,
)
_AFTER_CUE = re.compile(r"\s*(?:-\s*)?(?:years?|yrs?|y/?o\b|year-old)", re.IGNORECASE)
_BEFORE_CUE = re.compile(r"(?:\bage(?:d|\s+of|\s+is|\s+would\s+be)?|\bis)\s*[:=]?\s*(?:about|around|approximately|roughly|~)?\s*$", re.IGNORECASE)
_NOT_AGE_AFTER = re.compile(
    r"\s*(?:%|percent|px|pixels?|cm|mm|kg|lbs?|fps|frames?|images?|photos?|people|persons?|"
    r"faces?|points?|st\b|nd\b|rd\b|th\b|x\d|:\d|\.\d)",
    re.IGNORECASE,
)
#: "1e400", "2.5E3": scientific notation is not an age estimate
_EXPONENT = re.compile(r"[eE][+-]?\d")
_NOT_BEFORE = re.compile(r"\bnot\s+(?:about|around|exactly)?\s*$", re.IGNORECASE)
#: "image 1", "photo #2", "frame 3": a number naming a thing, not an age
_NAMING = frozenset(
    "image images photo photos photograph picture pictures frame frames figure fig img panel "
    "option item".split()
)


def _names_a_thing(before: str) -> bool:
    """True when the text before a number ends with "#" or a word of :data:`_NAMING`."""
    before = before.rstrip()
    return before.endswith("#") or before.rstrip(".").rpartition(" ")[2].lower() in _NAMING
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _as_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _value(m: re.Match[str]) -> float | None:
    if m.group("between"):
        return (float(m.group("b1")) + float(m.group("b2"))) / 2
    if m.group("range"):
        a, b = float(m.group("r1")), float(m.group("r2"))
        return (a + b) / 2 if a <= b else None
    q = (m.group("q") or "").lower() or None
    if m.group("dec"):
        return int(m.group("dec")) + _QUALIFIER[q]
    if m.group("decw"):
        word = m.group("decw").lower()
        return _TEEN_QUALIFIER[q] if word == "teens" else _DECADE_WORD[word] + _QUALIFIER[q]
    if m.group("num"):
        return float(m.group("num"))
    words = re.split(r"[\s-]+", m.group("word").lower())
    return float(sum(_WORD_VALUE[w] for w in words))


def _candidates(sentence: str, lo: float, hi: float) -> list[tuple[bool, float]]:
    """(has_age_cue, value) for each usable number in the sentence, in order."""
    out: list[tuple[bool, float]] = []
    for m in _CANDIDATE.finditer(sentence):
        before, after = sentence[max(0, m.start() - 40) : m.start()], sentence[m.end() : m.end() + 12]
        if m.group("num") or m.group("range"):
            if m.start() > 0 and (sentence[m.start() - 1].isalpha() or sentence[m.start() - 1] == "."):
                continue  # "AU12", "v1.5": part of a token
            if _NOT_AGE_AFTER.match(after) or _EXPONENT.match(after):
                continue
        if _NOT_BEFORE.search(before) or _names_a_thing(before):
            continue
        cue = bool(_AFTER_CUE.match(after) or _BEFORE_CUE.search(before))
        if m.group("word") and m.group("word").lower() in _UNITS and not cue:
            continue
        value = _value(m)
        if value is not None and math.isfinite(value) and lo <= value <= hi:
            out.append((cue, value))
    return out


def number(text: str, ctx: ParseContext) -> ParseResult:
    """The estimate in an answer (rules in the module docstring)."""
    answer = strip_wrappers(text)
    if not answer:
        return ParseResult.fail("empty")
    lo = float(ctx.extra.get("number_min", 0))
    hi = float(ctx.extra.get("number_max", 120))
    for index, sentence in enumerate(_SENTENCE.split(answer)):
        found = _candidates(sentence, lo, hi)
        if found:
            cued = [v for c, v in found if c]
            value = cued[0] if cued else found[0][1]
            rule = ("first_sentence" if index == 0 else "later_sentence") + ("_cued" if cued else "")
            return ParseResult(_as_number(value), rule)
    if ctx.mode != "reference" and refusal_reason(answer):
        return ParseResult.fail(REFUSAL)
    return ParseResult.fail("no_number")
