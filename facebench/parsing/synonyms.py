"""Free-text descriptions to a class (expression, real/fake) or to a set of attributes.

Strict rule for one class (Face-LLaVA App. F.1, minus the public scripts' silent defaults, read
the way a careful person reads; the scanner is :mod:`facebench.parsing.discourse`):

1. Wrappers stripped; negated mentions removed, each negator's scope ending before the next
   predicate ("She isn't smiling, she looks sad" keeps "sad"). Each asserted mention has a
   strength: ``ASIDE`` (set aside: "at first", a concessive clause, a question), ``MINOR`` ("a
   hint of", "slightly", "could"), ``PLAIN``, ``MAJOR`` ("mostly", "the dominant emotion",
   "actually") or ``ANSWER`` ("Final answer:", "in conclusion", "therefore").
2. **An explicit answer decides**: mentions marked ``ANSWER`` anywhere outvote the rest (rule
   ``answer``).
   A retraction ("Correction: ...", "I'll revise that to ...", "scratch that") sets aside
   every mention before it, and makes the next one ``MAJOR``.
3. **First sentence decides**: the first sentence that is not a negative sentence (one with a
   negator and no asserted mention) is the first sentence; if it mentions any class, its
   strongest mentions decide, the class mentioned most often among them winning (rule
   ``first_sentence``): "mostly happy, with a hint of surprise" is happiness. Models state
   their conclusion first and reason afterwards, so later sentences often name other classes.
   Only when the first sentence merely sets a class aside ("It looks like anger at first.")
   does a later asserted mention decide, or when it names a class only as minor ("There is a
   hint of fear.") a later ``MAJOR`` one, or a later second look or self-correction
   (``REVISE``: "Actually, looking again, she looks sad.") or a later field ("Label: neutral")
   over a plain or major first sentence (rule ``correction``). A first sentence that is
   undecided between two classes ("Could be surprise or joy...", "Expression: smiling mouth,
   sad eyes.") gives way to a later ``MAJOR`` one too ("leaning joy", "Overall the emotion is
   sadness").
4. Otherwise the strongest mentions of the whole answer decide (rule ``majority``).
5. A tie at the deciding step (``tie``), only set-aside mentions (``set_aside``), only negated
   mentions (``negated``) or no mention at all (``no_match``) is **unparseable** (the public
   scripts answer "happiness" there). Except for a tie, it is a **refusal** (rule
   ``refusal``, value None) when the answer says it does not know, cannot see the face, or
   declines (:mod:`facebench.parsing.refusal`): "I don't know if she is happy or sad" offers
   no class ("if" puts both out of the assertion), but "happy or sad, hard to say" does, and
   a person reads it as an ambiguous answer, not as a refusal: it stays ``tie``. So do
   candidates only offered ("Hmm, neutral? Or maybe slightly angry.": a question and a hedge)
   and an answer that leads with a class but closes undecided between it and another, saying
   it cannot tell ("...points to surprise. ... it could be surprise or fear, I can't tell").
   Before that, an answer that asserts no class is read once more with the *fallback* words
   (``fallbacks:`` in ``synonyms/expression.yaml``): "He looks serious." is neutral (rule
   ``fallback``), while in "serious and angry" the word yields to the class beside it.
6. Misspelt words count as the synonym they are one edit from (two from 8 letters on), never a
   common English word and never a 3-letter one (sad/mad); a class supported only by such
   words is reported with rule ``fuzzy``. ``ctx.extra["fuzzy_threshold"]`` (0-100)
   additionally requires that ``rapidfuzz`` ratio between the word and its synonym.

Classes given with percentages or probabilities ("1. Fear (55%) 2. Surprise (35%)", "70%
anger, 30% disgust", a table row "| Disgust | 0.64 |") are read by their shares: the largest
decides (rule ``scores``; two largest alike: ``tie``); a ranked list of bare classes ("1.
Surprise 2. Fear", "sadness > neutral > fear") by its first (rule ``ranked``).

An answer that weighs classes and finds no winner ("it's a 50/50", "torn between", "neither
clearly wins", "hard to say which"), one that closes undecided between its lead class and
another, and one whose deciding sentence negates the class it asserts while asserting
another, is a ``tie``; a tie beside "the face is covered" or a declining "I'm sorry" is a
``refusal``.

An explicit answer followed by another
class and a last sentence of doubt ("Final answer: surprise. Hmm, maybe fear. I'm not sure.")
is a ``tie``; so is a class named only as minor in a face the writer finds hard to read ("a
faint half-smile ... His mood is difficult to read"). Scores on a scale of their own ("happy
9.1, neutral 2.0, sad 0.3"; three classes or more, not ranks or action-unit numbers) are read
by the largest; close scores beside a doubt phrase, or a keyed label "uncertain", are a tie,
and so are two largest within 5% of each other or, as probabilities, within 3 points ("anger
0.34, disgust 0.33, sadness 0.33"; "anger 0.38, disgust 0.36").

A label or explicit answer that the reasoning after it contradicts, asserting one other class
and never the label's ("Emotion: happiness. The person is clearly sad and crying."), is a
``tie``; so is an answer that goes on "or possibly <another class>". A first sentence that only
hedges a class ("... might hint at surprise, but ...") is withdrawn when a later sentence
negates that class, and a later plain class then decides (rule ``correction``). A bare opening
class ("Happiness. The brows are drawn together ...") counts as a label.

The whole answer is weighed, too, where one sentence cannot settle it: two people "on the
left" and "on the right" with different classes (unless the answer names its subject); "a mix
of X and Y", "both X and Y" or an opening "X or Y -" read only through cues; a feeling that is
no class but close to another felt at once ("excited and nervous at the same time", "nervous,
maybe a little excited"); the same hedge twice ("Could be fear. Could be surprise."); a clip
that changes from one class to another ("starts off smiling but ends up crying") unless a
later sentence names the clip's class; two leaked assistant turns that disagree (in a dialogue
with a user turn, the last answer stands). All are a ``tie``. A closing letter picks from a
lettered list of options in the answer ("A) anger B) disgust ... \n\nF"; "I'd pick (b).").

Value words (``values`` of ``synonyms/expression.yaml``: "blank", "flat") name a class only as
a whole answer or a field's value ("Expression: blank"), and not beside a refusal. A word spelt
out letter by letter ("H-A-P-P-Y") is read as the word.

Emoji are read as words first (``synonyms/emoji.yaml``: "😢" is "sad").

Before reading, the quoted names of things are removed (:func:`drop_quoted_names`: "a book
called "The Happiness Project"", "a 'Happy Birthday' banner"): they are not the face's.

Every class name (and its display name) is a synonym of itself, so "Wearing_Hat" matches
"wearing hat" with no list entry. Only ``ctx.classes`` are considered: RAF-DB never reads
"smirk" as contempt because contempt is not one of its classes.

Attributes: an attribute is present when one of its synonyms is asserted (in any strength);
the value is the sorted tuple of present attributes, possibly empty (a description that
mentions none of them predicts all absent). An empty answer is unparseable; one that asserts
no attribute and is a refusal ("I don't know", "the image is too dark") is a ``refusal``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import yaml
from rapidfuzz import fuzz

from facebench.parsing.context import ParseContext
from facebench.parsing.discourse import HEADINGS, DiscourseMatcher
from facebench.parsing.matcher import (
    ANSWER,
    ASIDE,
    HEADED,
    MAJOR,
    MINOR,
    PLAIN,
    REVISE,
    Hit,
    get_matcher,
)
from facebench.parsing.refusal import cannot_answer, refusal_reason, says_unsure
from facebench.parsing.text import fold_unicode, strip_wrappers
from facebench.types import REFUSAL, ParseResult

#: kept for callers of the old fallback; misspellings are read per word now (no threshold
#: unless ``ctx.extra["fuzzy_threshold"]`` sets one)
FUZZY_THRESHOLD = 88.0


def load_synonyms(name: str) -> dict[str, tuple[str, ...]]:
    """``synonyms/<name>.yaml`` as ``{class: (phrase, ...)}`` in the file's class order.

    File format: ``classes: {name: [phrase, ...]}`` plus an optional ``order: [name, ...]``
    (used by the reference lists, where class order breaks ties).
    """
    return dict(_load(name))


@lru_cache(maxsize=64)
def _load(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    doc = _yaml(name)
    classes = doc.get("classes") or {}
    order = doc.get("order") or list(classes)
    return tuple((str(c), tuple(str(p) for p in (classes.get(c) or ()))) for c in order)


def _yaml(name: str) -> dict:
    from facebench.resources import data_path

    path = data_path("synonyms", f"{name}.yaml")
    if not path.is_file():
        raise KeyError(f"no synonym list {name!r} (looked for {path})")
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=1)
def non_mentions() -> tuple[str, ...]:
    """Phrases that mention no class in any list (``synonyms/non_mentions.yaml``): "the
    content of the image" is not happiness."""
    return tuple(str(p) for p in (_yaml("non_mentions").get("phrases") or ()))


@lru_cache(maxsize=1)
def states() -> dict[str, frozenset[str]]:
    """States and facial actions that are no class of any list, each with the classes it is
    close to (``synonyms/non_mentions.yaml`` ``states``): "sad or tired" leaves sadness
    unsettled, "happy or excited" does not."""
    table = _yaml("non_mentions").get("states") or {}
    return {str(w).lower(): frozenset(str(c) for c in (near or ())) for w, near in table.items()}


