"""One-pass scanner: synonym hits by sentence, each marked negated or not.

Rules (strict mode), and why:

* **Tokens**: the answer is lower-cased, accents dropped, "n't" read as "not", apostrophes
  removed ("o'clock" -> "oclock"), and split into alphanumeric words (hyphens, underscores and
  slashes separate words) plus sentence/clause marks; the articles a/an/the are dropped. The
  synonym phrases go through the same function, so "Good-looking" matches "good looking".
* **Sentences** end at ``.``, ``!`` or ``?`` followed by a space or the end, or at a newline, so
  "2.5" and "v1.5" do not split. Text without any end mark is one sentence (the public
  scripts crash there).
* **Clauses**: a sentence is cut at ``;`` and at contrastive conjunctions (but, however,
  whereas, while, although, though, yet, except); the action-unit parser also cuts at commas,
  because AU answers are lists ("AU1: present, AU4: absent"). Negation never crosses a clause,
  so "There is no smile here; the face is sad." keeps "sad" (the public scripts drop the
  whole sentence).
* **Negation**: a negator *word* (not, no, never, nothing, none, neither, nor, without,
  cannot, lack(s)) negates the hits after it in its clause: "no signs of happiness, sadness or
  anger" negates all three, "happy, not sad" keeps happy, "wavy hair and is not wearing
  earrings" keeps wavy hair. A statement of *absence* ("not/never (be/been) present, visible,
  seen, detected, activated, active, evident, observed, shown, apparent, displayed,
  noticeable, obvious, there", an elliptical "... is not.", "absent", "missing", "lacking")
  also negates the hits before it in its comma-delimited part of the clause: "AU12 is not
  present", "happiness is absent". Whole words only: "nose", "know" and "normal" are not
  negators (a known defect of the public scripts). A negator inside a matched synonym ("no
  beard", "not fake") belongs to that synonym; "no doubt", "not only", "nothing but" and a bare
  answer particle ("No, ...") negate nothing.
* **Hits** are whole-word matches of synonym phrases (and their plural/singular forms),
  longest phrase first. Tokenising is one C-level ``findall``; the loop over ~100 tokens does a
  dict lookup each, so a description costs tens of microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from facebench.parsing.text import fold_unicode, variants

NEGATORS = (
    "not", "no", "never", "nothing", "none", "neither", "nor", "without", "cannot",
    "lack", "lacks",
)
#: phrases that contain a negator word but negate nothing
IDIOMS = ("no doubt", "without doubt", "without a doubt", "no question", "not only", "not just",
          "nothing but", "no wonder")
_CONJUNCTIONS = ("but", "however", "whereas", "while", "although", "though", "yet", "except")
#: words after "not"/"never" that make a statement of absence ("AU12 is not present")
_PRESENCE = frozenset(
    ["present", "visible", "seen", "detected", "activated", "active", "evident", "observed", "shown", "apparent", "displayed", "noticeable", "obvious", "there"]
)
_ABSENT = frozenset(("absent", "missing", "lacking"))
_ARTICLES = frozenset(("a", "an", "the"))
_TOKEN = re.compile(r"[a-z0-9]+|[.!?]+(?=\s|$)|[;,\n]")
_NT = re.compile(r"n't\b|n'\s")
_SENT, _CLAUSE, _COMMA, _NEG, _ABS = 1, 2, 3, 4, 5

ExtraReader = Callable[[list[str], int], tuple[list[str], int]]


def tokens(text: str) -> list[str]:
    """Word tokens and sentence/clause marks of ``text`` (see the module docstring)."""
    text = fold_unicode(text).lower()
    if "'" in text:
        text = _NT.sub(" not ", text).replace("'", "")
    return [t for t in _TOKEN.findall(text) if t not in _ARTICLES]


def phrase_key(phrase: str) -> str:
    """The form a synonym phrase is stored and compared in (its tokens joined by spaces)."""
    return " ".join(tokens(phrase))


#: how strongly a mention is asserted (discourse matchers; see :class:`PhraseMatcher`)
#: (``HEADED``: the value of a field, "Label: fear", which a later field or second look
#: replaces and "mostly X" in its own value outranks; ``REVISE``: a second look, "actually",
#: that can correct a plain first sentence)
ASIDE, MINOR, PLAIN, HEADED, MAJOR, REVISE, ANSWER = 0, 1, 2, 3, 4, 5, 6


class Hit(NamedTuple):
    """One matched key; ``sentence`` counts from 0. ``strength`` says how the mention is
    asserted (``PLAIN`` unless a discourse matcher saw a marker); ``fuzzy`` is the misspelt
    word read as a synonym (empty for exact matches). A named tuple: a scan makes one per
    mention, and a frozen dataclass costs several times more to build."""

    sentence: int
    key: str
    negated: bool
    strength: int = PLAIN
    fuzzy: str = ""


class Scan(NamedTuple):
    """A scanned answer: hits in text order, the first sentence that is not a negative
    sentence (``None`` if all are), and the answer's tokens joined by spaces. A named tuple,
    like :class:`Hit`: every parse builds one or two."""

    hits: tuple[Hit, ...]
    first_sentence: int | None
    key_text: str

    def positive(self) -> list[tuple[int, str]]:
        """(sentence, key) of every non-negated hit."""
        return [(h.sentence, h.key) for h in self.hits if not h.negated]

    def asserted(self) -> list[Hit]:
        """Every non-negated hit, with its strength."""
        return [h for h in self.hits if not h.negated]


class PhraseMatcher:
    """Finds synonym keys in text; built once per synonym table (see :func:`get_matcher`).

    ``phrases`` maps a phrase to the key it stands for (a class name, an AU code...).
    ``extra`` optionally reads keys the phrase table cannot hold (the AU parser's "AU12" codes):
    called at tokens for which ``extra_first`` is true, it returns the keys and the index after
    what it consumed (no keys: nothing consumed).
    """

    def __init__(
        self,
        phrases: Mapping[str, str],
        *,
        commas_split: bool = False,
        extra: ExtraReader | None = None,
        extra_first: Callable[[str], bool] | None = None,
    ) -> None:
        table: dict[str, str] = {}
        for phrase, key in phrases.items():
            for form in variants(phrase_key(phrase)):
                table.setdefault(form, key)
        table.pop("", None)
        self.table = table
        lookup = dict(table)
        for idiom in IDIOMS:  # consumed like phrases, standing for nothing ("")
            lookup.setdefault(phrase_key(idiom), "")
        self._lookup = lookup
        special = {"\n": _SENT, ";": _CLAUSE, ",": _CLAUSE if commas_split else _COMMA}
        special |= dict.fromkeys((".", "!", "?"), _SENT) | dict.fromkeys(_CONJUNCTIONS, _CLAUSE)
        special |= dict.fromkeys(NEGATORS, _NEG) | dict.fromkeys(_ABSENT, _ABS)
        longest: dict[str, int] = {}
        for key in lookup:
            words = key.split(" ")
            longest[words[0]] = max(longest.get(words[0], 0), len(words))
        # one lookup per token: (longest phrase starting here, special kind), 0 when none
        self._info = {t: (longest.get(t, 0), special.get(t, 0)) for t in {*longest, *special}}
        self.extra = extra
        self.extra_first = extra_first

    def scan(self, text: str) -> Scan:
        """Hits with their negation and sentence (rules in the module docstring)."""
        toks = tokens(text)
        n = len(toks)
        lookup, info = self._lookup, self._info
        extra, extra_first = self.extra, self.extra_first
        hits: list[Hit] = []
        segment: list[tuple[str, bool]] = []  # (key, negator earlier in the clause)
        sentence = 0
        first: int | None = None
        clause_neg = seg_neg = sent_neg = sent_pos = sent_words = False
        i = 0
        while i < n:
            tok = toks[i]
            entry = info.get(tok)
            if entry is None:
                if extra_first is not None and extra_first(tok):
                    keys, after = extra(toks, i)  # type: ignore[misc]
                    if keys:
                        segment.extend((k, clause_neg) for k in keys)
                        sent_words = True
                        i = after
                        continue
                i += 1
                if tok[0] not in ".!?":
                    sent_words = True
                    continue
                kind = _SENT
            else:
                span, kind = entry
                if span:
                    length, found = 0, None
                    for length in range(min(span, n - i), 0, -1):
                        found = lookup.get(tok if length == 1 else " ".join(toks[i : i + length]))
                        if found is not None:
                            break
                    if found is not None:
                        if found:
                            segment.append((found, clause_neg))
                        sent_words = True
                        i += length
                        continue
                i += 1
                if not kind:
                    sent_words = True
                    continue
            if kind == _NEG:
                nxt = toks[i] if i < n else "."
                if tok == "no" and nxt == ",":
                    continue  # answer particle: "No, ..."
                if nxt in ("be", "been") and i + 1 < n:
                    nxt = toks[i + 1]
                if tok in ("not", "never") and (nxt in _PRESENCE or nxt[0] in ".!?;,\n"):
                    seg_neg = True
                clause_neg = sent_neg = True
            elif kind == _ABS:
                clause_neg = seg_neg = sent_neg = sent_words = True
            elif kind == _COMMA:
                sent_pos = _flush(hits, segment, sentence, seg_neg) or sent_pos
                seg_neg = False
            else:  # clause or sentence end
                sent_pos = _flush(hits, segment, sentence, seg_neg) or sent_pos
                clause_neg = seg_neg = False
                if kind == _SENT:
                    if first is None and (sent_pos or (sent_words and not sent_neg)):
                        first = sentence
                    sentence += 1
                    sent_neg = sent_pos = sent_words = False
        sent_pos = _flush(hits, segment, sentence, seg_neg) or sent_pos
        if first is None and (sent_pos or (sent_words and not sent_neg)):
            first = sentence
        return Scan(tuple(hits), first, " ".join(toks))

    def positive_keys(self, text: str) -> list[tuple[int, str]]:
        """(sentence, key) for every non-negated hit."""
        return self.scan(text).positive()


def _flush(hits: list[Hit], segment: list[tuple[str, bool]], sentence: int, seg_neg: bool) -> bool:
    """Move a comma segment's hits to ``hits``; True if any of them is not negated."""
    positive = False
    for key, before in segment:
        negated = before or seg_neg
        positive = positive or not negated
        hits.append(Hit(sentence, key, negated))
    segment.clear()
    return positive


_CACHE: dict[tuple, tuple[object, PhraseMatcher]] = {}


def get_matcher(
    source: object, classes: tuple[str, ...], build: Callable[[], PhraseMatcher], tag: str = ""
) -> PhraseMatcher:
    """A matcher cached by the identity of its synonym table (``source``) and class list.

    Holding ``source`` in the cache keeps its ``id`` from being reused, so identity is a safe
    key; a task's ``ParseContext`` keeps one table, so each task builds its matcher once.
    """
    key = (id(source), classes, tag)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is source:
        return hit[1]
    if len(_CACHE) > 256:
        _CACHE.clear()
    matcher = build()
    _CACHE[key] = (source, matcher)
    return matcher
