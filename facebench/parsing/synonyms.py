"""Free-text descriptions to a class (expression, real/fake) or to a set of attributes.

Strict rule for one class (Face-LLaVA App. F.1, minus the public scripts' silent defaults):

1. Wrappers stripped; negated mentions removed (see :mod:`facebench.parsing.matcher`).
2. **First sentence decides**: the first sentence that is not a negative sentence (one with a
   negator and no non-negated mention) is the first sentence; if it mentions any class, the
   class mentioned most often there wins (rule ``first_sentence``). Models state
   their conclusion first and reason afterwards, so later sentences often name other classes.
3. Otherwise the class mentioned most often in the rest wins (rule ``majority``).
4. A tie at the deciding step (``tie``), only negated mentions (``negated``) or no mention at
   all (``no_match``) is **unparseable** (the public scripts answer "happiness" there).
5. Only when no synonym occurs at all, not even negated, single words of 5+ letters are compared with the
   single-word synonyms by ``rapidfuzz`` ratio (default threshold 88, ``ctx.extra
   ["fuzzy_threshold"]``); exactly one class must be reached (rule ``fuzzy``). This catches
   "hapiness"/"suprised" without letting "careful" read as "fearful".

Every class name (and its display name) is a synonym of itself, so "Wearing_Hat" matches
"wearing hat" with no list entry. Only ``ctx.classes`` are considered: RAF-DB never reads
"smirk" as contempt because contempt is not one of its classes.

Attributes: an attribute is present when one of its synonyms is mentioned in a non-negated
clause; the value is the sorted tuple of present attributes, possibly empty (a description
that mentions none of them predicts all absent). An empty answer or a refusal that mentions
nothing is unparseable.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import numpy as np
import yaml
from rapidfuzz import fuzz, process

from facebench.parsing.context import ParseContext
from facebench.parsing.matcher import NEGATORS, PhraseMatcher, get_matcher
from facebench.parsing.text import strip_wrappers
from facebench.types import ParseResult

FUZZY_THRESHOLD = 88.0
_REFUSAL = re.compile(
    r"\b(?:i'?m sorry|i am sorry|i cannot|i can'?t|i'm unable|i am unable|unable to|as an ai)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")


def load_synonyms(name: str) -> dict[str, tuple[str, ...]]:
    """``synonyms/<name>.yaml`` as ``{class: (phrase, ...)}`` in the file's class order.

    File format: ``classes: {name: [phrase, ...]}`` plus an optional ``order: [name, ...]``
    (used by the reference lists, where class order breaks ties).
    """
    return dict(_load(name))


@lru_cache(maxsize=64)
def _load(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    from facebench.resources import data_path

    path = data_path("synonyms", f"{name}.yaml")
    if not path.is_file():
        raise KeyError(f"no synonym list {name!r} (looked for {path})")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    classes = doc.get("classes") or {}
    order = doc.get("order") or list(classes)
    return tuple((str(c), tuple(str(p) for p in (classes.get(c) or ()))) for c in order)


def class_phrases(ctx: ParseContext) -> tuple[tuple[str, ...], dict[str, str]]:
    """The classes in play and a phrase -> class table (names, display names, synonyms)."""
    classes = ctx.classes or tuple(ctx.synonyms)
    display = ctx.extra.get("class_names") or {}
    table: dict[str, str] = {}
    for cls in classes:
        for phrase in (cls, display.get(cls, cls), *ctx.synonyms.get(cls, ())):
            table.setdefault(phrase, cls)
    return classes, table


def _matcher(ctx: ParseContext) -> tuple[tuple[str, ...], PhraseMatcher]:
    classes = ctx.classes or tuple(ctx.synonyms)

    def build() -> PhraseMatcher:
        return PhraseMatcher(class_phrases(ctx)[1])

    return classes, get_matcher(ctx.synonyms, classes, build, "class")


def _winner(keys: list[str]) -> str | None:
    if all(k == keys[0] for k in keys):
        return keys[0]
    top = Counter(keys).most_common(2)
    return top[0][0] if top[0][1] > top[1][1] else None


#: the end of the first sentence as the scanner sees it (raw text, checked on its tokens)
_FIRST_END = re.compile(r"[.!?]+(?=\s|$)|\n")


def synonym_class(text: str, ctx: ParseContext) -> ParseResult:
    """One class from a description (rules in the module docstring)."""
    text = strip_wrappers(text)
    if not text:
        return ParseResult.fail("empty")
    classes, matcher = _matcher(ctx)
    if not classes:
        return ParseResult.fail("no_classes")
    decided = _first_sentence_only(text, matcher)
    if decided is not None:
        return decided
    scan = matcher.scan(text)
    hits = scan.positive()
    if not hits:
        return ParseResult.fail("negated") if scan.hits else _fuzzy(scan.key_text, matcher, ctx)
    first = [k for s, k in hits if s == scan.first_sentence]
    if first:
        winner = _winner(first)
        return ParseResult(winner, "first_sentence") if winner else ParseResult.fail("tie")
    winner = _winner([k for _, k in hits])
    return ParseResult(winner, "majority") if winner else ParseResult.fail("tie")


def _first_sentence_only(text: str, matcher: PhraseMatcher) -> ParseResult | None:
    """The decision when the opening sentence alone settles it (most answers), else None.

    Same result as scanning the whole text: the first sentence decides whenever it is not
    negative and mentions a class, and nothing after it can change that. Saves scanning the
    reasoning that follows a conclusion.
    """
    m = _FIRST_END.search(text)
    if m is None or m.end() >= len(text) - 1:
        return None
    scan = matcher.scan(text[: m.end()])
    if scan.first_sentence != 0 or not scan.key_text or scan.key_text[-1] not in ".!?\n":
        return None
    first = [k for s, k in scan.positive() if s == 0]
    if not first:
        return None
    winner = _winner(first)
    return ParseResult(winner, "first_sentence") if winner else ParseResult.fail("tie")


def _fuzzy(key_text: str, matcher: PhraseMatcher, ctx: ParseContext) -> ParseResult:
    threshold = float(ctx.extra.get("fuzzy_threshold", FUZZY_THRESHOLD))
    vocab = _fuzzy_vocab(matcher)
    words = _WORD.findall(key_text)[:300]
    candidates = sorted(
        {w for i, w in enumerate(words)
         if len(w) >= 5 and not any(x in NEGATORS for x in words[max(0, i - 3) : i])}
    )
    if not vocab or not candidates:
        return ParseResult.fail("no_match")
    scores = process.cdist(candidates, vocab, scorer=fuzz.ratio, score_cutoff=threshold)
    found = {matcher.table[vocab[c]] for c in np.nonzero(scores)[1]}
    if len(found) == 1:
        return ParseResult(found.pop(), "fuzzy")
    return ParseResult.fail("fuzzy_ambiguous" if found else "no_match")


def _fuzzy_vocab(matcher: PhraseMatcher) -> tuple[str, ...]:
    """Single-word synonym keys of 5+ letters (computed once per matcher)."""
    vocab = getattr(matcher, "fuzzy_vocab", None)
    if vocab is None:
        vocab = tuple(w for w in matcher.table if " " not in w and len(w) >= 5)
        matcher.fuzzy_vocab = vocab  # type: ignore[attr-defined]
    return vocab


def synonym_attributes(text: str, ctx: ParseContext) -> ParseResult:
    """The attributes a description mentions in non-negated clauses (sorted tuple)."""
    text = strip_wrappers(text)
    if not text:
        return ParseResult.fail("empty")
    classes, matcher = _matcher(ctx)
    if not classes:
        return ParseResult.fail("no_classes")
    present = {k for _, k in matcher.scan(text).positive()}
    if not present and _REFUSAL.search(text):
        return ParseResult.fail("refusal")
    return ParseResult(tuple(sorted(present)), "mentions" if present else "no_mentions")