@lru_cache(maxsize=1)
def _emoji_table() -> dict[int, str]:
    """``str.translate`` table of ``synonyms/emoji.yaml``: each emoji to its word, spaced."""
    return {ord(e): f" {w} " for e, w in (_yaml("emoji").get("words") or {}).items()}


def emoji_to_words(text: str) -> str:
    """``text`` with the emoji of ``synonyms/emoji.yaml`` written as words ("😢" -> "sad").

    Emoji that close an answer after its last sentence ("... neutral to me. Cheers! 🙂", "I
    can't help with that. 😊") are a sign-off, not an answer: they are dropped."""
    if text.isascii():
        return text
    table = _emoji_table()
    end = len(text.rstrip())
    k = end
    while k > 0 and (ord(text[k - 1]) in table or text[k - 1] in " \ufe0f\u200d"):
        k -= 1
    if 0 < k < end and text[:k].rstrip()[-1:] in ".!?":
        text = text[:k]
    return text.translate(table)


@lru_cache(maxsize=1)
def real_words() -> frozenset[str]:
    """Common English words never read as misspellings (``synonyms/real_words.txt``: the
    words within a misspelling's reach of some synonym, e.g. "sorry" of "worry", "brief" of
    "grief"; regenerated by ``scripts/real_words.py``)."""
    from facebench.resources import data_path

    path = data_path("synonyms", "real_words.txt")
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


#: the shipped lists whose words are vocabulary, never a misspelling of another word
VOCABULARY_LISTS = ("expression", "celeba_attributes", "deepfake", "zeroshot_attributes")


@lru_cache(maxsize=1)
def list_words() -> frozenset[str]:
    """Every single word of the shipped lists (:data:`VOCABULARY_LISTS`, all classes): never
    read as a misspelling. A task passes only its own classes, so without this RAF-DB (no
    contempt) would read "contempt" as a misspelt "content" (happiness)."""
    from facebench.parsing.matcher import phrase_key
    from facebench.parsing.text import variants

    words: set[str] = set()
    for name in VOCABULARY_LISTS:
        for cls, phrases in load_synonyms(name).items():
            for phrase in (cls, *phrases):
                words.update(f for f in variants(phrase_key(phrase)) if f.isalpha())
    return frozenset(words)


def class_phrases(ctx: ParseContext) -> tuple[tuple[str, ...], dict[str, str]]:
    """The classes in play and a phrase -> class table (names, display names, synonyms)."""
    classes = ctx.classes or tuple(ctx.synonyms)
    display = ctx.extra.get("class_names") or {}
    table: dict[str, str] = {}
    for cls in classes:
        for phrase in (cls, display.get(cls, cls), *ctx.synonyms.get(cls, ())):
            table.setdefault(phrase, cls)
    return classes, table


def _matcher(ctx: ParseContext) -> tuple[tuple[str, ...], DiscourseMatcher]:
    classes = ctx.classes or tuple(ctx.synonyms)

    def build() -> DiscourseMatcher:
        return DiscourseMatcher(class_phrases(ctx)[1], ignore=non_mentions(),
                                real_words=real_words() | list_words(), states=states())

    return classes, get_matcher(ctx.synonyms, classes, build, "discourse")  # type: ignore[return-value]


@lru_cache(maxsize=1)
def fallbacks() -> dict[str, str]:
    """Words that name a class only in an answer that asserts no other (``fallbacks:`` in
    ``synonyms/expression.yaml``, word -> class): "He looks serious." is neutral, but in "serious
    and angry" the word yields ("serious" is also a state close to neutral, see :func:`states`)."""
    table = _yaml("expression").get("fallbacks") or {}
    return {str(w).lower(): str(c) for c, words in table.items() for w in (words or ())}


def _fallback_matcher(ctx: ParseContext) -> DiscourseMatcher | None:
    """The discourse matcher with the task's classes plus the fallback words of those classes;
    None when no fallback word names a class of the task."""
    classes = ctx.classes or tuple(ctx.synonyms)
    extra = {w: c for w, c in fallbacks().items() if c in classes}
    if not extra:
        return None

    def build() -> DiscourseMatcher:
        table = {**class_phrases(ctx)[1], **extra}
        return DiscourseMatcher(table, ignore=[p for p in non_mentions() if p not in extra],
                                real_words=real_words() | list_words(),
                                states={w: c for w, c in states().items() if w not in extra})

    return get_matcher(ctx.synonyms, classes, build, "discourse+fallbacks")  # type: ignore[return-value]


def _with_fallbacks(text: str, ctx: ParseContext, threshold: object) -> ParseResult | None:
    """The read with the fallback words, for an answer that asserts no class without them:
    only a fallback class counts (anything else would have been read already)."""
    matcher = _fallback_matcher(ctx)
    if matcher is None or not any(w in text.lower() for w in fallbacks()):
        return None
    scan = matcher.scan(text)
    hits = _usable(list(scan.hits), threshold, matcher)
    result = _read(text, [h for h in hits if not h.negated], hits, scan.first_sentence)
    if result.value is None or result.value not in fallbacks().values():
        return None
    return ParseResult(result.value, "fallback")


def _winner(keys: list[str]) -> str | None:
    if all(k == keys[0] for k in keys):
        return keys[0]
    top = Counter(keys).most_common(2)
    return top[0][0] if top[0][1] > top[1][1] else None


def _strongest(hits: list[Hit]) -> list[Hit]:
    best = max(h.strength for h in hits)
    return [h for h in hits if h.strength == best]


def decide(hits: list[Hit], first_sentence: int | None) -> tuple[list[Hit], str]:
    """The mentions that decide, and the rule (steps 2-4 of the module docstring)."""
    answer = [h for h in hits if h.strength == ANSWER]
    if answer:
        return answer, "answer"
    first = [h for h in hits if h.sentence == first_sentence]
    if not first:
        return _strongest(hits), "majority"
    first = _strongest(first)
    strength = first[0].strength
    need = PLAIN if strength == ASIDE else MAJOR if strength == MINOR else REVISE
    if need == REVISE and len({h.key for h in first}) > 1:
        need = MAJOR  # an undecided opening ("Could be surprise or joy...") settled: "leaning joy"
    if strength < REVISE:
        # a later second look corrects, and so does a later field ("She looks happy. Label:
        # neutral"; "Emotion: anger.\nEmotion: disgust")
        later = [h for h in hits if h.sentence > first_sentence  # type: ignore[operator]
                 and (h.strength >= need or h.strength == HEADED)]
        if later:
            return _strongest(later), "correction"
        if strength == PLAIN and any(h.strength == ASIDE and h.key == first[0].key
                                     and h.sentence == first_sentence for h in hits):
            # the first sentence sets its own class aside ("tears, which might suggest sadness
            # at first. However, ... a wide grin ... The expression is happy."): a later plain
            # class of another kind corrects it
            key = first[0].key
            later = [h for h in hits if h.sentence > first_sentence  # type: ignore[operator]
                     and h.strength >= PLAIN]
            if later and all(h.key != key for h in later):
                return _strongest(later), "correction"
    return first, "first_sentence"


#: the end of the first sentence as the scanner sees it (raw text, checked on its tokens)
_FIRST_END = re.compile(r"[.!?]+(?=\s|$)|\n")
#: what the first-sentence shortcut must see in the rest of an answer before deciding from the
#: first sentence: a word that every ``ANSWER`` marker, retraction
#: (:data:`facebench.parsing.discourse.RETRACTING`), ``REVISE`` marker ("Actually, ...") and doubt
#: phrase (:data:`_DOUBT`) holds, or that a check of the whole answer looks for ("left", "mix"),
#: as a word of the answer; a phrase after a word: the phrase must be there too.
#: tests/parsing/test_parse_constructions.py feeds every marker and phrase to :func:`_stops_in`.
_STOP_WORDS = frozenset(
    # answer markers
    "answer answers answered conclusion conclusions conclude concluded concluding summary "
    "summarize summarise summarized summarised summarizing summarising therefore thus hence "
    "verdict putting final pick picks picking picked choose chooses choosing chose "
    # retractions
    "correct corrected correcting correction corrections incorrect revise revised revising "
    "revision wrong mistake mistaken mistakes wait scratch updated amended asked tied kidding "
    "misread "
    # second looks
    "actually closer accurately precisely zoomed second reflection again carefully further "
    "fact reality rewatching rewatch replay repeated "
    # two people, a mix, two feelings at once (_left_and_right, _mixed, _with_a_state)
    "left right mixture blend combination simultaneous simultaneously "
    # a closing doubt about the lead (_closing_doubt: "so I'm not certain it's surprise")
    "sure certain "
    # doubt
    "torn plausible reasonable equally decide decided 50 fifty toss tossup coin neither mix "
    "uncertain unsure undecided "
    "mixed mixture split single reduce reduced bittersweet settle equal separate distinguish "
    "forth".split()
)
#: a word that opens or belongs to a marker or phrase only with the words after it
_STOP_PHRASES: dict[str, tuple[str, ...]] = {
    "sum": ("sum up",), "short": ("in short",), "well": ("as well be",),
    "easily": ("as easily be",), "all": ("all in all",), "taken": ("taken together",),
    "things": ("things considered",), "balance": ("on balance",), "so": ("so the e",),
    "go": ("go with",), "going": ("going with",), "back": ("that back", "it back"),
    "thought": ("second thought",), "mind": ("my mind",), "size": ("full size",),
    "resolution": ("full resolution",), "close": ("up close", "close to call"),
    "either": ("either way", "be either", "either reading", "either interpretation",
               "either label", "either answer", "either one", "either option", "either choice",
               "either fits", "either works", "either applies"),
    "make": ("make up my mind",), "clear": ("clear choice", "clear winner", "clear favo"),
    "which": ("say which", "tell which", "sure which", "confidence which", "certainty which"),
    "same": ("same time",), "watching": ("watching again",), "name": ("name one",),
    "bad": ("my bad",),
    "both": ("both are", "both seem", "both look", "both appear", "both fit", "both work",
             "both apply", "both equally"),
}
#: a field name before a colon ("Label: fear", '"emotion": "happy"'): only with a colon
_HEADING_FORMS = tuple(heading + end for heading in HEADINGS for end in (":", " :", '":', "':"))
#: any word that may start something the shortcut must not skip
_PHRASE_FIRST = frozenset(_STOP_PHRASES)
_ANY_STOP = _STOP_WORDS | _PHRASE_FIRST
_WORDS = re.compile(r"[a-z0-9]+")
#: ASCII text to its words: every character but a-z and 0-9 to a space (str.split after
#: str.translate is twice as fast as findall)
_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum() or chr(c).isupper()})


