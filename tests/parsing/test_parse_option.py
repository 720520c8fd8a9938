"""option_letter: table of answer forms, adversarial answers included."""

from __future__ import annotations

import random
import re
import string
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.parsing import ParseContext, parse
from facebench.parsing.option import option_letter
from facebench.parsing.text import strip_wrappers
from facebench.types import ParseResult
from tests.parsing.helpers import RAFDB

# RAF-DB in Face-MLLM's order: A surprise, B fear, C disgust, D happiness, E sadness,
# F anger, G neutral
CTX = ParseContext(classes=RAFDB, options=RAFDB)

CASES = [
    ("D", "happiness", "letter"),
    ("(D)", "happiness", "letter"),
    ("D.", "happiness", "letter"),
    (" d ", "happiness", "letter"),
    ("[G]", "neutral", "letter"),
    ("D: happiness", "happiness", "letter_lead"),
    ("D. Happiness", "happiness", "letter_lead"),
    ("(D) happiness", "happiness", "letter_lead"),
    ("The answer is D", "happiness", "letter_lead"),
    ("The answer is D.", "happiness", "letter_lead"),
    ("Answer: (C)", "disgust", "letter_lead"),
    ("Option D", "happiness", "letter_lead"),
    ("Looking at the mouth, the answer is E.", "sadness", "letter_cue"),
    ("I'd go with option (b)", "fear", "letter_cue"),
    ("Given the wide eyes, (A).", "surprise", "letter_paren"),
    ("I choose D because she smiles", "happiness", "letter_inline"),
    ("A is the best fit", "surprise", "letter_inline"),
    ("happiness", "happiness", "option_text"),
    ("Happiness.", "happiness", "option_text"),
    ("The expression is anger, not sadness.", "anger", "option_text"),
    ("<think>It could be A or B.</think>D", "happiness", "letter"),
    ("ASSISTANT: F", "anger", "letter"),
    ("<|im_start|>assistant\nG<|im_end|>", "neutral", "letter"),
    ("**D**", "happiness", "letter"),
    ("Ｄ", "happiness", "letter"),  # full-width letter (NFKC)
]

FAILS = [
    ("A person who looks happy and relaxed", "no_letter"),  # article, and no option text
    ("A person who looks surprised and afraid", "no_letter"),
    ("The answer is a happy face", "no_letter"),
    ("B: happiness", "letter_text_conflict"),
    ("A and B", "multiple_letters"),
    ("Either (A) or (B)", "multiple_letters"),
    ("H", "letter_out_of_range"),
    ("happiness or sadness", "several_options"),
    ("", "empty"),
    ("   ", "empty"),
    ("<think>D is likely", "empty"),  # never finished reasoning: no answer
    ("I cannot determine the expression.", "no_letter"),
]


@pytest.mark.parametrize("text, value, rule", CASES)
def test_reads(text: str, value: str, rule: str) -> None:
    result = parse("option_letter", text, CTX)
    assert (result.value, result.rule) == (value, rule)


@pytest.mark.parametrize("text, rule", FAILS)
def test_unparseable(text: str, rule: str) -> None:
    result = parse("option_letter", text, CTX)
    assert result.value is None and result.rule == rule


def test_value_follows_shuffled_options() -> None:
    shuffled = ("neutral", "happiness", "fear", "anger", "surprise", "sadness", "disgust")
    ctx = ParseContext(classes=RAFDB, options=shuffled)
    assert parse("option_letter", "B", ctx).value == "happiness"
    assert parse("option_letter", "B: happiness", ctx).value == "happiness"
    assert parse("option_letter", "D: happiness", ctx).rule == "letter_text_conflict"


def test_display_names_count_as_option_text() -> None:
    ctx = ParseContext(classes=("real", "fake"), options=("fake", "real"),
                       extra={"class_names": {"real": "Real video", "fake": "Fake video"}})
    assert parse("option_letter", "fake video", ctx).value == "fake"
    assert parse("option_letter", "B", ctx).value == "real"


