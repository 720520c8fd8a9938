"""``reference`` mode: the public FABA/EmoLA and AVERE evaluation rules, defects included.

Users compare facebench numbers with published ones; this mode reads answers exactly as those
scripts do (restated from ``emollava/eval/eval_FABA.py`` and AVERE's per-dataset evaluators):

* Negative sentences: the text is split after ``.`` or ``?`` followed by whitespace (``!`` does
  not split), and every sentence containing one of ``not, no, "isn't ", nothing, cannot,
  won't, shouldn't, neither, nor`` *as a substring* is dropped ("nose", "know", "normal" drop
  a sentence too); the rest is joined by spaces; if nothing is left, the original text is used.
* First sentence = text up to the first ``.``, ``!`` or ``?`` *on the first line* (the script's
  regex has no DOTALL). Its words (``\\b\\w+\\b``, lower-cased) are scanned in order; the first
  word in any list decides, lists tried in the file's ``order`` (happiness, sadness, surprise,
  anger, neutral, disgust, fear).
* Else every word of the rest adds one to *each* class whose list holds it; the class with the
  highest count wins, ties and all-zero going to the first in order - the silent "happiness"
  default, reported with rule ``reference:default`` but still a class, as in the scripts.
* No end mark on the first line: the EmoLA script raises; facebench returns unparseable with
  rule ``reference:crash``. The AVERE variant (``ctx.extra["reference_variant"] = "avere"``)
  strips and lower-cases the text and appends ``.`` when the text does not end with one (an
  empty answer raises there, and AVERE drops the sample: ``reference:crash`` again).
* Action units: ``AU(\\d+)`` on the raw text, kept when the digits equal one of the dataset's
  codes as strings ("AU01" is missed, "au12" too); no negation handling; never unparseable (no
  match is an all-zero prediction).
* Number (age): the first ``\\d+`` of the text after the negative-sentence filter above
  (Face-LLaVA App. F.2 parses after removing negative sentences). One departure: a run of
  more than :data:`MAX_DIGITS` significant digits is unparseable (``reference:number_too_long``),
  where the scripts' ``int()`` raises (over 4,300 digits) or puts an absurd error into the MAE.

Lists: ``ctx.extra["reference_synonyms"]`` (a ``synonyms/`` file name) if given; else EmoLA's
lists (``reference_emola``, or ``reference_avere``) when every task class is one of their
classes; else the task's own lists in ``ctx.classes`` order (the FABA procedure applied to
other tasks; multi-word phrases never match a single word there, as in the original).
"""

from __future__ import annotations

import re
from functools import lru_cache

from facebench.parsing.context import ParseContext
from facebench.parsing.synonyms import load_synonyms
from facebench.types import ParseResult

NEGATIVE_WORDS = ("not", "no", "isn't ", "nothing", "cannot", "won't", "shouldn't", "neither", "nor")
_SPLIT = re.compile(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?)\s")
_FIRST = re.compile(r"^(.*?)[.!?]")
_WORDS = re.compile(r"\b\w+\b")
_AU = re.compile(r"AU(\d+)")
_DIGITS = re.compile(r"\d+")
#: the longest digit run read as a number: exact as a float, so metrics see the scripts' value
MAX_DIGITS = 15


def remove_negative_sentences(text: str) -> str:
    """The scripts' ``remove_neg_sentences``: substring test, whole sentences dropped."""
    sentences = _SPLIT.split(text)
    return " ".join(s for s in sentences if not any(w in s.lower() for w in NEGATIVE_WORDS))