def _stops_in(rest: str) -> bool:
    """True when ``rest`` (folded, lower case) may hold a later answer marker, retraction,
    second look or doubt phrase: the shortcut must then scan the whole answer."""
    if ":" in rest and any(form in rest for form in _HEADING_FORMS):
        return True
    words = rest.translate(_NON_WORD).split() if rest.isascii() else _WORDS.findall(rest)
    if _ANY_STOP.isdisjoint(words):
        return False
    if not _STOP_WORDS.isdisjoint(words):
        return True
    for word in _PHRASE_FIRST.intersection(words):
        for phrase in _STOP_PHRASES[word]:
            if phrase in rest:
                return True
    return False


#: things that carry words of their own: a quoted name after them ("a book called "The
#: Happiness Project"", "a sign reading 'Smile'", "the poster behind him reads 'FEAR'") or
#: before them ("a 'Happy Birthday' banner", "'Surprise!' written on the box") is the thing's,
#: not the face's
_THINGS = (
    r"(?:book|novel|film|movie|song|show|series|album|magazine|poster|sign|banner|shirt|"
    r"t-shirt|tshirt|mug|card|cake|balloons?|sticker|game|app|painting|play|store|shop|"
    r"restaurant|cafe|company|brand|band|program|programme|podcast|article|channel|caption|"
    r"slogan|logo|headline|text|message|paperback|hardback|hardcover|comic|newspaper|poem|story)"
)
#: where a thing stands, between it and the verb of its words ("the poster behind him reads")
_PLACE = (r"(?:\s+(?:behind|above|over|on|in|near|beside|by|at|under|below|across|next\s+to)"
          r"(?:\s+[\w']+){1,2}?"
          # or who holds it: "the sign she's holding reads", "a shirt that he wears says"
          r"|\s+(?:that\s+|which\s+)?(?:she|he|they|(?:the\s+)?\w+)(?:'s|'re|\s+is|\s+was|\s+are)?"
          r"\s+(?:holding|wearing|carrying|holds|wears|carries|has|had|held|wore|carried))?")
#: text written on something: "a box with 'Surprise!' written on it"
_WRITTEN = r"(?:(?:is|are|was|were)\s+)?(?:written|printed|painted|scrawled|stamped|embroidered|emblazoned)\b"
_QUOTED_NAME = re.compile(
    rf"\b{_THINGS}{_PLACE}\s+(?:that\s+)?(?:is\s+)?(?:called|titled|entitled|named|reads|reading|"
    r"says|saying)\s*:?\s*(?P<q1>[\"'])(?:[^\"'\n]|(?<=\w)'(?=\w)){1,80}(?P=q1)"
    rf"|(?<![A-Za-z0-9])(?P<q2>[\"'])[^\"'\n]{{1,80}}(?P=q2)(?=\s+(?:{_THINGS}\b|{_WRITTEN}))",
    re.IGNORECASE,
)


#: a single quote that can open a quoted name: not inside a word (many answers have an
#: apostrophe, "she's", and no quoted name: they skip the substitution)
_OPENING_SINGLE_QUOTE = re.compile(r"(?<![A-Za-z0-9])'")


def drop_quoted_names(text: str) -> str:
    """``text`` without the quoted names of things (titles, signs, banners; see _THINGS)."""
    if '"' not in text and ("'" not in text or _OPENING_SINGLE_QUOTE.search(text) is None):
        return text
    return _QUOTED_NAME.sub(" ", text)


@lru_cache(maxsize=1)
def _values() -> tuple[dict[str, str], re.Pattern[str] | None]:
    """The value words of ``synonyms/expression.yaml`` (word -> phrase), and the pattern that
    finds one as a whole answer or as the value of a field (:data:`HEADINGS`, "mood",
    "affect")."""
    table = {str(k).lower(): str(v) for k, v in (_yaml("expression").get("values") or {}).items()}
    if not table:
        return table, None
    words = "|".join(re.escape(w) for w in table)
    fields = "|".join(re.escape(h).replace(r"\ ", r"\s+") for h in (*HEADINGS, "mood", "affect"))
    return table, re.compile(
        rf"(?:^|(?<=[.!?|;,{{\"'\n])|(?<=[.!?|;,{{\"']\s))(?:{fields})\s*[\"']?\s*:\s*[\"']?"
        rf"(?P<word>{words})\b(?=[\"']?\s*(?:[.!,;|)}}\]\n]|$))"
        rf"|\A\s*(?:(?:seems|looks|appears|just|totally|completely)\s+)?(?P<alone>{words})\s*[.!]?\s*\Z",
        re.IGNORECASE | re.MULTILINE)


def name_values(text: str) -> str:
    """``text`` with a value word ("Blank.", "Expression: blank") written as the phrase it
    stands for there ("blank expression"); other uses ("the image is blank"), and an answer
    that is a refusal ("Blank. No face is visible."), are left alone."""
    if ":" not in text and len(text) > 12:
        return text  # no field, and longer than a one-word answer
    table, pattern = _values()
    if pattern is None:
        return text
    low = text.lower()
    if not any(w in low for w in table) or refusal_reason(text):
        return text

    def named(m: re.Match[str]) -> str:
        group = "word" if m.group("word") else "alone"
        start = m.start(group) - m.start()
        return m.group(0)[:start] + table[m.group(group).lower()] + m.group(0)[m.end(group) - m.start():]

    return pattern.sub(named, text)


#: a word spelt out letter by letter ("H-A-P-P-Y")
_SPELT_OUT = re.compile(r"(?<![\w-])[A-Za-z](?:-[A-Za-z]){2,}(?![\w-])")


def synonym_class(text: str, ctx: ParseContext) -> ParseResult:
    """One class from a description (rules in the module docstring)."""
    text = drop_quoted_names(emoji_to_words(strip_wrappers(text)).strip())
    if (":" in text or "\n" in text) and ("ssistant" in text or "SSISTANT" in text):
        turns = [t for t in _ROLE_AGAIN.split(text) if t.strip()]
        if len(turns) > 1:  # a template leak: two assistant turns in one answer
            if _USER_TURN.search(text) is not None:
                return synonym_class(turns[-1], ctx)  # a dialogue: its last answer stands
            reads = [synonym_class(t, ctx) for t in turns]
            values = {r.value for r in reads if r.value is not None}
            if len(values) > 1:
                return ParseResult.fail("tie")  # the turns disagree: no single answer
            return next((r for r in reads if r.value is not None), reads[-1])
    if ")" in text and _ends_in_letter(text):
        picked = _lettered_pick(text)
        if picked is not None:  # "A) anger B) disgust ... G) neutral\n\nF": the option named
            return synonym_class(picked, ctx)
    text = name_values(text)
    if text.count("-") >= 2:
        text = _SPELT_OUT.sub(lambda m: m.group(0).replace("-", ""), text)
    if not text:
        return ParseResult.fail("empty")
    classes, matcher = _matcher(ctx)
    if not classes:
        return ParseResult.fail("no_classes")
    if ("%" in text or ">" in text or "/" in text or " ." in text or "core" in text
            or ("0" in text or "1" in text) and ("0." in text or "1." in text or "1)" in text)
            or ("|" in text or ":" in text) and _LEVEL_HINT.search(text)):
        scored = _scored(text, matcher)
        if scored is not None:
            return scored
    threshold = ctx.extra.get("fuzzy_threshold")
    decided = _first_sentence_only(text, matcher) if threshold is None else None
    if decided is not None:
        return decided
    scan = matcher.scan(text)
    hits = _usable(list(scan.hits), threshold, matcher)
    result = _read(text, [h for h in hits if not h.negated], hits, scan.first_sentence)
    if result.rule in ("no_match", "negated"):  # nothing asserted: a fallback word may answer
        return _with_fallbacks(text, ctx, threshold) or result
    return result


def _lettered_pick(text: str) -> str | None:
    """The option a closing bare letter picks from a lettered list in the answer ("A) anger B)
    disgust C) fear ... \n\nF" is "fear"'s letter F), else None."""
    last = _CLOSING_LETTER.search(text)
    if last is None:
        return None
    options = {letter.upper(): word for letter, word in _LETTERED.findall(text[: last.start()])}
    return options.get(last[1].upper()) if len(options) >= 3 else None


