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
be a guess about what the question asked.
"""

from __future__ import annotations

import re

from facebench.parsing.context import ParseContext
from facebench.parsing.text import strip_wrappers
from facebench.types import ParseResult

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


def yes_no(text: str, ctx: ParseContext) -> ParseResult:
    """"yes" or "no" (rules in the module docstring)."""
    answer = strip_wrappers(text)
    if not answer:
        return ParseResult.fail("empty")
    answer = _PAIR.sub(" ", answer)
    m = _LEADING.match(answer)
    if m:
        return ParseResult(_YES[m.group(1).lower()], "leading")
    if _HEDGED_NO.match(answer):
        return ParseResult("no", "hedged_no")
    if _UNSURE.search(answer):
        return ParseResult.fail("uncertain")
    found = {_YES[w.lower()] for w in _STANDALONE.findall(answer)}
    if len(found) == 1:
        return ParseResult(found.pop(), "standalone")
    return ParseResult.fail("both" if found else "no_yes_no")