def test_no_options_is_unparseable() -> None:
    assert parse("option_letter", "A", ParseContext()).rule == "no_options"


def test_very_long_answer() -> None:
    text = "The face shows many cues. " * 2000 + "The answer is D."
    assert parse("option_letter", text, CTX).value == "happiness"


# --- the optimised parser reads exactly like the plain implementation ---------------------------
#
# option_letter precomputes per options tuple and skips work it can prove useless (see the
# notes in facebench/parsing/option.py). _Plain below is the straightforward implementation it
# replaced, kept verbatim as the oracle: both must give the same (value, rule), or raise the
# same error, on every answer of a large generated corpus, in every kind of context.

class _Plain:
    """The plain option_letter (facebench before the speed work), as the test oracle."""

    LETTERS = string.ascii_uppercase
    ALPHA = re.compile(r"[^\W\d_]")
    WHOLE = re.compile(r"[(\[]?\s*([A-Za-z])\s*[)\]]?\s*[.:!]?")
    CUE = r"(?i:answer|option|choice)(?:\s+is)?\s*[:\-]?\s*"
    LEAD = re.compile(
        r"(?:(?i:the\s+)?(?i:correct\s+|best\s+|final\s+|right\s+)?" + CUE + r")?"
        r"(?:[(\[]([A-Za-z])[)\]]|([A-Z])(?:[.:)\],]|\s+-\s|$))\s*"
    )
    CUE_ANY = re.compile(
        r"\b" + CUE + r"(?:[(\[]([A-Za-z])[)\]]|([A-Z])(?![\w'])|([a-z])(?=[.)\]:]|$))"
    )
    PAREN = re.compile(r"[(\[]([A-Z])[)\]]")
    STANDALONE = re.compile(r"(?<![\w'.\-])([A-Z])(?![\w'\-])(?:\s+([a-z]+))?")
    AFTER_LETTER = frozenset(["is", "seems", "fits", "matches", "looks", "appears", "best",
                              "because", "since", "as", "was", "would", "should", "and", "or"])
    NEGATION_OR_TURN = re.compile(
        r"\b(?:(?P<neg>not|no|never|nothing|none|neither|nor|without|cannot|\w+n't)"
        r"|but|however|whereas|while|although|though|yet)\b"
    )
    SEPARATORS = re.compile(r"[\s_\-]+")

    @classmethod
    def option_letter(cls, text: str, ctx: ParseContext) -> ParseResult:
        options = ctx.options or ctx.classes
        if not options:
            return ParseResult.fail("no_options")
        answer = strip_wrappers(text)
        if not answer:
            return ParseResult.fail("empty")
        m = cls.WHOLE.fullmatch(answer)
        if m:
            return cls.pick(m.group(1), "letter", options)
        m = cls.LEAD.match(answer)
        if m:
            letter = m.group(1) or m.group(2)
            return cls.checked(letter, "letter_lead", answer[m.end() :], options, ctx)
        low = answer.lower()
        cue_at = [i for i in (low.find("answer"), low.find("option"), low.find("choice")) if i >= 0]
        if cue_at:
            found = cls.CUE_ANY.finditer(answer, min(cue_at))
            letters = {(mm.group(1) or mm.group(2) or mm.group(3)).upper() for mm in found}
            if letters:
                return cls.one(letters, "letter_cue", answer, options, ctx)
        if "(" in answer or "[" in answer:
            letters = {mm.group(1) for mm in cls.PAREN.finditer(answer)}
            if letters:
                return cls.one(letters, "letter_paren", answer, options, ctx)
        letters = {
            mm.group(1)
            for mm in cls.STANDALONE.finditer(answer)
            if not (mm.group(1) in "AI" and mm.group(2) and mm.group(2) not in cls.AFTER_LETTER)
            and mm.group(1) in cls.LETTERS[: len(options)]
        }
        if letters:
            return cls.one(letters, "letter_inline", answer, options, ctx)
        named = cls.named_options(answer, options, ctx)
        if len(named) == 1:
            return ParseResult(named.pop(), "option_text")
        return ParseResult.fail("several_options" if named else "no_letter")

    @classmethod
    def pick(cls, letter: str, rule: str, options: tuple) -> ParseResult:
        index = cls.LETTERS.find(letter.upper())
        if index < 0 or index >= len(options):
            return ParseResult.fail("letter_out_of_range")
        hash((options[index], rule))  # results were shared through a dict with this key
        return ParseResult(options[index], rule)

    @classmethod
    def one(cls, letters: set, rule: str, answer: str, options: tuple, ctx: ParseContext):
        if len(letters) > 1:
            return ParseResult.fail("multiple_letters")
        return cls.checked(letters.pop(), rule, answer, options, ctx)

    @classmethod
    def checked(cls, letter: str, rule: str, rest: str, options: tuple, ctx: ParseContext):
        result = cls.pick(letter, rule, options)
        if result.valid and cls.ALPHA.search(rest) and cls.names_another(rest, result.value, options, ctx):
            named = cls.named_options(rest, options, ctx)
            if named and result.value not in named:
                return ParseResult.fail("letter_text_conflict")
        return result

    @staticmethod
    def names_another(text: str, chosen, options: tuple, ctx: ParseContext) -> bool:
        low = text.lower().replace("_", " ")
        display = ctx.extra.get("class_names") or {}
        for option in options:
            if option != chosen:
                name = display.get(option)
                if option.lower().replace("_", " ") in low or (name and name.lower() in low):
                    return True
        return False

    @classmethod
    def named_options(cls, text: str, options: tuple, ctx: ParseContext) -> set:
        display = ctx.extra.get("class_names") or None
        hash((options, tuple(display.items()) if display else None))  # the old cache key
        shown = tuple((o, display[o]) for o in options if display and o in display)
        owner = {cls.squash(n): n for n in sorted(frozenset(options))}
        owner |= {cls.squash(s): n for n, s in shown}
        alts = sorted(owner, key=len, reverse=True)
        body = "|".join(r"[\s_\-]+".join(map(re.escape, a.split(" "))) for a in alts)
        regex = re.compile(r"\b(" + body + r")(?:e?s)?\b")
        low = text.lower()
        mentions = regex.findall(low)
        if not mentions:
            return set()
        if not ("no" in low or "never" in low or "neither" in low or "without" in low or "n't" in low):
            return {owner.get(name) or owner[cls.squash(name)] for name in mentions}
        named = set()
        for m in regex.finditer(low):
            start = m.start()
            last = None
            clause = max(low.rfind(c, 0, start) for c in ".;!?") + 1
            for last in cls.NEGATION_OR_TURN.finditer(low, clause, start):
                pass
            if last is None or last.group("neg") is None:
                named.add(owner.get(m.group(1)) or owner[cls.squash(m.group(1))])
        return named

    @classmethod
    def squash(cls, name: str) -> str:
        return cls.SEPARATORS.sub(" ", name.lower())