def _ends_in_letter(text: str) -> bool:
    """True when the answer's last word is a single letter ("... G) neutral\n\nF", "I'd pick
    (b).")."""
    tail = text.rstrip(" .)")
    return tail[-1:].isalpha() and (len(tail) < 2 or not tail[-2].isalpha())


#: an option of a lettered list: "A) anger", "(b) disgust"
_LETTERED = re.compile(r"(?<![A-Za-z])\(?([A-Ha-h])\)\s*([A-Za-z]+)")
#: a bare letter closing the answer, on its own line or picked: "\n\nF", "\nAnswer: (F)",
#: "I'd pick (b)."
_CLOSING_LETTER = re.compile(
    r"(?:\n\s*(?:answer\s*:\s*)?|\b(?:pick|choose|select|go\s+with|answer\s+is)\s*:?\s*"
    r"|(?:->|=>|\u2192)\s*)\(?([A-Ha-h])\)?\.?\s*$", re.IGNORECASE)


#: a second assistant turn in a leaked chat template ("... happy.</s> ASSISTANT: The person is
#: sad.")
_ROLE_AGAIN = re.compile(r"(?:(?<=[.!?])|(?<=\n))\s*(?:ASSISTANT|Assistant|assistant)\s*(?::|\n)")
#: ... and a user turn between two: a dialogue, whose last answer stands
_USER_TURN = re.compile(r"(?:(?<=[.!?])|(?<=\n))\s*(?:USER|User|user|HUMAN|Human)\s*:")


#: a class with its share: "Fear (55%)", "fear: 55 %", "Fear - 55%", "happiness (0.82)" ...
_LABEL_SHARE = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z' -]{0,40}?)\"?\)?\s*[(:=|\u2013-]?\s*[~\u2248]?\s*"
    r"(?:(?P<share>\d{1,3}(?:\.\d+)?)\s*%|(?P<p>0?\.\d+|1\.0+)(?![\d%]|\.\d)"
    r"|(?P<num>\d{1,3}(?:\.\d+)?)\s*/\s*(?P<den>\d{1,3})(?![\d%]|\.\d))")
#: ... or a level in a table or list: "| Surprise | High |", "anger: no, neutral: yes"
_LABEL_LEVEL = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z' -]{0,40}?)\"?\s*[|:=]\s*\"?(?P<level>very\s+high|high|strong|yes|true|"
    r"moderate|medium|low|weak|very\s+low|no|false|none)\b(?!\s+[a-z])", re.IGNORECASE)
_LEVEL_HINT = re.compile(r"[|:=]\s*\"?(?:very\s+)?(?:yes|no|high|low|medium|moderate|strong|weak|"
                         r"true|false|none)\b", re.IGNORECASE)
_LEVELS = {"very high": 100.0, "high": 90.0, "strong": 90.0, "yes": 90.0, "true": 90.0,
           "moderate": 50.0, "medium": 50.0, "low": 10.0, "weak": 10.0, "very low": 5.0,
           "no": 0.0, "false": 0.0, "none": 0.0}
#: ... or plain numbers, only under a "score(s)" heading: "Scores - anger: 8, disgust: 3"
_LABEL_SCORE = re.compile(r"(?P<label>[A-Za-z][A-Za-z' -]{0,40}?)\s*[:=]\s*(?P<num>\d{1,3}(?:\.\d+)?)(?![\d.%/])")
#: ... or any plain number after three classes or more: a score list on a scale of its own
#: ("Scores (0-10): happy 9.1, neutral 2.0, sad 0.3", "Anger: 76 / Disgust: 13 / Fear: 2",
#: "ANGER .71  DISGUST .12  FEAR .02"); a whole number followed by "." or ")" numbers a list
_LABEL_NUMBER = re.compile(
    r"(?P<label>[A-Za-z][A-Za-z' -]{0,40}?)\"?\)?\s*[(:=|\u2013-]?\s*[~\u2248]?\s*"
    r"(?P<num>\d{1,3}\.\d+|\.\d+|\d{1,3}(?![.)]))(?![\d%A-Za-z])(?!\s*[%+,]\s*\d)(?!\s*%)(?!\s*/\s*\d)")
#: a keyed label in a structured answer ("Label: neutral | Confidence: 0.80")
_KEYED = re.compile(
    r"\b(?:label|answer|prediction|predicted|emotion|expression|class)\s*\"?\s*[:=]\s*\"?"
    r"(?P<label>[A-Za-z][A-Za-z' -]{0,30}?)(?=[\s\"|,;.}\n]|$)", re.IGNORECASE)
#: ... or the share first: "55% fear, 35% surprise"
_SHARE_LABEL = re.compile(
    r"(?P<share>\d{1,3}(?:\.\d+)?)\s*%\s*(?:of\s+)?(?P<label>[A-Za-z][A-Za-z-]*(?:\s+[A-Za-z-]+)?)")
#: a ranked list of bare classes: "Ranking: 1. Surprise 2. Fear 3. Neutral"
_RANKED = re.compile(
    r"(?:^|[\s:(])1[.):]\s+(?P<first>[A-Za-z][A-Za-z' -]{0,30}?)[\s,;]*(?:\([^)]{0,20}\)[\s,;]*)?"
    r"2[.):]\s+(?P<second>[A-Za-z][A-Za-z' -]{0,30}?)(?=[\s,;.(]|$)")


#: ... or ordered with ">": "Ranking: sadness > neutral > fear"
_GREATER = re.compile(
    r"(?:^|[\s:(])(?P<first>[A-Za-z][A-Za-z' -]{0,30}?)\s*>\s*(?P<second>[A-Za-z][A-Za-z' -]{0,30}?)"
    r"(?=\s*(?:>|$|[,;.)]))")


def _scored(text: str, matcher: DiscourseMatcher) -> ParseResult | None:
    """The class with the largest share when the answer gives classes with percentages or
    probabilities ("1. Fear (55%) 2. Surprise (35%)"; "70% anger, 30% disgust"; "happiness
    (0.82), surprise (0.11)"): rule ``scores``, or ``tie`` when two classes share the largest;
    else the first of a ranked list of bare classes ("1. Surprise 2. Fear"). None when no two
    classes are scored or ranked."""
    patterns = [_LABEL_NUMBER, _LABEL_SHARE, _SHARE_LABEL]
    if "score" in text.lower():
        patterns.append(_LABEL_SCORE)
    if "|" in text or ":" in text:
        patterns.append(_LABEL_LEVEL)
    for pattern in patterns:
        shares: dict[str, float] = {}
        for m in pattern.finditer(text):
            key = _label_key(m["label"], matcher)
            if key is not None:
                shares[key] = max(shares.get(key, 0.0), _share(m))
        if pattern is _LABEL_NUMBER and (len(shares) < 3 or max(shares.values()) <= 1
                                         or _ranks_or_units(text, shares)):
            continue  # not a score list of its own scale: shares and probabilities follow
        if len(shares) >= 2:
            top = max(shares.values())
            if top == 0:
                continue  # "Fear: no. Sadness: no.": a checklist that rules out, picks nothing
            best = [k for k, v in shares.items() if v == top]
            keyed = _KEYED.search(text)
            label = _label_key(keyed["label"], matcher, bare=True) if keyed else None
            second = max((v for k, v in shares.items() if k != best[0]), default=0.0)
            if (len(best) > 1 or label is not None and label != best[0]
                    or keyed is not None and label is None and _UNDECIDED_LABEL.match(keyed["label"])
                    or top - second <= 0.05 * top
                    or pattern is not _LABEL_NUMBER and top <= 100 and top - second <= 3
                    or top - second <= 0.1 * top and _weighing(text)
                    or _I_DOUBT.search(last := _last_sentence(text)) is not None and _weighing(last)):
                # "Label: neutral" beside "happiness: 0.70"; '"label": "uncertain"'; "anger 0.34,
                # disgust 0.33", "anger 0.38, disgust 0.36" (within 5%, or 3 points of a
                # percentage: a flat list picks nothing); "Happiness 39% | Neutral
                # 38% -- too close to call"; "... I keep going back and forth."
                return ParseResult.fail("tie")
            return ParseResult(best[0], "scores")
    ranked = _RANKED.search(text) or _GREATER.search(text)
    if ranked is not None:
        first, second = (_label_key(ranked[g], matcher, bare=True) for g in ("first", "second"))
        if first is not None and second is not None and first != second:
            if _weighing(text) or says_unsure(_last_sentence(text)):
                return ParseResult.fail("tie")  # "1. Fear\n2. Surprise\nHonestly they're tied."
            return ParseResult(first, "ranked")
    return None


def _ranks_or_units(text: str, shares: dict[str, float]) -> bool:
    """True when the plain numbers after classes are ranks ("surprise 1, fear 2, happiness 3")
    or action units ("Anger: 4, 5, 7"), not scores ("AU4 (anger) 3.5, AU9 (disgust) 1.0" are
    intensities)."""
    values = sorted(shares.values())
    if not all(v.is_integer() for v in values):
        return False
    low = text.lower()
    return (values == list(range(1, len(values) + 1)) or "rank" in low or "action unit" in low
            or _AU.search(text) is not None)