class ReferenceLists:
    """Word -> classes lookups equivalent to the scripts' ``word in emotion_list[emo]`` loops."""

    def __init__(self, lists: dict[str, tuple[str, ...]]) -> None:
        self.order = tuple(lists)
        self.classes_of: dict[str, tuple[str, ...]] = {}
        for cls in self.order:
            for word in lists[cls]:
                have = self.classes_of.get(word, ())
                if cls not in have:
                    self.classes_of[word] = have + (cls,)

    def classify(self, description: str, variant: str = "emola") -> tuple[str | None, str]:
        """(class, rule) as the scripts compute it; class None where the scripts raise."""
        if variant == "avere":
            description = description.strip().lower()
            if not description:
                return None, "reference:crash"
            if description[-1] != ".":
                description += "."
        positive = remove_negative_sentences(description) or description
        m = _FIRST.match(positive)
        if m is None:
            return None, "reference:crash"
        lookup = self.classes_of
        for word in _WORDS.findall(m.group(1).lower()):
            classes = lookup.get(word)
            if classes:
                return classes[0], "reference:first_sentence"
        counts = dict.fromkeys(self.order, 0)
        for word in _WORDS.findall(positive[m.end() :].lower()):
            for cls in lookup.get(word, ()):
                counts[cls] += 1
        best = max(counts, key=counts.__getitem__)
        return best, ("reference:majority" if counts[best] else "reference:default")


@lru_cache(maxsize=16)
def _named_lists(name: str) -> ReferenceLists:
    return ReferenceLists(load_synonyms(name))


_TASK_LISTS: dict[int, tuple[object, ReferenceLists]] = {}


def reference_lists(ctx: ParseContext) -> ReferenceLists:
    """The lists reference mode uses for this context (see module docstring)."""
    name = ctx.extra.get("reference_synonyms")
    if name:
        return _named_lists(str(name))
    variant = str(ctx.extra.get("reference_variant", "emola"))
    default = _named_lists("reference_avere" if variant == "avere" else "reference_emola")
    known = {c.lower() for c in default.order}
    if ctx.classes and all(c.lower() in known for c in ctx.classes):
        return default
    hit = _TASK_LISTS.get(id(ctx.synonyms))
    if hit is None or hit[0] is not ctx.synonyms:
        classes = ctx.classes or tuple(ctx.synonyms)
        lists = ReferenceLists({c: tuple(ctx.synonyms.get(c, ())) for c in classes})
        hit = _TASK_LISTS[id(ctx.synonyms)] = (ctx.synonyms, lists)
    return hit[1]


def synonym_class(text: str, ctx: ParseContext) -> ParseResult:
    """The class the public FABA/EmoLA (or AVERE) rule assigns."""
    text = text if isinstance(text, str) else ""
    variant = str(ctx.extra.get("reference_variant", "emola"))
    cls, rule = reference_lists(ctx).classify(text, variant)
    if cls is None:
        return ParseResult.fail(rule)
    if not ctx.classes:
        return ParseResult(cls, rule)
    for name in ctx.classes:
        if name.lower() == cls.lower():
            return ParseResult(name, rule)
    return ParseResult.fail("reference:class_not_in_task")


def _canonical_code(digits: str) -> bool:
    """``str(int(d)) == d`` (no leading zero), without ``int()`` of a 50,000-digit run."""
    return digits == "0" or (not digits.startswith("0") and len(digits) <= MAX_DIGITS)


def action_units(text: str, ctx: ParseContext) -> ParseResult:
    """``AU(\\d+)`` codes that equal a dataset code as strings (EmoLA's ``AU2Labels``)."""
    text = text if isinstance(text, str) else ""
    allowed = {str(c) for c in ctx.au_codes}
    found = {d for d in _AU.findall(text) if (d in allowed if allowed else _canonical_code(d))}
    return ParseResult(tuple(sorted(int(d) for d in found)), "reference:au_regex")


def number(text: str, ctx: ParseContext) -> ParseResult:
    """The first run of digits after the negative-sentence filter."""
    text = text if isinstance(text, str) else ""
    m = _DIGITS.search(remove_negative_sentences(text) or text)
    if m is None:
        return ParseResult.fail("reference:no_number")
    digits = m.group().lstrip("0") or "0"  # int("007") is 7 in the scripts too
    if len(digits) > MAX_DIGITS:
        return ParseResult.fail("reference:number_too_long")
    return ParseResult(int(digits), "reference:first_number")