def _outcome(fn, text, ctx) -> tuple:
    try:
        result = fn(text, ctx)
    except Exception as exc:  # noqa: BLE001 - the same error is part of the same reading
        return ("error", type(exc).__name__)
    return (type(result.value), result.value, result.rule)


_SHUFFLES = [tuple(random.Random(i).sample(RAFDB, 7)) for i in range(6)]
ORACLE_CONTEXTS = [
    CTX,
    *(ParseContext(classes=RAFDB, options=o) for o in _SHUFFLES),
    ParseContext(classes=RAFDB),  # no options: the classes are the options
    ParseContext(classes=RAFDB, options=RAFDB[:4]),
    ParseContext(classes=("sad", "sadness", "happy", "unhappy"),
                 options=("sadness", "happy", "sad", "unhappy")),  # texts inside each other
    ParseContext(classes=("very_happy", "happy", "mouth-open", "not_sure", "Big  Nose"),
                 options=("very_happy", "happy", "mouth-open", "not_sure", "Big  Nose")),
    ParseContext(classes=("real", "fake"), options=("fake", "real"),
                 extra={"class_names": {"real": "Real video", "fake": "Fake video"}}),
    ParseContext(classes=("real", "fake"), options=("real", "fake"),
                 extra={"class_names": {"real": "real_video", "fake": "", "other": "x"}}),
    ParseContext(classes=("a", "b", "c"), options=("a", "b", "c"),
                 extra={"class_names": {"a": "b", "b": "sadness", "c": "Happy-face"}}),
    ParseContext(classes=("yes", "no"), options=("yes", "no")),
    ParseContext(classes=tuple(f"class{i}" for i in range(30)),
                 options=tuple(f"class{i}" for i in range(30))),
    ParseContext(classes=("", "anger"), options=("", "anger")),
    ParseContext(classes=("anger", "anger", "fear"), options=("anger", "anger", "fear")),
    ParseContext(classes=("émotion", "ärger", "ſad"), options=("émotion", "ärger", "ſad")),
    # unusual contexts: readings and errors must stay where they were
    ParseContext(classes=(1, 2, 3), options=(1, 2, 3)),  # type: ignore[arg-type]
    ParseContext(classes=(None, "fear"), options=(None, "fear")),  # type: ignore[arg-type]
    ParseContext(classes=("real", "fake"), options=("real", "fake"),
                 extra={"class_names": {"real": None, "fake": "Fake"}}),
    ParseContext(classes=("real", "fake"), options=("real", "fake"),
                 extra={"class_names": {"real": 7, "fake": "Fake"}}),
    ParseContext(classes=("real", "fake"), options=("real", "fake"),
                 extra={"class_names": {"real": ["Real"], "fake": "Fake"}}),
    ParseContext(classes=("real", "fake"), options=("real", "fake"),
                 extra={"class_names": [("real", "Real")]}),
    ParseContext(classes=(["x"], "fake"), options=(["x"], "fake")),  # type: ignore[arg-type]
    ParseContext(classes=RAFDB, options=RAFDB, extra=None),  # type: ignore[arg-type]
    ParseContext(classes=RAFDB, options=RAFDB, extra=defaultdict(str)),
]