_AU = re.compile(r"\bAU\s?\d")
#: the writer speaking of its own doubt
_I_DOUBT = re.compile(r"\b(?:I|I'm|I've|I'd)\b")


#: a keyed label that says the scores settle nothing
_UNDECIDED_LABEL = re.compile(r"(?:uncertain|unsure|undecided|unclear|ambiguous|mixed|tie|tied)\b",
                              re.IGNORECASE)


def _share(m: re.Match[str]) -> float:
    """The percentage a share match stands for (55%, 0.55 and 11/20 are all 55)."""
    groups = m.groupdict()
    if groups.get("level") is not None:
        return _LEVELS[" ".join(groups["level"].lower().split())]
    if groups.get("share") is not None:
        return float(groups["share"])
    if groups.get("p") is not None:
        return 100 * float(groups["p"])
    if groups.get("den") is None:
        return float(groups["num"])  # a plain score (_LABEL_NUMBER, _LABEL_SCORE)
    den = float(groups.get("den") or 0)
    return 100 * float(groups["num"]) / den if den else float(groups["num"])


def _label_key(label: str, matcher: DiscourseMatcher, bare: bool = False) -> str | None:
    """The one class ``label`` asserts, else None; ``bare``: only when the label is nothing
    but that class's word (a ranked list of classes, not of observations)."""
    scan = matcher.scan(label)
    keys = {h.key for h in scan.asserted()}
    if len(keys) != 1 or bare and len(scan.key_text.split()) > 2:
        return None
    return keys.pop()


def _usable(hits: list[Hit], threshold: object, matcher: DiscourseMatcher) -> list[Hit]:
    """Drop misspelt words below ``fuzzy_threshold`` (rapidfuzz ratio), when one is set."""
    if threshold is None or not any(h.fuzzy for h in hits):
        return hits
    return [h for h in hits if not h.fuzzy
            or fuzz.ratio(h.fuzzy, (matcher.misspelt(h.fuzzy) or ("", ""))[1]) >= float(threshold)]  # type: ignore[arg-type]


#: the writer weighing classes and finding no winner: an ambiguous answer, not a refusal
_DOUBT = re.compile(
    r"\b(?:torn\s+between|(?:i'?m|i\s+am|im)\s+(?:really\s+|honestly\s+|genuinely\s+)?torn\b|(?:equally|both)\s+(?:\w+\s+){0,2}?(?:plausible|reasonable|likely|valid)"
    r"|plausible\s+either\s+way|too\s+close\s+to\s+call|\bis\s+(?:a\s+)?mix\b(?!\s+of)"
    r"|could\s+go\s+either\s+way|no\s+clear\s+(?:choice|winner|favou?rite)"
    r"|(?:not|\w+n't)\s+allow\s+(?:a\s+|any\s+)?clear\s+choice|hard\s+to\s+choose"
    r"|can(?:no|')?t\s+(?:\w+ly\s+)?(?:choose|decide|pick)\s+(?:between|one\b|which)"
    r"|(?:uncertain|unsure|undecided)\s+between|can(?:no|')?t\s+(?:say|tell)\s+(?:\w+\s+){1,3}?which\b"
    r"|50\s*/\s*50|fifty[\s-]+fifty|toss[\s-]?up|coin[\s-]?(?:flip|toss)"
    r"|neither\s+(?:one\s+)?(?:clearly\s+|really\s+)?(?:wins|dominates|prevails|stands\s+out|does)"
    r"|could\s+(?:just\s+)?as\s+(?:well|easily|likely)\s+be\b"
    r"|(?:hard|difficult|impossible|tough|not\s+possible)\s+to\s+(?:say|tell)\s+which|can(?:no|')?t\s+(?:say|tell)\s+which"
    r"|(?:not\s+sure|unsure)\s+which|(?:a\s+)?mix(?:ture)?\s+of\s+both"
    r"|split\s+(?:evenly\s+|down\s+the\s+middle\s+)?between|evenly\s+split"
    r"|equal\s+weight|equally\s+weighted|(?:hard|difficult|tough)\s+to\s+decide|between\s+the\s+two\b"
    r"|could\s+equally\s+(?:well\s+)?be\b"
    r"|at\s+(?:the\s+)?same\s+time|both\s+(?:are|seem|look|appear)\s+(?:equally\s+)?(?:true|right|valid|present)"
    r"|(?:not|\w+n't)\s+be\s+reduced\s+to\s+(?:a\s+|one\s+)?single|no\s+single\s+(?:category|class|label|emotion)"
    r"|\bmixed\s+(?:expression|emotions?|signals?|feelings?|picture)"
    r"|(?:expression|emotion|face)\s*(?:is|:)\s*mixed\b|(?:is|looks|seems|appears|feels)\s+(?:\w+\s+)?bittersweet\b(?!\s+smile)|could\s+be\s+either\b(?=\s*(?:[.,;:!?]|$|way\b|one\b))"
    r"|in\s+equal\s+(?:measure|parts|amounts)|just\s+as\s+(?:plausible|likely)"
    r"|can(?:no|')?t\s+(?:really\s+)?(?:separate|distinguish|tell\s+apart)\s+(?:the\s+two|them|these|the\s+two\s+apart)"
    r"|can(?:no|')?t\s+(?:really\s+)?decide\s*(?:[.!]|$)"
    r"|(?:not|\w+n't)\s+fit\s+(?:neatly\s+|cleanly\s+|easily\s+)?(?:in|into)\s+(?:a\s+|one\s+)?single"
    r"|(?:can(?:no|')?t|unable\s+to|not\s+able\s+to)\s+settle\s+on\s+(?:a\s+|one\s+|any\s+)?(?:single|one)\b"
    r"|(?:keep\s+|(?:i'?m|i\s+am)\s+(?:still\s+)?)(?:going|flip[\s-]?flopping)\s+back\s+and\s+forth"
    r"|can(?:no|')?t\s+make\s+up\s+my\s+mind|\b(?:they'?re|they\s+are|both\s+are|it'?s|it\s+is)\s+(?:\w+\s+)?tied\b"
    r"|reduce\s+(?:it\s+|this\s+|that\s+)?to\s+(?:a\s+|one\s+)?(?:single|one)\b|\bsplit\s+expression)",
    re.IGNORECASE,
)


#: ... or, said of two classes, finds both fit ("either reading is defensible", "both fit
#: equally"; "Happy or joyful - either fits" weighs two words of one class)
_PAIR_DOUBT = re.compile(
    r"\beither\s+(?:reading|interpretation|label|answer|one|option|choice)\s+(?:is|would\s+be|could\s+be|seems|works|fits)\b"
    r"|\beither\s+(?:fits|works|applies)\b|\bboth\s+(?:\w+\s+)?(?:fit|work|apply)\b", re.IGNORECASE)


def _weighing(text: str, pair: bool = False) -> bool:
    """True when the answer weighs classes and finds no winner (:data:`_DOUBT`; with ``pair``,
    two classes named, :data:`_PAIR_DOUBT` too); most answers hold none of their words and
    skip the patterns (:func:`_stops_in`)."""
    return _stops_in(fold_unicode(text).lower()) and (
        _DOUBT.search(text) is not None or pair and _PAIR_DOUBT.search(text) is not None)


def _doubt(text: str) -> bool:
    """True when the answer says it cannot tell (:mod:`facebench.parsing.refusal`) or weighs
    classes without a winner ("torn between", "equally plausible")."""
    return _weighing(text) or says_unsure(text)


def _read(text: str, hits: list[Hit], scanned: list[Hit], first_sentence: int | None) -> ParseResult:
    """The decision from the asserted ``hits`` (``scanned``: every mention, negated too)."""
    if not hits:
        if scanned and _weighing(text):
            # "hard to say whether it is sadness or a tired face; both seem equally plausible"
            return _tie(text)
        return _refusal_or(text, "negated" if scanned else "no_match")
    if (first_sentence is not None and scanned[0].sentence > first_sentence
            and min(h.sentence for h in scanned) > first_sentence):
        first_sentence = _opening(text, scanned, first_sentence)
    deciding, rule = decide(hits, first_sentence)
    if rule == "first_sentence" and deciding[0].strength == MINOR:
        deciding, rule = _hedge_withdrawn(hits, scanned, deciding, rule)
    if rule in ("first_sentence", "majority") and deciding[0].strength <= PLAIN:
        changed = _changed(text, hits, deciding)
        if changed is not None:
            if not changed:
                return ParseResult.fail("tie")  # "starts off smiling but ends up crying"
            deciding, rule = changed, "correction"
    if deciding[0].strength == ASIDE:
        if (any(h.strength == MINOR and h.key != deciding[0].key for h in hits)
                or _weighed(text, hits) or _listed(text, hits)
                or " or " in text.lower() and says_unsure(text)):
            # only candidates, none chosen: "Hmm, neutral? Or maybe slightly angry."; "Sad or
            # scared? A coin flip."; "Candidates: surprise, fear. Can't separate them."; "It
            # could be happy or it could be discomfort. Hard to say!"
            return _tie(text)
        return _refusal_or(text, "set_aside")
    winner = _winner([h.key for h in deciding])
    if winner is None or _undecided(text, hits, scanned, deciding, winner, rule):
        return _tie(text)
    if all(h.fuzzy for h in deciding if h.key == winner):
        rule = "fuzzy"
    return ParseResult(winner, rule)


