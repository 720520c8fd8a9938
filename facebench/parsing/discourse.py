"""Reading a description the way a careful person does: what is asserted, set aside, secondary.

:class:`DiscourseMatcher` is the scanner behind the free-text class and attribute parsers
(:mod:`facebench.parsing.synonyms`). It keeps the rules of :mod:`facebench.parsing.matcher`
(tokens, sentences, clauses, negators, statements of absence, longest phrase first) and adds:

* **Negation scope ends at a new predicate.** A negator's scope runs to the end of its clause,
  but a comma, a dash or "and" followed by a new subject or verb ("she", "it's", "her eyes",
  "which", "just", "instead", "looks", "is") closes it: "She isn't smiling, she looks sad" keeps
  "sad"; "no signs of happiness, sadness or anger" still negates all three. A spaced dash
  ("not happy - sad") ends a clause like ``;``.
* **More negators**, each negating what follows in its scope like "not": "rather than",
  "instead of", "as opposed to", "far from", "anything but", "free of", "no longer", "hardly",
  "barely", "not so much", "less", "than" ("more sad than angry"), "whether" and "if" ("hard to
  say whether she is happy or sad" asserts neither). "as if", "if anything", "as though" negate
  nothing.
* **Strength of a mention**: every asserted mention gets one of ``ASIDE`` < ``MINOR`` <
  ``PLAIN`` < ``MAJOR`` < ``ANSWER`` (constants of :mod:`facebench.parsing.matcher`). A marker
  (:data:`MARKERS`) gives its strength to the nearest asserted mention in its clause (at most
  :data:`REACH` tokens away; the nearer marker wins, the following mention on a tie):
  "mostly happy, with a hint of surprise" is happy ``MAJOR``, surprise ``MINOR``; "anger at
  first ... actually disgust" is anger ``ASIDE``, disgust ``MAJOR``. Without a marker a mention
  is ``PLAIN``, or ``ASIDE`` in a concessive clause (although, though, while, whereas, even
  though, despite, albeit; one that opens its sentence ends at the first comma: "Although there
  is some fear, the dominant emotion is surprise"). Every mention in a question ("Is she
  angry?") is ``ASIDE``.
* **Misspellings**: a word that is no synonym, no marker and no common English word
  (:data:`facebench.parsing.synonyms.real_words`) is read as a single-word synonym of 4+
  letters when it starts with the same letter and is within edit distance 1 (2 from 8 letters
  on; optimal string alignment, so "anrgy" is one edit) of synonyms of exactly one key.
  Three-letter words are never corrected, so "sad"/"mad" can never swap.

Phrases that stand for nothing (``ignore``, e.g. "content of" so "the content of the image" is
not happiness) are consumed like idioms. How the parser decides from strengths is in
:mod:`facebench.parsing.synonyms`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rapidfuzz import process
from rapidfuzz.distance import OSA

from facebench.parsing.matcher import (
    ANSWER,
    ASIDE,
    MAJOR,
    MINOR,
    NEGATORS,
    PLAIN,
    Hit,
    PhraseMatcher,
    Scan,
    phrase_key,
)
from facebench.parsing.text import fold_unicode

#: marker phrase -> the strength it gives the nearest mention (compared after tokenising, so
#: articles are dropped: "a hint of" is "hint of")
MARKERS: dict[int, tuple[str, ...]] = {
    ANSWER: (
        "answer", "final answer", "my answer", "in conclusion", "to conclude", "in summary",
        "to summarize", "to summarise", "to sum up", "all in all", "therefore", "thus", "hence",
        "verdict", "final verdict",
    ),
    MAJOR: (
        "mostly", "mainly", "primarily", "predominantly", "largely", "chiefly", "principally",
        "dominant", "dominantly", "predominant", "dominated by", "main", "primary", "principal",
        "prevailing", "overriding", "strongest", "most prominent", "most evident",
        "most noticeable", "overall", "ultimately", "actually", "in fact", "really", "truly",
        "genuinely", "in reality", "rather", "instead", "more like", "closer to",
        "leaning towards", "leaning toward", "leans towards", "leans toward", "best described as",
        "most likely", "above all", "on closer inspection", "upon closer inspection",
        "on closer look", "looking closer", "closer look", "more accurately", "more precisely",
        "more of", "more so",
    ),
    MINOR: (
        "hint", "hints", "touch", "touches", "trace", "traces", "tinge", "bit", "little",
        "slight", "slightly", "mild", "mildly", "somewhat", "subtle", "subtly", "faint",
        "faintly", "undertone", "undertones", "secondary", "minor", "some", "glimmer",
        "flicker", "also", "too", "as well", "might", "may", "could", "possibly", "perhaps",
        "maybe", "potentially", "partly", "partially", "mixed with", "element of",
        "elements of", "followed by", "lesser extent", "secondarily", "to some extent",
        "occasional", "sort of", "kind of", "tiny", "small amount of", "degree of",
    ),
    ASIDE: (
        "at first", "at first glance", "first glance", "at first sight", "initially",
        "on surface", "superficially", "mistaken for", "misread as", "might think",
        "one might think", "would expect", "could be read as", "some might say",
        "one might say", "some would say", "might say", "might assume", "could be confused with",
        "resemble", "resembles",
    ),
}
#: most tokens between a marker and the mention it marks
REACH = 8
#: phrases that negate what follows, as "not" does (discourse matchers only)
NEGATING = (
    "rather than", "instead of", "as opposed to", "far from", "anything but", "free of",
    "free from", "absence of", "devoid of", "no longer", "hardly", "barely", "scarcely",
    "not so much", "less", "than", "whether", "if", "unlike", "other than", "nothing like",
    "ruled out", "rule out", "rules out",
)
#: phrases with a negating word that negate nothing
DISCOURSE_IDIOMS = (
    "as if", "as though", "if anything", "more or less", "no less", "nonetheless",
    "nevertheless", "regardless", "if so", "even so", "no more than", "less than clear",
)
CONCESSIVE = ("although", "though", "while", "whilst", "whereas", "even though", "despite",
              "in spite of", "albeit", "even if")
CONTRAST = ("but", "however", "yet", "except")
#: a comma, dash or "and" followed by one of these starts a new predicate: negation ends
OPENERS = frozenset(
    "she he they it its this that which i we there her his their person face expression man "
    "woman individual subject child boy girl baby eyes mouth lips just only merely simply rather "
    "instead so now hence thus therefore overall what im shes hes theyre thats theres whose "
    "looks seems appears".split()
)
_AND_OPENERS = OPENERS | frozenset(
    "look seem appear is are was were shows show displays display has have conveys conveying "
    "expresses expressing suggests suggesting indicates indicating exhibits exhibiting looking "
    "seeming appearing showing displaying".split()
)
#: shortest synonym a misspelt word is read as, and shortest word read as a misspelling
FUZZY_MIN_TARGET, FUZZY_MIN_WORD = 5, 4
_TOKEN = re.compile(r"[a-z0-9]+|[.!?]+(?=\s|$)|[;,\n]|(?<=\s)-+(?=\s)")
_NT = re.compile(r"n't\b|n'\s")
_ARTICLES = frozenset(("a", "an", "the"))
_MISS = object()
_SENT, _CLAUSE, _COMMA, _NEG, _ABS, _AND, _CONCEDE, _OR, _VERB = 1, 2, 3, 4, 5, 6, 7, 8, 9
_MARK, _NEGATE, _NEGATE_LACK, _CONCEDE_KEY = "\x00m", "\x00n", "\x00l", "\x00c"
#: negators of a noun ("the lack of a smile") whose scope ends at the verb they are subject of
_LACK = frozenset(("lack", "lacks"))
_LACK_PHRASES = ("absence of", "lack of", "lacks", "lack")
#: verbs that end a ``_LACK`` scope: "the lack of a smile suggests sadness"
LACK_VERBS = frozenset(
    "suggest suggests suggesting indicate indicates indicating imply implies implying mean means "
    "point points signal signals signalling reveal reveals convey conveys conveying".split()
)
_PRESENCE = frozenset(
    "present visible seen detected activated active evident observed shown apparent displayed "
    "noticeable obvious there".split()
)
_ABSENT = frozenset(("absent", "missing", "lacking"))


def discourse_tokens(text: str) -> list[str]:
    """Tokens as :func:`facebench.parsing.matcher.tokens`, plus a spaced dash (``-``) and an
    em dash as clause marks."""
    text = fold_unicode(text.replace("\u2014", " - ")).lower()
    if "'" in text:
        text = _NT.sub(" not ", text).replace("'", "")
    return [t for t in _TOKEN.findall(text) if t not in _ARTICLES]


class DiscourseMatcher(PhraseMatcher):
    """A :class:`PhraseMatcher` whose scan reads negation scope, markers and misspellings
    (rules in the module docstring). ``real_words`` are never read as misspellings;
    ``fuzzy=False`` turns misspelling reading off."""

    def __init__(
        self,
        phrases: Mapping[str, str],
        *,
        ignore: Iterable[str] = (),
        real_words: frozenset[str] = frozenset(),
        fuzzy: bool = True,
    ) -> None:
        super().__init__(phrases)
        lookup = self._lookup
        for idiom in (*DISCOURSE_IDIOMS, *ignore):
            lookup[phrase_key(idiom)] = ""
        for strength, markers in MARKERS.items():
            for marker in markers:
                lookup.setdefault(phrase_key(marker), f"{_MARK}{strength}")
        for phrase in _LACK_PHRASES:
            lookup[phrase_key(phrase)] = _NEGATE_LACK
        for phrase in NEGATING:
            lookup.setdefault(phrase_key(phrase), _NEGATE)
        for phrase in CONCESSIVE:
            lookup.setdefault(phrase_key(phrase), _CONCEDE_KEY)
        special: dict[str, int] = {"\n": _SENT, ";": _CLAUSE, ",": _COMMA, "-": _CLAUSE}
        special |= dict.fromkeys((".", "!", "?"), _SENT) | dict.fromkeys(CONTRAST, _CLAUSE)
        special |= dict.fromkeys(NEGATORS, _NEG) | dict.fromkeys(_ABSENT, _ABS)
        special["and"] = _AND
        special["or"] = _OR
        special |= dict.fromkeys(LACK_VERBS, _VERB)
        longest: dict[str, int] = {}
        for key in lookup:
            words = key.split(" ")
            longest[words[0]] = max(longest.get(words[0], 0), len(words))
        self._info = {t: (longest.get(t, 0), special.get(t, 0)) for t in {*longest, *special}}
        self.real_words = real_words
        self._by_letter: dict[str, list[str]] = {}
        if fuzzy:
            for word in self.table:
                if " " not in word and len(word) >= FUZZY_MIN_TARGET and word.isalpha():
                    self._by_letter.setdefault(word[0], []).append(word)
        self._fuzzy_cache: dict[str, tuple[str, str] | None] = {}

    # -- misspellings -------------------------------------------------------------------------
    def misspelt(self, word: str) -> tuple[str, str] | None:
        """(key, synonym) a misspelt ``word`` stands for, or None (rules in the docstring)."""
        cache = self._fuzzy_cache
        if word in cache:
            return cache[word]
        found = None
        if len(word) >= FUZZY_MIN_WORD and word.isalpha() and word not in self.real_words:
            vocab = self._by_letter.get(word[0])
            if vocab:
                limit = 2 if len(word) >= 8 else 1
                near = process.extract(word, vocab, scorer=OSA.distance, score_cutoff=limit,
                                       limit=None)
                if near:
                    best = min(d for _, d, _ in near)
                    words = [w for w, d, _ in near if d == best]
                    keys = {self.table[w] for w in words}
                    if len(keys) == 1:
                        found = (keys.pop(), words[0])
        if len(cache) > 200_000:
            cache.clear()
        cache[word] = found
        return found

    # -- scanning -----------------------------------------------------------------------------
    def scan(self, text: str) -> Scan:
        """Hits with negation, strength and sentence (rules in the module docstring)."""
        toks = discourse_tokens(text)
        n = len(toks)
        lookup, info = self._lookup, self._info
        fuzzy = self.misspelt if self._by_letter else None
        fcache = self._fuzzy_cache
        hits: list[Hit] = []
        clause: list[list] = []  # [position, key, negated, fuzzy synonym]
        marks: list[tuple[int, int]] = []  # (position, strength)
        segment: list[list] = []  # the hits of the current comma part (may turn negated)
        sentence = 0
        sent_start = 0  # index in hits of this sentence's first hit
        first: int | None = None
        clause_neg = seg_neg = sent_neg = sent_pos = sent_words = False
        concessive = concessive_comma = lack = False
        alternatives: list[int] = []  # positions of "or" in the clause
        i = 0
        while i < n:
            tok = toks[i]
            entry = info.get(tok)
            if entry is None:
                i += 1
                if tok[0] not in ".!?":
                    sent_words = True
                    if fuzzy is not None and len(tok) >= FUZZY_MIN_WORD:
                        got = fcache.get(tok, _MISS)
                        if got is _MISS:
                            got = fuzzy(tok)
                        if got is not None:
                            hit = [i - 1, got[0], clause_neg, tok]
                            clause.append(hit)
                            segment.append(hit)
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
                        if found != _CONCEDE_KEY:
                            sent_words = True
                        if not found:
                            i += length
                            continue
                        if found[0] != "\x00":
                            hit = [i, found, clause_neg, ""]
                            clause.append(hit)
                            segment.append(hit)
                            i += length
                            continue
                        if found == _NEGATE or found == _NEGATE_LACK:
                            clause_neg = sent_neg = True
                            lack = found == _NEGATE_LACK
                            i += length
                            continue
                        if found != _CONCEDE_KEY:
                            marks.append((i, int(found[2:])))
                            i += length
                            continue
                        i += length
                        kind = _CONCEDE
                    else:
                        i += 1
                else:
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
                if tok in ("not", "never") and (nxt in _PRESENCE or nxt[0] in ".!?;,\n-"):
                    seg_neg = True
                clause_neg = sent_neg = True
                lack = tok in _LACK
                sent_words = True
            elif kind == _OR:
                alternatives.append(i - 1)
                sent_words = True
            elif kind == _VERB:
                sent_words = True
                if lack:
                    sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
                    clause_neg = seg_neg = lack = False
            elif kind == _ABS:
                clause_neg = seg_neg = sent_neg = sent_words = True
            elif kind == _COMMA or kind == _AND:
                sent_words = True
                nxt = toks[i] if i < n else "."
                openers = OPENERS if kind == _COMMA else _AND_OPENERS
                opens = nxt in openers or (nxt[-1] == "s" and nxt[:-1] in openers)  # "man's"
                if kind == _COMMA or opens:
                    sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
                    seg_neg = False
                if kind == _COMMA and concessive_comma:
                    _close(hits, clause, marks, alternatives, sentence, ASIDE)
                    concessive = concessive_comma = False
                    clause_neg = False
                elif opens:
                    clause_neg = False
            else:  # clause or sentence end, or a concessive conjunction
                sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
                _close(hits, clause, marks, alternatives, sentence, ASIDE if concessive else PLAIN)
                clause_neg = seg_neg = lack = False
                concessive = concessive_comma = False
                if kind == _CONCEDE:
                    concessive = True
                    concessive_comma = not sent_words
                    sent_words = True
                elif kind == _SENT:
                    if "?" in tok:
                        _demote(hits, sent_start)
                    if first is None and (sent_pos or (sent_words and not sent_neg)):
                        first = sentence
                    sentence += 1
                    sent_start = len(hits)
                    sent_neg = sent_pos = sent_words = False
        sent_pos = (segment and _settle(segment, seg_neg)) or sent_pos
        _close(hits, clause, marks, alternatives, sentence, ASIDE if concessive else PLAIN)
        if first is None and (sent_pos or (sent_words and not sent_neg)):
            first = sentence
        return Scan(tuple(hits), first, " ".join(toks))


def _settle(segment: list[list], seg_neg: bool) -> bool:
    """Apply a statement of absence to the comma part's hits; True if any stays asserted."""
    positive = False
    for hit in segment:
        if seg_neg:
            hit[2] = True
        positive = positive or not hit[2]
    segment.clear()
    return positive