_LETTER_BITS = [*"ABCDEFGHIZ", *"abcdeghiz", "(A)", "(b)", "[C]", "(H)", "D.", "E:", "F)", "Ｄ"]
_CUE_BITS = ["The answer is", "the correct answer is", "Answer:", "answer -", "Option", "option",
             "Choice", "choice is", "Best option:", "The final answer is", "Right answer",
             "Nooption", "reanswer:", "multiple-choice", "answers", "Options"]
_WORD_BITS = ["I", "A", "think", "person", "is", "seems", "because", "and", "or", "looks", "the",
              "not", "no", "never", "isn't", "without", "neither", "nothing", "but", "however",
              "although", "so", "face", "shows", "nose", "know", "maybe", "best", "sure",
              "1.5", "2", "it's", "I'd", "go", "with", "pick", "D-", "X-ray", "A's", "O.K."]
_WRAP_BITS = ["<think>A or B</think>", "</think>", "<think>", "**", "`", "#", "ASSISTANT:",
              "assistant\n", "Model: ", " gpt:", "<|im_start|>assistant\n", "<|im_end|>", "[INST]",
              "\u00a0", "\x1c", "é", "İ", "ı", "ſ", "ﬁ", "\u2019", "\u2014", "😀", "\u200b", "Ａ"]
_SEPS = [" ", " ", " ", "", ", ", ". ", ": ", "; ", "\n", " - ", "! ", "? ", "_", "-", "  "]