def _tie(text: str) -> ParseResult:
    """Classes offered and left undecided ("happy or sad, hard to say") are an ambiguous answer,
    not a refusal: the model answered, a person cannot settle which class. Classes named beside
    "the face is covered", "the image did not load" or "I'm sorry, I can't" are no answer."""
    return ParseResult.fail(REFUSAL if cannot_answer(text) else "tie")


def _changed(text: str, hits: list[Hit], deciding: list[Hit]) -> list[Hit] | None:
    """For a sentence that tells how the face changes over a clip from one class to another
    ("He starts out looking neutral, then his eyes go wide ..."; "At first she looks
    disgusted, and then she becomes angry"): the class a later sentence names as the clip's
    ("The key emotion in the clip is surprise"), an empty list when none does and the change
    is between two classes (the answer gives no way to choose), else None. "Happy at first,
    then sad" is no such change (the writer's first read set aside)."""
    low = text.lower()
    if "start" not in low and "began" not in low and "begin" not in low and "at first" not in low:
        return None  # (most answers: no word of a change)
    at = deciding[0].sentence
    parts = _FIRST_END.split(text)
    if at >= len(parts) or _CHANGE.search(parts[at]) is None:
        return None
    later = [h for h in hits if h.sentence > at and h.strength >= PLAIN]
    if later:
        return _strongest(later)
    return [] if len({h.key for h in hits if h.sentence == at}) >= 2 else None


#: a change over a clip: "starts off X ... then / but / by the end Y", "at first she looks X,
#: then she becomes Y" (not the writer's first impression: "at first glance", "at first I
#: thought")
_CHANGE = re.compile(
    r"\b(?:starts?|started|starting|begins?|began|beginning)\b.*?"
    r"\b(?:then|by\s+the\s+end|ends?\s+up|ended\s+up|later|becomes?|became|turns?|turned)\b"
    r"|\bat\s+first\b(?!\s*,?\s*(?:glance|sight|look|i\b|it\b))(?:(?!\b(?:i|thought|seemed|seems|appeared)\b).)*?"
    r"\b(?:becomes?|became|turns?|turned|ends?\s+up|ended\s+up|by\s+the\s+end)\b",
    re.IGNORECASE)


def _hedge_withdrawn(hits: list[Hit], scanned: list[Hit], deciding: list[Hit],
                     rule: str) -> tuple[list[Hit], str]:
    """A first sentence that only hedges a class ("the parted lips might hint at surprise,
    but ...") is withdrawn by a later sentence that negates that class ("this isn't
    surprise"); a later plain class then corrects it ("The expression is neutral")."""
    first, keys = deciding[0].sentence, {h.key for h in deciding}
    later = [h for h in hits if h.sentence > first and h.strength >= PLAIN and h.key not in keys]
    if later and any(h.negated and h.key in keys and h.sentence > first for h in scanned):
        return _strongest(later), "correction"
    return deciding, rule


def _undecided(text: str, hits: list[Hit], scanned: list[Hit], deciding: list[Hit], winner: str,
               rule: str) -> bool:
    """True when the answer leaves its deciding class unsettled. After an explicit answer only
    doubt in its last sentence counts ("Answer: happiness. Actually anger. ... I keep going
    back and forth."); otherwise a closing doubt, a contradiction, a weighing of classes, or a
    minor class in a face the writer finds hard to read."""
    if _label_contradicted(text, scanned, deciding, winner):
        return True
    if rule == "answer":
        return (_weighed(_last_sentence(text), hits)
                or _answer_doubted(text, hits, deciding, winner)
                or _answer_or(text, hits, deciding, winner))
    return (_closing_doubt(text, scanned, deciding, winner)
            or deciding[0].strength == MINOR and _REPEATED_HEDGE.search(text) is not None
            or _hedged_revision(text, hits, deciding, winner)
            or _hesitant_end(text, hits)
            or _or_unsure(text, hits, deciding, winner)
            or _mixed(text, hits, deciding)
            or _left_and_right(text, hits)
            or _contradicted(scanned, deciding, winner)
            or _with_a_state(text, deciding, winner)
            or _weighed(text, hits)
            or (deciding[0].strength == MINOR or rule in ("majority", "correction")
                or len({h.key for h in hits}) >= 2)
            and _hard_to_read(text))


def _hard_to_read(text: str) -> bool:
    """True when the writer finds the face hard to read (:data:`_HARD_TO_READ`); most
    answers hold none of its adjectives and skip the pattern."""
    low = text.lower()
    return (("hard" in low or "difficult" in low or "tough" in low or "impossible" in low
             or "tricky" in low or "ambiguous" in low or "unclear" in low)
            and _HARD_TO_READ.search(text) is not None)


#: the writer finds the face hard to read: after a class named only as minor ("a faint
#: half-smile ... His mood is difficult to read") no class is asserted (a disclaimer about
#: inner feelings, "I can't be certain about their internal state", or doubt about something
#: else, "the lighting is unclear", is no such doubt)
_HARD_TO_READ = re.compile(
    r"(?:mood|expression|emotion|face|feelings?|look|smile)\s+(?:is|seems|remains|looks)\s+(?:\w+\s+){0,2}?"
    r"(?<!not\s)(?:hard|difficult|tough|impossible|tricky)\s+to\s+(?:read|pin\s+down|interpret|judge|tell|"
    r"classify|label|categori[sz]e)\b"
    r"|(?<!not\s)(?:hard|difficult|tough|impossible|tricky)\s+to\s+(?:read|interpret|pin\s+down)\s+"
    r"(?:her|his|their|the|this)\s+(?:expression|face|mood|emotion|feelings?)"
    r"|(?:mood|expression|emotion|face)\s+(?:is|seems|looks|remains)\s+(?:\w+\s+)?(?:ambiguous|unclear)\b"
    # said of the answer itself: "Maybe happy, hard to tell."; "it's hard to say from this angle"
    r"|(?:\bit'?s|\bit\s+is|(?:^|[,;.!?\u2014-])\s*(?:but|though|although)?)\s*"
    r"(?:(?:really|very|a\s+little|a\s+bit|quite|pretty|rather)\s+)?"
    r"(?:hard|difficult|tough|impossible|tricky)\s+to\s+(?:tell|say|judge|read)"
    r"(?=\s*(?:[.!?,;:)]|$|from\s+(?:this|the|that|here)\b|for\s+sure|with\s+(?:this|the)\b))",
    re.IGNORECASE)


#: a sentence that says how the person or the face looks ("He looks disgusted", "I'd say this
#: person is feeling happy", "The expression is fear"), not a feature ("Her mouth is smiling")
#: or a general statement ("A smile usually signals happiness")
_SAID_OF_HER = re.compile(
    r"\b(?:she|he|they|person|woman|man|girl|boy|child|subject|individual|expression|emotion)"
    r"(?:'s|\s+(?:is|looks|seems|appears|feels|is\s+feeling|shows|conveys|displays))\b", re.IGNORECASE)
_GENERAL = re.compile(r"\b(?:usually|typically|generally|often|tends?\s+to|would|could|might)\b",
                      re.IGNORECASE)


def _opening(text: str, scanned: list[Hit], first_sentence: int) -> int:
    """The first sentence when the opening one names no class ("Great question!", "Sure!"):
    the first that names one, when it says, plainly, how the person or the face looks (every
    mention asserted and ``PLAIN`` or more); else ``first_sentence`` (the strongest mentions
    of the whole answer decide)."""
    opening = scanned[0].sentence
    if not all(h.strength >= PLAIN and not h.negated for h in scanned if h.sentence == opening):
        return first_sentence
    parts = _FIRST_END.split(text)
    if opening >= len(parts):
        return first_sentence
    said = parts[opening]
    if _SAID_OF_HER.search(said) is None or _GENERAL.search(said) is not None:
        return first_sentence
    return opening


def _answer_doubted(text: str, hits: list[Hit], deciding: list[Hit], winner: str) -> bool:
    """True when an explicit answer is followed by another class and the answer's last
    sentence says the writer is unsure: "Final answer: surprise. Hmm, actually it might be
    fear. I'm not sure." ("Final answer: neutral. I'm not sure, though." keeps neutral.)"""
    after = deciding[-1].sentence
    if not any(h.sentence > after and h.key != winner for h in hits):
        return False
    last = _last_sentence(text)
    return len(last) < len(text) and says_unsure(last)


def _answer_or(text: str, hits: list[Hit], deciding: list[Hit], winner: str) -> bool:
    """True when an explicit answer goes on "or possibly <another class>": "Final answer:
    anger... or possibly disgust." offers both ("Answer: anger (possibly some disgust)" does
    not; nor does a label: "Emotion: fear, or perhaps surprise" is fear)."""
    at = deciding[-1].sentence
    if not any(h.sentence == at and h.key != winner and h.strength == MINOR for h in hits):
        return False
    after = hits[hits.index(deciding[0]) + 1 :]
    if any(h.key == winner and h.strength >= PLAIN for h in after):
        return False  # settled again: "Answer: fear or possibly surprise; leaning fear ..."
    return _OR_HEDGE.search(text) is not None


#: an answer that closes on two classes left open: "It could be happiness or sadness."
_OPEN_ALTERNATIVE = re.compile(r"\b(?:could|might|may)\s+(?:also\s+)?be\s+\w+\s+or\s+\w+\s*[.!]?\s*$",
                               re.IGNORECASE)