def _close(hits: list[Hit], clause: list[list], marks: list[tuple[int, int]],
           alternatives: list[int], sentence: int, base: int) -> None:
    """Give the clause's hits their strength and store them.

    A marker marks the nearest asserted mention after it within :data:`REACH` tokens, else the
    nearest before it ("anger at first"); a mention marked twice takes ``ASIDE`` if either
    marker sets it aside, else the nearer marker's strength; unmarked mentions get ``base``.
    Two mentions on either side of an "or" are alternatives: both get the stronger strength,
    so "could be fear or surprise" stays a tie.
    """
    if not clause:
        marks.clear()
        alternatives.clear()
        return
    if not marks and not alternatives:
        hits.extend(Hit(sentence, key, negated, base, fuzzy) for _, key, negated, fuzzy in clause)
        clause.clear()
        return
    strength: dict[int, tuple[int, int]] = {}  # hit index -> (distance, strength)
    live = [k for k, h in enumerate(clause) if not h[2]]
    if marks:
        for pos, value in marks:
            after = [k for k in live if 0 <= clause[k][0] - pos <= REACH]
            before = [k for k in live if 0 < pos - clause[k][0] <= REACH]
            if after:
                k = after[0]
            elif before:
                k = before[-1]
            else:
                continue
            d = abs(clause[k][0] - pos)
            have = strength.get(k)
            if have is None or (value == ASIDE) or (have[1] != ASIDE and d < have[0]):
                strength[k] = (d, value)
        marks.clear()
    values = [strength[k][1] if k in strength else base for k in range(len(clause))]
    if alternatives and len(live) > 1:
        for pos in alternatives:
            left = [k for k in live if clause[k][0] < pos]
            right = [k for k in live if clause[k][0] > pos]
            if left and right:
                a, b = left[-1], right[0]
                values[a] = values[b] = max(values[a], values[b])
        alternatives.clear()
    alternatives.clear()
    for k, (_, key, negated, fuzzy) in enumerate(clause):
        hits.append(Hit(sentence, key, negated, values[k], fuzzy))
    clause.clear()


def _demote(hits: list[Hit], start: int) -> None:
    """Every mention of a question is set aside."""
    for k in range(start, len(hits)):
        h = hits[k]
        if h.strength > ASIDE:
            hits[k] = Hit(h.sentence, h.key, h.negated, ASIDE, h.fuzzy)


__all__ = ["ANSWER", "ASIDE", "MAJOR", "MINOR", "PLAIN", "DiscourseMatcher", "MARKERS",
           "discourse_tokens"]
