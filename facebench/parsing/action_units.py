"""Action units named in an answer, as a sorted tuple of AU numbers.

Strict rule, on the answer with wrappers stripped:

* Codes: "AU1", "AU01", "AU 12", "au-12", "AUs 1, 2 and 4", "action unit 12", "action units
  6 and 12". Leading zeros are read (the public ``AU(\\d+)`` rule misses "AU01").
* FACS names map to codes through ``synonyms/action_units.yaml`` ("Inner Brow Raiser" -> 1,
  "Lip Corner Puller" -> 12, "Lips Part" -> 25...), or through ``ctx.synonyms`` when its keys
  are AU numbers.
* A whole answer that is only a list of numbers ("1, 2, 12") is read as codes (``code_list``).
* Negated mentions are excluded, per clause; commas also cut clauses here because AU answers
  are lists ("AU1: present, AU4: absent, AU12: present" -> (1, 12)). Hedged mentions ("AU4 is
  likely activated", the Face-LLaVA annotation style) count as present.
* Only ``ctx.au_codes`` are kept (when given).

Value and rule:

* ``codes``: the present AUs of the dataset's list.
* ``none_present`` -> ``()``: AUs were mentioned but all were negated or outside the list;
  the answer took a position on AUs and named none of the dataset's as present.
* ``none_stated`` -> ``()``: the answer says so ("No action units are activated", "None").
* otherwise unparseable (``no_au``): an answer that never talks about AUs predicts nothing,
  and reading it as "all absent" would be a guess.

Options (``ctx.extra``, set by a style's ``parser_options``), for protocols that read AUs the way
a paper does:

* ``names: false``: codes only, FACS names are not read. Face-LLaVA App. F.2 fetches "the FACS
  codes from the description" by regex; its answers name AUs by code ("AU26 (Lip Tightening)"),
  and a name read beside the code (here "lip tightening" = AU23) would add an AU the paper's
  parser never sees.
* ``unmentioned: absent``: an answer that names no AU is the prediction "no AU active"
  (``()``, rule ``unmentioned_absent``) instead of unparseable: a regex that finds no code
  predicts none (Face-LLaVA F.2, EmoLA's ``AU2Labels``). An empty answer stays unparseable.
"""

from __future__ import annotations

import re

from facebench.parsing.context import ParseContext
from facebench.parsing.matcher import PhraseMatcher, get_matcher
from facebench.parsing.synonyms import load_synonyms
from facebench.parsing.text import strip_wrappers
from facebench.types import ParseResult

_AU_TOKEN = re.compile(r"aus?(\d{1,2})?")
_DIGITS = re.compile(r"\d+")
_CODE_LIST = re.compile(r"\s*\d{1,2}(?:\s*(?:,|and|&|/|;)\s*\d{1,2})*\s*\.?\s*")
_NONE = re.compile(
    r"\b(?:no|none of|without|zero)\s+(?:\w+\s+){0,3}?(?:action\s+units?|aus?|facs)\b"
    r"|^\s*(?:none|no)\s*[.!]?\s*$|\bnone\s+(?:detected|present|visible|activated|active)\b",
)


def _is_code_start(tok: str) -> bool:
    return tok.startswith("au") or tok == "action"


def _small_number(tok: str) -> bool:
    return tok.isdigit() and len(tok) <= 2


def _read_codes(toks: list[str], i: int) -> tuple[list[str], int]:
    """Codes at token ``i``: "au12", "au 12", "aus 1 , 2 and 4", "action units 6 and 12"."""
    n, codes, j = len(toks), [], i + 1
    m = _AU_TOKEN.fullmatch(toks[i])
    if m and m.group(1):
        codes.append(m.group(1))
    elif m and j < n and _small_number(toks[j]):
        codes.append(toks[j])
        j += 1
    elif (
        toks[i] == "action" and j + 1 < n and toks[j] in ("unit", "units")
        and _small_number(toks[j + 1])
    ):
        codes.append(toks[j + 1])
        j += 2
    if not codes:
        return [], i
    while True:  # a list of bare numbers: ", 2", "and 4", ", and 12"
        k = j
        while k < n and toks[k] in (",", "and", "or"):
            k += 1
        if k == j or k >= n or not _small_number(toks[k]):
            break
        codes.append(toks[k])
        j = k + 1
    return [str(int(c)) for c in codes], j


def _names(ctx: ParseContext) -> dict[str, tuple[str, ...]]:
    if ctx.synonyms and all(str(k).isdigit() for k in ctx.synonyms):
        return ctx.synonyms
    return _DEFAULT_NAMES.setdefault("table", load_synonyms("action_units"))


_DEFAULT_NAMES: dict[str, dict[str, tuple[str, ...]]] = {}


#: the names table of ``names: false`` (no phrase; codes are read by ``_read_codes``)
_NO_NAMES: dict[str, tuple[str, ...]] = {}


def _matcher(ctx: ParseContext) -> PhraseMatcher:
    names = _names(ctx) if ctx.extra.get("names", True) else _NO_NAMES

    def build() -> PhraseMatcher:
        phrases = {p: str(int(code)) for code, ps in names.items() for p in ps}
        return PhraseMatcher(
            phrases, commas_split=True, extra=_read_codes, extra_first=_is_code_start
        )

    return get_matcher(names, (), build, "au")


def action_units(text: str, ctx: ParseContext) -> ParseResult:
    """Present AUs (rules in the module docstring)."""
    answer = strip_wrappers(text)
    if not answer:
        return ParseResult.fail("empty")
    allowed = {int(c) for c in ctx.au_codes}
    if _CODE_LIST.fullmatch(answer):
        codes = {int(d) for d in _DIGITS.findall(answer)}
        return ParseResult(tuple(sorted(c for c in codes if not allowed or c in allowed)), "code_list")
    scan = _matcher(ctx).scan(answer)
    present = {int(k) for k in (k for _, k in scan.positive())}
    if allowed:
        present &= allowed
    if present:
        return ParseResult(tuple(sorted(present)), "codes")
    if scan.hits:
        return ParseResult((), "none_present")
    if _NONE.search(scan.key_text):
        return ParseResult((), "none_stated")
    if ctx.extra.get("unmentioned") == "absent":
        return ParseResult((), "unmentioned_absent")
    return ParseResult.fail("no_au")