#: an alternative offered with a hedge: "or possibly", "or maybe"
_OR_HEDGE = re.compile(r"\bor\s+(?:possibly|maybe|perhaps|potentially)\b", re.IGNORECASE)


def _last_sentence(text: str) -> str:
    """The answer's last sentence (the whole answer when it has one)."""
    cut = max(text.rstrip(" .!?\n").rfind(end) for end in (". ", "! ", "? ", "\n"))
    return text[cut + 1 :] if cut >= 0 else text


def _weighed(text: str, hits: list[Hit]) -> bool:
    """True when the answer asserts two classes and says neither wins ("it's a 50/50",
    "neither clearly wins", "torn between", "hard to say which": :data:`_DOUBT`)."""
    keys = {h.key for h in hits}
    if not keys:
        return False
    # two classes, or one offered against something else ("either sad or tired; hard to say
    # which"), or one beside "mixed" ("slight smile on one side... Expression: mixed")
    low = text.lower()
    if len(keys) >= 2:
        return _weighing(text, pair=True) or _WHETHER_DOUBT.search(text) is not None
    return _may_weigh(low) and (_weighing(text) or _WHETHER_DOUBT.search(text) is not None)


#: doubt between two classes an answer asserted elsewhere: "She could be happily surprised or
#: shocked; it's hard to say whether the main emotion is happiness or surprise" (alone, "hard
#: to say whether she is happy or sad" offers no class: a refusal)
_WHETHER_DOUBT = re.compile(
    r"\b(?:hard|difficult|impossible|tough)\s+to\s+(?:say|tell)\s+whether\b[^.!?]*\bor\b", re.IGNORECASE)


def _may_weigh(low: str) -> bool:
    """True when ``low`` (lower case) may weigh one class against something else: "or", or
    doubt that needs no second class, the face having no single label ("a split expression I
    can't reduce to one label", "Expression: mixed")."""
    return (" or " in low or "mixed" in low or "single" in low or "split" in low
            or "one label" in low or "reduce" in low)


def _listed(text: str, hits: list[Hit]) -> bool:
    """True when the answer lists two classes as candidates and picks none."""
    low = text.lower()
    return len({h.key for h in hits}) >= 2 and any(w in low for w in _LISTS_OF)


#: words that open a list of candidate classes (:data:`facebench.parsing.discourse.CANDIDATES`)
_LISTS_OF = ("candidate", "option", "possibilit", "contender", "shortlist")


def _contradicted(scanned: list[Hit], deciding: list[Hit], winner: str) -> bool:
    """True when the sentence that decides also negates the winning class and asserts another:
    "She's smiling and happy, yet her face shows clear anger with no happiness in it" says two
    things a person cannot square. ("Happy, but not overly happy" asserts no other class.)"""
    if not any(h.negated for h in scanned):
        return False
    sentence = deciding[0].sentence
    if any(h.sentence != sentence for h in deciding):
        return False
    here = [h for h in scanned if h.sentence == sentence]
    return (any(h.negated and h.key == winner for h in here)
            and any(not h.negated and h.key != winner and h.strength >= PLAIN for h in here))


def _hedged_revision(text: str, hits: list[Hit], deciding: list[Hit], winner: str) -> bool:
    """True when a later second look only hedges another class: "I think the expression is
    happiness. Actually, it may be sadness masked by a smile." (a plain "Actually, it is
    sadness" corrects)."""
    if not any(h.strength == MINOR and h.key != winner and h.sentence > deciding[0].sentence
               for h in hits):
        return False
    return _HEDGED_REVISION.search(text) is not None


#: a second look that hedges: "Actually, it may be ...", "On second thought, it might be ..."
_HEDGED_REVISION = re.compile(
    r"\b(?:actually|on\s+second\s+thoughts?|looking\s+again|on\s+closer\s+inspection|then\s+again)\b"
    r"[^.!?]{0,30}?\b(?:may|might|could|possibly|perhaps)\b", re.IGNORECASE)


def _hesitant_end(text: str, hits: list[Hit]) -> bool:
    """True when two classes are asserted and the answer ends on a bare hesitation: "Looks
    happy. But the eyes look sad. Hmm." """
    if len({h.key for h in hits if h.strength >= PLAIN}) < 2:
        return False
    last = _last_sentence(text).strip(" .!?\n").lower()
    return last in _HESITATIONS


_HESITATIONS = frozenset(("hmm", "hmmm", "hm", "not sure", "unsure", "hard to say", "who knows",
                          "i'm not sure", "im not sure", "not certain", "tough one", "hard to tell"))


def _mixed(text: str, hits: list[Hit], deciding: list[Hit]) -> bool:
    """True when the deciding sentence calls the face a mix of two classes, or opens by
    offering two, and then only names cues of them: "a mix of surprise and happiness, as
    evidenced by the raised eyebrows and the wide smile"; "both angry and sad - she's shouting
    but also crying"; "Happy or surprised - she reacts with an open-mouthed smile" ("a mix of
    happiness and sadness, but mostly happiness" is settled by "mostly")."""
    if deciding[0].strength > PLAIN or (_MIX_OF.search(text) is None
                                        and _OR_OPENING.match(text) is None):
        return False
    at = deciding[0].sentence  # (a mix only some would see is set aside: "Some might see a
    return len({h.key for h in hits if h.sentence == at and h.strength > ASIDE}) >= 2  # blend")


#: the same hedge twice, offering two readings: "Could be fear. Could be surprise."; "Perhaps
#: angry, perhaps just concentrating."
_REPEATED_HEDGE = re.compile(
    r"\b(perhaps|maybe|possibly|could\s+be|might\s+be|may\s+be)\b[^.!?]{1,60}?[.!?,;]\s*\1\b",
    re.IGNORECASE)
#: "a mix (mixture, blend, combination) of X and Y"
_MIX_OF = re.compile(r"\b(?:(?:mix|mixture|blend|combination)\s+of|both)\s+\w+(?:\s+\w+)?\s+and\b",
                     re.IGNORECASE)
#: an answer that opens by offering two words: "Happy or surprised - ...", "Surprised, or maybe
#: happy: ..."
_OR_OPENING = re.compile(r"\W*\w+\s*,?\s+or\s+(?:maybe\s+|perhaps\s+|possibly\s+)?\w+\s*[\u2014:;-]")


def _left_and_right(text: str, hits: list[Hit]) -> bool:
    """True when the answer describes two people, one on the left and one on the right, with
    different classes: "The man on the left is angry, while the woman on the right looks
    surprised." A person cannot tell which face the answer is for."""
    low = text.lower()
    if not _two_sides(low) or _NAMED_SUBJECT.search(low) is not None:
        return False
    if len({h.key for h in hits}) >= 2:
        return True
    table = states()
    return any(w in table for w in _WORDS.findall(low))  # "... the man on the right looks upset"


def _two_sides(low: str) -> bool:
    """True when ``low`` (lower case) places someone on the left and someone on the right."""
    return ("left" in low and ("right" in low or "next to" in low or "beside" in low)
            and _LEFT.search(low) is not None and _RIGHT.search(low) is not None)


#: someone placed on the left ... and someone on the right, or beside the first
_LEFT = re.compile(r"\b(?:on|to|at)\s+(?:the\s+)?(?:far\s+)?left\b|(?:^|\n)\s*left\s*:"
                   r"|\bthe\s+left\s+(?:person|one|man|woman|child|girl|boy|figure|people)\b")
_RIGHT = re.compile(r"\b(?:on|to|at)\s+(?:the\s+)?(?:far\s+)?right\b|(?:^|[\n.;]\s*)right\s*:"
                    r"|\bthe\s+right\s+(?:person|one|man|woman|child|girl|boy|figure|people)\b"
                    r"|\b(?:man|woman|person|boy|girl|child)\s+(?:next\s+to|beside)\s+(?:her|him|them)\b")
#: the answer says which of the people is the one asked about
_NAMED_SUBJECT = re.compile(r"\b(?:subject|in\s+focus|main\s+person|asked\s+about|in\s+question|"
                            r"foreground)\b")


def _or_unsure(text: str, hits: list[Hit], deciding: list[Hit], winner: str) -> bool:
    """True when the class is offered with a hedged alternative and the writer says it cannot
    tell: "She looks surprised - or possibly scared; I can't really tell from this angle."
    ("She looks surprised, or possibly scared." alone is surprise.)"""
    return (any(h.key != winner and h.strength == MINOR for h in hits)
            and _OR_HEDGE.search(text) is not None and says_unsure(text))


def _with_a_state(text: str, deciding: list[Hit], winner: str) -> bool:
    """True when the class is felt together with a feeling that is no class and is close to
    another emotional class: "excited and nervous at the same time" (``states`` of
    ``synonyms/non_mentions.yaml``: excited is close to happiness). "happy and excited at the
    same time" is happiness; "tired and sad" (tired: close to no class) and "focused and angry"
    (focused: close to neutral) are the class. A class named only as minor beside something
    else at once is unsettled too: "furrowed brows and a slight smile at the same time"."""
    low = text.lower()
    if (("maybe" in low or "perhaps" in low or "possibly" in low)
            and any(_other_feeling(m[1], winner) for m in _MAYBE_STATE.finditer(low))):
        return True  # "nervous, maybe a little excited"
    if "same time" not in low and "simultaneous" not in low:
        return False
    return deciding[0].strength == MINOR or any(
        _other_feeling(word, winner) for m in _SAME_TIME.finditer(low) for word in m.groups())


