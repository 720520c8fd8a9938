"""Text clean-up shared by every parser: wrappers, unicode, plural forms of phrases.

Parsers read the *answer*, not the scaffolding around it, so :func:`strip_wrappers` removes
reasoning blocks (``<think>...</think>``), chat role preambles (``ASSISTANT:``,
``<|im_start|>assistant``) and markdown emphasis first. Unicode is folded to plain text so
that typographic quotes, dashes and full-width letters read like their ASCII forms.
"""

from __future__ import annotations

import re
import unicodedata

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_CLOSE = re.compile(r"^.*</(?:think|thinking|reasoning)>", re.DOTALL | re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(?:think|thinking|reasoning)>.*$", re.DOTALL | re.IGNORECASE)
_SPECIAL_TOKEN = re.compile(r"<\|[^|>]{1,40}\|>|</?s>|\[/?INST\]")
#: the tags some templates wrap the answer in: "<answer>N/A</answer>" reads "Answer: N/A"
_ANSWER_OPEN = re.compile(r"<answer>\s*", re.IGNORECASE)
_ANSWER_CLOSE = re.compile(r"\s*</answer>", re.IGNORECASE)
_ROLE = re.compile(
    r"^\s*(?:<\|im_start\|>\s*)?(?:assistant|gpt|bot|model|ASSISTANT|Assistant|GPT|Model)\s*[:\n]\s*"
)
_EMPHASIS = re.compile(r"[*`#]+")

_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2212": "-",
        # an em dash joins clauses, not words ("not upset\u2014I'd call it neutral")
        "\u2014": " - ",
        "\u00a0": " ", "\u2026": ".", "\uff0e": ".", "\u3002": ".",
    }
)


def fold_unicode(text: str) -> str:
    """Unicode to plain text: compatibility forms (NFKC), typographic quotes/dashes to ASCII,
    accents dropped (``naïve`` -> ``naive``). ASCII input returns unchanged, cheaply."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Caseless:
    """A case-insensitive pattern searched fast on ASCII text.

    ``re.IGNORECASE`` folds the case of every character it compares, at every position of
    every branch: a large alternation (the refusal phrases) costs 2-3x more than the same
    pattern matched case-sensitively on lower-cased text. For ASCII text the two agree
    exactly, so :meth:`found` lower-cases ASCII text once and uses the case-sensitive copy;
    other text goes to the case-insensitive pattern. The pattern must be written in lower
    case (escapes like ``\\S`` aside), which the constructor checks.
    """

    __slots__ = ("pattern", "_lower")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        if re.search(r"[A-Z]", re.sub(r"\\\\.", "", pattern.pattern)):
            raise ValueError(f"Caseless needs a lower-case pattern: {pattern.pattern[:60]!r}")
        self.pattern = pattern
        self._lower = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)

    def found(self, text: str, low: str | None = None) -> bool:
        """True when the pattern occurs in ``text`` (``low``: ``text.lower()``, if known)."""
        if text.isascii():
            return self._lower.search(text.lower() if low is None else low) is not None
        return self.pattern.search(text) is not None


def strip_wrappers(text: str) -> str:
    """The answer without reasoning blocks, chat role preambles, special tokens and emphasis.

    An unclosed ``<think>`` means the model never reached its answer, so everything after it
    is dropped; a lone ``</think>`` (templates that pre-fill the opening tag) keeps what follows.
    """
    if not isinstance(text, str):
        return ""
    text = fold_unicode(text)
    if (not ("<" in text or "[" in text or "*" in text or "`" in text or "#" in text)
            and ROLE_START.match(text) is None):  # nothing to strip (five substring tests
        return text.strip()  # are cheaper than one character-class search)
    if "<" in text or "[" in text:
        text = _THINK_BLOCK.sub(" ", text)
        text = _THINK_CLOSE.sub(" ", text)
        text = _THINK_OPEN.sub(" ", text)
        text = _SPECIAL_TOKEN.sub(" ", text)
        if "nswer>" in text or "NSWER>" in text:
            text = _ANSWER_CLOSE.sub("\n", _ANSWER_OPEN.sub("Answer: ", text))
    text = _ROLE.sub("", text, count=1)
    if "*" in text or "`" in text or "#" in text:
        text = _EMPHASIS.sub("", text)
    return text.strip()


#: a role word at the start, which strip_wrappers removes (markup characters are tested apart:
#: one alternation anchored with ``^`` would be retried at every position)
ROLE_START = re.compile(r"\s*(?:assistant|gpt|bot|model)\s*[:\n]", re.IGNORECASE)


def variants(key: str) -> set[str]:
    """A phrase key plus its simple plural/singular forms (last word +s/+es, or -s).

    Generated once per synonym when a matcher is built, so answers are never stemmed at
    parse time (cheaper, and a synonym list shows exactly what can match).
    """
    out = {key}
    if not key or not key[-1].isalpha():
        return out
    if key.endswith("s"):
        if len(key) > 3 and not key.endswith("ss"):
            out.add(key[:-1])
        out.add(key + "es")
    else:
        out.add(key + "s")
        if key.endswith(("ch", "sh", "x", "z")):
            out.add(key + "es")
    return out
