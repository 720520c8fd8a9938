"""Free text kept as it is, for answers graded later by a judge model (MM-Vet).

There is nothing to extract: the value is the answer with surrounding whitespace removed. An
empty answer is unparseable (``empty``), so ``format_valid_rate`` counts the questions left
unanswered; the text is never rewritten, since the judge must see what the model said.
"""

from __future__ import annotations

from facebench.parsing.context import ParseContext
from facebench.types import ParseResult


def free_text(text: str, ctx: ParseContext) -> ParseResult:
    """The stripped answer, or unparseable when it is empty."""
    answer = text.strip()
    return ParseResult(answer, "text") if answer else ParseResult.fail("empty")
