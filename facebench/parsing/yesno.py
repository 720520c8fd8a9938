"""Yes/No answers (Face-MLLM's gender, AU and attribute questions) to "yes" or "no".

Rules, in order, on the answer with wrappers stripped:

``leading``    the answer opens with yes/no (yeah, yep, yup / nope, nah), possibly after a
               lead-in ("Answer:", "The answer is", "I think", "Probably,"): "Yes.",
               "No, the person does not...", "Probably yes". What follows does not matter:
               "Yes, no doubt" is yes.
``hedged_no``  the answer opens with a hedged negation: "Probably not", "I think not",
               "Not really".
``standalone`` yes/no words that stand alone (followed by punctuation or the end, so "no
               smile" is not an answer) appear elsewhere, all the same: "Based on the image,
               yes." "Yes or no", "yes/no" and "yes and no" are not answers and are removed first.

Both answers standing alone with none leading, an answer that says it cannot tell, or no
yes/no at all ("The person is female.") is unparseable: mapping a description to yes/no would
be a guess about what the question asked. Unparseable answers are told apart by their rule:

``refusal``    (strict mode) the answer gives no yes/no at all and is a refusal
               (:mod:`facebench.parsing.refusal`): "I can't tell from this image", "I'm unable
               to determine whether she wears glasses", "I'm not sure.", "No idea.", "Sorry,
               I can't help with that." A leading "No," that only introduces one ("No, I can't
               tell.") is part of the refusal, not an answer.
``uncertain``  the answer weighs yes and no and says it cannot choose: "Yes or no: hard to
               tell.", "It is hard to say, yes. Or maybe no." It engaged with the question, so
               it is a hedge, not a refusal. In reference mode (the same rules otherwise; there
               is no public script to restate) every doubtful answer keeps this rule, and
               "No idea"/"No, I can't tell" read "no" as they always did.
``both``, ``no_yes_no``  as their names say.
"""

from __future__ import annotations

import re

from facebench.parsing.context import ParseContext
from facebench.parsing.refusal import REASONS, refusal_reason
from facebench.parsing.text import strip_wrappers
from facebench.types import REFUSAL, ParseResult

_YES = {"yes": "yes", "yeah": "yes", "yep": "yes", "yup": "yes", "no": "no", "nope": "no", "nah": "no"}
_LEAD_IN = (
    r"(?:(?:the\s+|my\s+)?(?:final\s+|short\s+)?answer(?:\s+is)?\s*[:\-]?\s*"
    r"|i\s+(?:think|believe|guess|would\s+say|'d\s+say|would\s+answer)\s*[:,]?\s*"
    r"|(?:probably|likely|most\s+likely|definitely|certainly|possibly|perhaps|maybe|"
    r"absolutely|clearly|honestly|well|so|okay|ok)\s*[,:]?\s*)*"
)
_LEADING = re.compile(r"\W*" + _LEAD_IN + r"(yes|yeah|yep|yup|no|nope|nah)\b", re.IGNORECASE)
_HEDGED_NO = re.compile(r"\W*" + _LEAD_IN + r"not\b(?!\s+sure|\s+certain|\s+clear)", re.IGNORECASE)
_PAIR = re.compile(r"\byes\s*(?:or|/|and)\s*no\b|\bno\s*(?:or|/|and)\s*yes\b", re.IGNORECASE)
_STANDALONE = re.compile(r"\b(yes|yeah|yep|yup|no|nope|nah)\b(?=\s*(?:[.!,;:)\"']|$))", re.IGNORECASE)
_UNSURE = re.compile(
    r"\b(?:not\s+sure|unsure|uncertain|unclear|cannot\s+(?:tell|determine|say)|"
    r"can'?t\s+(?:tell|determine|say)|impossible\s+to|unable\s+to|hard\s+to\s+(?:tell|say))\b",
    re.IGNORECASE,
)


#: a leading "no" that is a refusal's first word: "No idea.", "No way to tell.", "No clue"
_NO_REFUSAL = re.compile(r"\s*(?:idea|clue|way\s+(?:to|of)|one\s+can)\b", re.IGNORECASE)
#: what a refusal that follows a leading "No," must be (no "can't see": "No, I can't see any
#: glasses" is an answer)
_AFTER_NO = (REASONS["unsure"], REASONS["declined"])


#: how a refusal after "No," starts ("No, I can't tell", "No, it's unclear", "Nope, not sure",
#: "No, sorry"); other words start an answer ("No, the person does not") and are not read on
_REFUSAL_START = re.compile(
    r"\s*[,:;-]\s*(i\b|i'm|im\b|it\b|it's|its\b|that|this|there|not\b|sorry|hard|difficult|"
    r"impossible|can|cannot|unable|unclear|unsure|uncertain)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")


def _sentence_after(answer: str, start: int) -> str:
    rest = answer[start:]
    m = _SENTENCE_END.search(rest)
    return rest[: m.start()] if m else rest


def yes_no(text: str, ctx: ParseContext) -> ParseResult:
    """"yes" or "no" (rules in the module docstring)."""
    answer = strip_wrappers(text)
    if not answer:
        return ParseResult.fail("empty")
    strict = ctx.mode != "reference"
    answer, pairs = _PAIR.subn(" ", answer)
    paired = pairs > 0
    m = _LEADING.match(answer)
    if m:
        value = _YES[m.group(1).lower()]
        if strict and value == "no" and len(answer) - m.end() > 3:
            after = answer[m.end() :]
            if _NO_REFUSAL.match(after) or (
                    (w := _REFUSAL_START.match(after)) is not None
                    and any(p.search(_sentence_after(after, w.start(1))) for p in _AFTER_NO)
                    and not _STANDALONE.search(after)):
                return ParseResult.fail(REFUSAL)
        return ParseResult(value, "leading")
    if _HEDGED_NO.match(answer):
        return ParseResult("no", "hedged_no")
    words = _STANDALONE.findall(answer)
    if strict and not paired and not words and refusal_reason(answer):
        return ParseResult.fail(REFUSAL)
    if _UNSURE.search(answer) or (strict and REASONS["unsure"].search(answer)):
        return ParseResult.fail("uncertain")
    found = {_YES[w.lower()] for w in words}
    if len(found) == 1:
        return ParseResult(found.pop(), "standalone")
    return ParseResult.fail("both" if found else "no_yes_no")