def _other_feeling(word: str, winner: str) -> bool:
    """True when ``word`` is a state of no class that is close to an emotional class other
    than ``winner`` (``states`` of ``synonyms/non_mentions.yaml``: excited is close to
    happiness; focused, close to neutral, is no feeling of its own)."""
    near = states().get(word)
    return bool(near) and winner not in near and "neutral" not in near


#: a hedged second feeling: "nervous, maybe a little excited"
_MAYBE_STATE = re.compile(
    r",\s*(?:maybe|perhaps|possibly)\s+(?:a\s+little\s+|a\s+bit\s+|slightly\s+|somewhat\s+)?([a-z]+)")
#: two feelings at once: "excited and nervous at the same time"
_SAME_TIME = re.compile(r"\b([a-z]+)\s+and\s+([a-z]+)\s+(?:at\s+the\s+same\s+time|simultaneously)\b")


def _label_contradicted(text: str, scanned: list[Hit], deciding: list[Hit], winner: str) -> bool:
    """True when a label, an explicit answer or a bare opening class is followed by reasoning
    that asserts one other class and never the label's: "Emotion: happiness. The person is
    clearly sad and crying"; "Happiness. The brows are drawn together ..., all typical of anger";
    "Final answer: Happiness. (The downturned mouth and tears make this a clear case of
    sadness.)". A person cannot tell which of the two the model meant. A later class said as
    secondary ("Second: anger at 8%"; "Surprise is also present"), listed as a cue ("Cues:
    wide eyes, looks surprised") or several others (a score vector) contradict nothing."""
    if deciding[0].strength < HEADED and not (deciding[0].sentence == 0 and _bare_opening(text)):
        return False
    last = deciding[-1].sentence
    later = [h for h in scanned if h.sentence > last]
    if not later or len({h.key for h in later}) > 1 or any(
            h.negated or h.strength != PLAIN or h.key == winner for h in later):
        return False
    after = " ".join(_FIRST_END.split(text)[last + 1 :])
    return _ADDED.search(after) is None


def _bare_opening(text: str) -> bool:
    """True when the answer opens with a bare class, a label of its own ("Happiness. The brows
    are drawn together ..."): a first sentence of three words or fewer, none of them a subject
    or a verb ("She is beaming." is a statement, not a label)."""
    m = _FIRST_END.search(text)
    if m is None:
        return False
    words = text[: m.start()].lower().split()
    return len(words) <= 3 and _SENTENCE_WORDS.isdisjoint(words)


#: words that make a short opening a statement rather than a label
_SENTENCE_WORDS = frozenset("she he they it i we you is are was looks seems appears feels the this "
                            "person man woman she's he's they're it's i'm".split())


#: words that add a class to a label rather than contradict it, or speak of a face in general
#: ("In a surprised face the lower eyelids would be relaxed")
_ADDED = re.compile(r"\b(?:also|too|as\s+well|plus|cues?|secondary|second|some|hint|trace|touch"
                    r"|would|typically|usually|top[\s-]*2|runner|alternative|alt)\b", re.IGNORECASE)


def _closing_doubt(text: str, scanned: list[Hit], deciding: list[Hit], winner: str) -> bool:
    """True when the answer ends undecided between the class it led with and another, saying
    it cannot tell: "...points to surprise. ... I can't separate these two; it could be
    surprise or fear"; "... I'm torn between neutral and anger." A person reads no class
    there. The closing sentence must name both (joined by "or", "between" or "both", after the
    first sentence) and the answer must say it cannot tell or cannot choose (:func:`_doubt`).
    A closing sentence whose every mention is negated counts them too: "the image does not
    allow a clear choice between surprise and fear" names both without asserting either; so
    does one that doubts the lead and names another ("... could mean fear, so I'm not certain
    it's surprise")."""
    last = scanned[-1].sentence
    if last <= deciding[-1].sentence:
        return False
    closing = [h for h in scanned if h.sentence == last]
    asserted = [h for h in closing if not h.negated]
    if (asserted and any(h.negated and h.key == winner for h in closing)
            and any(h.key != winner for h in asserted) and says_unsure(_last_sentence(text))):
        return True  # "... could mean fear, so I'm not certain it's surprise."
    closing = _strongest(asserted or closing)
    keys = {h.key for h in closing}
    if (winner not in keys or len(keys) < 2
            or closing[0].strength < PLAIN and _OPEN_ALTERNATIVE.search(text) is None):
        return False  # (a closing "It could be happiness or sadness." is hedged, and doubt)
    end = _FIRST_END.search(text)
    rest = fold_unicode(text[end.end() :]).lower() if end else ""
    return _offers_two(rest) and (_doubt(text) or _OPEN_ALTERNATIVE.search(rest) is not None)


def _offers_two(rest: str) -> bool:
    """True when ``rest`` (lower case) can join two classes: "or", "between", "both"."""
    return " or " in rest or "between" in rest or "both" in rest


def _refusal_or(text: str, rule: str) -> ParseResult:
    return ParseResult.fail(REFUSAL if refusal_reason(text) else rule)


def _first_sentence_only(text: str, matcher: DiscourseMatcher) -> ParseResult | None:
    """The decision when the opening sentence alone settles it (most answers), else None.

    Same result as scanning the whole text: the first sentence decides whenever it is not
    negative, asserts a class at least ``PLAIN`` and no explicit answer marker can follow;
    nothing after it can change that. Saves scanning the reasoning that follows a conclusion.
    """
    m = _FIRST_END.search(text)
    if m is None or m.end() >= len(text) - 1:
        return None
    plain = matcher.plain_class(text[: m.end()])
    if plain is not None:  # one class, nothing else the scan weighs: its plain mention(s)
        first = scanned = [Hit(0, plain, False, PLAIN, "")]
    else:
        scan = matcher.scan(text[: m.end()])
        if scan.first_sentence != 0 or not scan.key_text or scan.key_text[-1] not in ".!?\n":
            return None
        first = [h for h in scan.asserted() if h.sentence == 0]
        if not first:
            return None
        top = max(h.strength for h in first)
        if top < PLAIN or top >= HEADED or any(h.strength == ASIDE for h in first):
            # a label, whose reasoning may contradict it (_label_contradicted), or a class set
            # aside beside its own cue, which a later class may correct (decide)
            return None
        if len({h.key for h in _strongest(first)}) > 1:
            return None  # undecided: a later "leaning X", "overall X" may settle it (decide)
        head = text[: m.end()].lower()  # (a plain sentence holds none of these words)
        if ("left" in head or "mix" in head or "blend" in head or "ombination" in head
                or "same time" in head or "simultaneous" in head or "start" in head
                or "began" in head or "begin" in head or "at first" in head or "both " in head):
            return None  # two people, a mix, a change over the clip: the whole answer decides
        if ("maybe" in head or "perhaps" in head or "possibly" in head) and any(
                states().get(g[1]) for g in _MAYBE_STATE.finditer(head)):
            return None  # "nervous, maybe a little excited" (_with_a_state)
        scanned = [h for h in scan.hits if h.sentence == 0]
    if m.end() < 40 and text.count(" ", 0, m.end()) <= 2:
        return None  # a bare opening class: the reasoning after it may contradict it
    rest = fold_unicode(text[m.end() :]).lower()
    if rest.lstrip()[:3] in ("or ", "or,"):
        return None  # "Surprise. Or, more likely, fear.": one sentence with the first (scan)
    if _stops_in(rest):  # a later answer marker, retraction, second look, or doubt
        return None
    if (_offers_two(rest) and (_doubt(text) or _OPEN_ALTERNATIVE.search(rest) is not None)
            or _short_last_sentence(rest)):
        return None  # a closing "surprise or fear, I can't tell" may undo it (_closing_doubt)
    key = first[0].key
    if (len(first) == len(scanned) and all(h.key == key and h.strength != ANSWER for h in first)
            and not _may_weigh(text.lower())):
        # one class, nothing negated, no answer marker: what _read decides, without its checks
        strongest = _strongest(first)
        return ParseResult(key, "fuzzy" if all(h.fuzzy for h in strongest) else "first_sentence")
    return _read(text, first, scanned, 0)


def _short_last_sentence(rest: str) -> bool:
    """True when the answer's last sentence, or its part after a ";" or a colon, has three
    words or fewer: it may be a bare class ("... Surprise.", "...; surprise."), which the
    scanner reads as the answer."""
    tail = rest.rstrip(" .!?\n")
    cut = max(tail.rfind(". "), tail.rfind("! "), tail.rfind("? "), tail.rfind("\n"),
              tail.rfind(";"), tail.rfind(": "))
    return len(tail[cut + 1 :].split()) <= 3


def synonym_attributes(text: str, ctx: ParseContext) -> ParseResult:
    """The attributes a description asserts (sorted tuple), or a refusal."""
    text = strip_wrappers(text)
    if not text:
        return ParseResult.fail("empty")
    classes, matcher = _matcher(ctx)
    if not classes:
        return ParseResult.fail("no_classes")
    present = {h.key for h in matcher.scan(text).asserted()}
    if not present and refusal_reason(text):
        return ParseResult.fail(REFUSAL)
    return ParseResult(tuple(sorted(present)), "mentions" if present else "no_mentions")


__all__ = ["class_phrases", "decide", "drop_quoted_names", "list_words", "load_synonyms",
           "non_mentions", "real_words", "synonym_attributes", "synonym_class"]