def _texts_of(ctx: ParseContext) -> list[str]:
    out = []
    for o in (ctx.options or ctx.classes):
        if isinstance(o, str):
            out += [o, o.upper(), o.capitalize(), o + "s", o + "es", o.replace("_", " "),
                    o.replace("_", "-"), o.replace(" ", "_")]
    display = ctx.extra.get("class_names") if isinstance(ctx.extra, dict) else None
    for name in display.values() if isinstance(display, dict) else ():
        if isinstance(name, str):
            out += [name, name.lower(), name.replace(" ", "-"), name.replace(" ", "_")]
    return out + ["happiness", "sadness", "anger", "real video", "unhappy", "sad"]


def _answer(rng: random.Random, texts: list[str]) -> str:
    kind = rng.random()
    if kind < 0.25:  # the shapes models actually produce
        letter = rng.choice("ABCDEFGH")
        text = rng.choice(texts)
        form = rng.choice(["{L}", "({L})", "{L}.", "{L}: {t}", "The answer is {L}.", "Answer: {L}",
                           "{t}", "Option {L}", "{L}. {t}", "I think the answer is {L}, {t}.",
                           "The person appears to show {t}, so the answer is {L}.",
                           "{t}, not {t}.", "not {t} but {t}", "{L} ({t})", "**{L}**",
                           "{L} - {t}", "Answer: ({l})", "I'd go with option ({l})",
                           "Given the eyes, ({L}).", "{L} is the best fit", "A person who {t}",
                           "{t} or {t}", "{L} and {L}"])
        return form.format(L=letter, l=letter.lower(), t=text)
    bits = _LETTER_BITS + _CUE_BITS + _WORD_BITS + texts + (_WRAP_BITS if kind > 0.8 else [])
    parts = [rng.choice(bits) for _ in range(rng.randint(1, 8))]
    out = parts[0]
    for part in parts[1:]:
        out += rng.choice(_SEPS) + part
    return out if rng.random() < 0.8 else rng.choice(["", " ", "\n"]) + out + rng.choice(["", ".", " ", "\n"])


def test_same_readings_as_plain_implementation_on_generated_corpus() -> None:
    rng = random.Random(20240611)
    checked = 0
    for ctx in ORACLE_CONTEXTS:
        texts = _texts_of(ctx)
        for _ in range(2500):
            text = _answer(rng, texts)
            assert _outcome(option_letter, text, ctx) == _outcome(_Plain.option_letter, text, ctx), (
                text, ctx)
            checked += 1
    assert checked >= 50_000


def test_corpus_covers_every_rule() -> None:
    rng = random.Random(7)
    rules = {_outcome(option_letter, _answer(rng, _texts_of(CTX)), CTX)[-1] for _ in range(5000)}
    assert {"letter", "letter_lead", "letter_cue", "letter_paren", "letter_inline", "option_text",
            "letter_text_conflict", "multiple_letters", "letter_out_of_range", "several_options",
            "no_letter", "empty"} <= rules


_VOCAB = st.sampled_from(_LETTER_BITS + _CUE_BITS + _WORD_BITS + _WRAP_BITS + _SEPS
                         + _texts_of(CTX) + ["Real video", "very_happy", "happy"])


@settings(max_examples=400, deadline=None)
@given(words=st.lists(_VOCAB, max_size=12), raw=st.text(max_size=40),
       which=st.integers(0, len(ORACLE_CONTEXTS) - 1))
def test_same_readings_as_plain_implementation_hypothesis(words, raw, which) -> None:
    ctx = ORACLE_CONTEXTS[which]
    for text in (" ".join(words), "".join(words), raw, raw + " ".join(words)):
        assert _outcome(option_letter, text, ctx) == _outcome(_Plain.option_letter, text, ctx)


def test_options_reordered_and_rebuilt_contexts_read_the_same() -> None:
    """Contexts are cached by their options tuple: a new but equal tuple reads the same."""
    rng = random.Random(3)
    for _ in range(300):
        options = tuple(rng.sample(RAFDB, 7))
        ctx = ParseContext(classes=RAFDB, options=(*options,))
        text = _answer(rng, _texts_of(ctx))
        assert _outcome(option_letter, text, ctx) == _outcome(_Plain.option_letter, text, ctx)
