"""Answers that are not answers: "I don't know", "the image is too dark", "I can't help with that".

A refusal is its own outcome (rule ``refusal``, value None): not an answer that names no class
or no attribute (``no_mentions``: CelebA reads that as "all attributes absent"), and not text
the parser could not read (``no_match``, ``tie``). Metrics count it as invalid like any
unparsed answer; the rule lets a report count refusals apart (``refusal_rate``).

The free-text parsers (:mod:`facebench.parsing.synonyms`), ``yes_no`` and ``number`` call
:func:`refusal_reason` only when the answer asserts nothing (no class, no yes/no, no age):
"I'm not sure, but she looks sad" is an answer (sadness), "I'm not sure whether she is happy
or sad" is not (``whether`` puts both out of the assertion, see
:mod:`facebench.parsing.matcher`), and "happy or sad, I'm not sure" is an ambiguous answer
(``tie``), not a refusal.

Reasons, each one pattern family (case-insensitive, "n't" and "not" alike):

``unsure``     the model says it does not know or cannot tell: "I don't know", "not sure",
               "hard to tell", "cannot determine", "unclear", "ambiguous", "no idea";
``no_image``   the model cannot see a (usable) face: "the image is too dark", "no face is
               visible", "I can't see the image", "I don't see any person", "the face is
               covered", "the image failed to load", "the photo does not contain a person",
               "only the back of her head is shown", "he is facing away from the camera". "I can't see any glasses" is an answer
               about the glasses, not a refusal: "can't see" counts only with the image, the
               face, the person or the expression (or "clearly", "well") after it;
``declined``   the model declines: "I'm sorry", "as an AI", "I can't help with that",
               "I won't speculate", "against my guidelines".
"""

from __future__ import annotations

import re

from facebench.parsing.text import Caseless, fold_unicode

#: where a phrase may start: a word boundary before a letter. Every phrase below starts with a
#: letter (or after "^"), so the look-ahead changes no match; it lets the search skip spaces and
#: punctuation without entering the alternation (about 25% faster a search)
_WORD_START = r"(?=[a-z])\b"
_NOT = r"(?:not|n'?t|no)"
_CANT = r"(?:can\s*not|can'?t|cannot|could\s*not|couldn'?t|am\s+unable\s+to|'?m\s+unable\s+to|unable\s+to|not\s+able\s+to|no\s+way\s+to)"
_TELL = (
    r"(?:tell|say|determine|judge|identify|discern|assess|infer|read|classify|recogni[sz]e|"
    r"analy[sz]e|interpret|evaluate|estimate|guess|gauge|distinguish|pinpoint|predict|separate|describe|"
    r"differentiate|tell\s+(?:them|these|the\s+two)\s+apart|"
    r"detect|decide|know|make\s+out|be\s+(?:sure|certain|determined|identified|assessed|inferred)|"
    r"make\s+(?:a\s+|an\s+|any\s+)?(?:determination|assessment|judgment|judgement|call))"
)

REASONS: dict[str, re.Pattern[str]] = {
    "unsure": re.compile(
        rf"{_WORD_START}(?:"
        rf"i\s+(?:really\s+|honestly\s+)?(?:do\s+{_NOT}|don'?t|dont)\s+know"
        r"|no\s+idea|not\s+sure|unsure|not\s+certain|not\s+(?:very\s+|too\s+|fully\s+|entirely\s+)?confident|uncertain|unclear|not\s+clear|ambiguous|undetermined"
        r"|no\s+way\s+of\s+(?:knowing|telling)"
        r"|indeterminate|inconclusive|unknown|unidentifiable"
        r"|^\s*n/a(?=\s*(?:[.!\u2014-]|$))|(?:emotion|expression|label|answer|class|prediction)\s*:\s*n/a"
        r"|(?:emotion|expression|label|answer|class)(?=\s*:\s*\?\?)"
        rf"|(?:hard|difficult|impossible|tough|tricky|not\s+possible)\s+to\s+{_TELL}"
        r"|(?:assessment|classification|determination|analysis|evaluation|rating)\s+(?:is\s+)?not\s+possible"
        rf"|{_CANT}\s+(?:reliably\s+|confidently\s+|accurately\s+|really\s+|clearly\s+)?{_TELL}"
        rf"|{_CANT}\s+(?:be\s+)?(?:sure|certain)"
        r"|not\s+enough\s+(?:information|detail|details|context|evidence)|insufficient"
        r"|without\s+(?:more|additional|further)\s+(?:information|context|detail)"
        r")\b",
        re.IGNORECASE,
    ),
    "no_image": re.compile(
        rf"{_WORD_START}(?:"
        r"(?:resolution|quality)\s+(?:is\s+)?(?:far\s+|much\s+|simply\s+)?too\s+(?:low|poor)"
        r"|too\s+(?:dark|blurry|blurred|small|grainy|pixelated|noisy|low[\s-]+(?:resolution|quality)|far|obscured|bright|overexposed)"
        rf"|{_CANT}\s+(?:really\s+|clearly\s+|properly\s+|actually\s+)?(?:see|view)\s+(?:the\s+|this\s+|that\s+|any\s+|a\s+|an\s+|their\s+|his\s+|her\s+|your\s+)?"
        r"(?:image|images|picture|pictures|pic|pics|photo|photos|photograph|video|face|faces|person|people|expression|anything|anyone|anybody|it\b|clearly|properly|well)"
        rf"|{_CANT}\s+(?:access|open|load|process)"
        r"|no\s+(?:visible\s+|clear\s+)?(?:face|faces|person|image|picture|photo)\s+(?:is\s+|was\s+)?(?:visible|shown|present|provided|attached|detected|found|here|in|given|uploaded|received|included|shared|available)"
        r"|(?:unable\s+to|can\s*not|can'?t|cannot|could\s*not|couldn'?t|failed\s+to)\s+generate\s+(?:a\s+|an\s+)?(?:caption|description|answer|response)"
        r"|(?:nothing|image|picture|pic|photo|file|attachment)\s+(?:came|has\s+come|come)\s+through"
        r"|(?:input|image|picture|photo|attachment)(?:\s+\w+){0,3}\s+(?:is|was)\s+(?:empty|missing)\b"
        r"|broken[\s-]+image|image\s+placeholder|placeholder\s+image|no\s+facial\s+features"
        r"|no\s+(?:visible\s+)?(?:face|person)\s+(?:could|can)\s+be\s+(?:located|found|detected|seen)"
        r"|(?:image|picture|photo|file|attachment|it)\s+(?:did|does|has|have)\s*(?:not|n'?t)\s+(?:come|came|gone)\s+through"
        r"|(?:could|can|would)\s+you\s+(?:please\s+)?(?:try\s+)?(?:re-?upload|upload|re-?send|send|share|attach)(?:ing)?\s+(?:it|the\s+image|the\s+photo|the\s+picture|an\s+image|a\s+photo)(?:\s+again)?"
        r"|(?:face|person|image|picture|photo|expression)\s+(?:is\s+)?(?:so\s+|very\s+|too\s+|heavily\s+|badly\s+|extremely\s+|completely\s+|totally\s+|entirely\s+)?(?:not\s+(?:visible|clear|shown)|hidden|covered|obscured|occluded|obstructed|blurred|blurry|pixelated|turned\s+(?:fully\s+|completely\s+|almost\s+completely\s+)?away|cut\s+off|out\s+of\s+frame)"
        r"|(?:image|picture|photo|file|video|clip|footage)\s+(?:is\s+|appears\s+(?:to\s+be\s+)?|seems\s+(?:to\s+be\s+)?)?(?:corrupt|corrupted|broken|blank|empty|unavailable)"
        r"|(?:failed|fails|unable)\s+to\s+(?:load|open|display)"
        r"|(?:did|does|would|will)\s*(?:not|n'?t)\s+(?:load|open|display)|won'?t\s+(?:load|open|display)"
        r"|(?:do|does|did)\s*(?:not|n'?t)\s+see\s+(?:anyone|anybody|(?:a|an|any)\s+(?:face|faces|person|people|humans?|image|picture|photo|attachment))"
        r"|(?:image|picture|photo|file|video|frame|attachment)\s+(?:could|can|cannot|can'?t|couldn'?t)\s*(?:not\s+)?be\s+(?:processed|loaded|opened|displayed|read|decoded|analy[sz]ed)"
        r"|(?:solid|uniform|plain|blank|featureless)\s+(?:grey|gray|black|white|colou?red)\s+(?:frame|image|screen|square|rectangle|picture)"
        r"|(?:image|picture|photo|frame|screen)\s+is\s+(?:completely\s+|entirely\s+|totally\s+|all\s+|just\s+)?(?:black|white)\b"
        r"|(?:there\s+is|there'?s|there\s+are)\s+(?:no\s+(?:visible\s+)?(?:face|faces|person|people|humans?|image|picture)|nobody|no\s*-?\s*one)"
        r"|(?:do|does|did)\s*(?:not|n'?t)\s+(?:contain|show|include|depict|feature|have)\s+(?:anyone|anybody|(?:a|an|any)\s+(?:visible\s+|human\s+|clear\s+)?(?:face|faces|person|people|humans?|human\s+being))"
        r"|(?:contains|shows|depicts|features|includes)\s+no\s+(?:visible\s+|human\s+)?(?:face|faces|person|people|humans?)\b"
        r"|back\s+of\s+(?:(?:the|a|an|his|her|their|this|that)\s+)?(?:[a-z]+'?s\s+)?head\b"
        r"|(?:not|[a-z]+n'?t)\s+(?:appear|seem)\s+to\s+be\s+(?:a|any)\s+(?:visible\s+)?(?:face|person)"
        r"|(?:face|person)\s+(?:was\s+|is\s+)?not\s+(?:detected|found|detectable)|face_not_(?:detected|found)|\bno_face"
        r"|(?:do|does|did)\s*(?:not|n'?t)\s+have\s+(?:the\s+)?(?:ability|capability|means)\s+to\s+(?:view|see|access|process|open|analy[sz]e)\s+(?:images|photos|pictures|the\s+image|this\s+image)"
        r"|(?:face|person|image|picture|photo)\s+(?:isn'?t|wasn'?t)\s+(?:visible|clear|shown)"
        r"|^\s*no\s+(?:visible\s+)?faces?\s*[.!]?\s*$"
        r"|no\s+(?:visible\s+)?(?:facial\s+)?(?:expression|face)\s+to\s+(?:classify|read|judge|see|assess|label)"
        r"|^\s*no\s+(?:image|picture|photo|video)s?\s*[.!]?\s*$"
        r"|(?:facial|face)\s+(?:region|area)\s+(?:is\s+)?(?:\w+\s+)?(?:occluded|obscured|hidden|covered)"
        r"|no\s+(?:visible|detectable|discernible)\s+(?:face|person)s?\b"
        r"|(?:cropped|cut\s+off)\s+(?:at|above|below)\s+the\s+(?:chin|nose|mouth|eyes|forehead|neck)"
        r"|(?:seen|shown|photographed|taken|viewed|pictured)\s+from\s+behind"
        r"|(?:facing|turned)\s+away\s+from\s+(?:the\s+)?(?:camera|viewer|lens)"
        r"|too\s+(?:short|brief)\s+to\s+(?:determine|tell|judge|read|say|assess)"
        r"|no\s+(?:video|image|visual|picture)\s+content"
        r"|^\s*(?:unable|not\s+able)\s+to\s+(?:answer|respond|determine|tell|comment|say|help|assist)\b"
        r"|need\s+(?:a\s+)?(?:clearer|better|sharper|larger|higher[\s-]+(?:resolution|quality))\s+(?:picture|image|photo|version)"
        r"|(?:image|picture|photo|file|video)\s+(?:was\s+|is\s+)?not\s+(?:loaded|received|attached)"
        r"|(?:do|does)\s*(?:not|n'?t)\s+seem\s+to\s+be\s+(?:one|an?\s+(?:image|photo|picture|video)|any)"
        r"\s+(?:attached|included|provided|uploaded)"
        r"|please\s+(?:provide|upload|attach|share|send)\s+(?:the|an|a)\s+"
        r"(?:image|photo|picture|video|clip)"
        r")",
        re.IGNORECASE,
    ),
    "declined": re.compile(
        rf"{_WORD_START}(?:"
        r"i'?m\s+sorry|i\s+am\s+sorry|sorry,|as\s+an\s+ai|as\s+a\s+language\s+model"
        r"|(?:i\s+(?:can\s*not|can'?t|cannot|won'?t|will\s+not|must\s+not|am\s+(?:not\s+able|unable)\s+to)"
        r"|i'?m\s+(?:not\s+able|unable)\s+to)\s+"
        r"(?:help|assist|provide|comply|answer|speculate|make\s+(?:assumptions|judgments|judgements|inferences)|do\s+that|analy[sz]e|identify|guess|share|infer|comment)"
        r"|i\s+(?:must|have\s+to|need\s+to)\s+decline|sit\s+this\s+one\s+out|i\s+won'?t\s+give\s+(?:one|a\s+label|an\s+answer)|i(?:'?ll|\s+will)\s+(?:have\s+to\s+|respectfully\s+)?decline"
        r"|(?:guidelines|policy|policies|rules|instructions)\s+(?:do\s+not|don'?t|does\s+not|doesn'?t)\s+(?:allow|permit|let)"
        r"|(?:been|was|were|am)\s+(?:asked|instructed|told)\s+not\s+to|i(?:'?ll|\s+will|\s+must|\s+have\s+to)\s+(?:have\s+to\s+)?pass\b|(?:usage|content|safety)\s+polic(?:y|ies)|i'?d\s+rather\s+not|i\s+prefer\s+not"
        r"|i'?d\s+prefer\s+not|i\s+would\s+(?:rather|prefer)\s+not"
        r"|not\s+something\s+i\s+(?:can|do|will|am\s+able)|something\s+i\s+(?:can\s*not|can'?t|cannot)\s+(?:help|assist|do)"
        r"|not\s+comfortable|i\s+(?:do\s+not|don'?t)\s+feel\s+comfortable|against\s+(?:my|the|our)\s+(?:policy|policies|guidelines)"
        r"|(?:i'?m|i\s+am)\s+not\s+going\s+to\s+(?:label|guess|say|speculate|name|identify|infer|judge|classify)"
        r"|i\s+(?:do\s+not|don'?t|won'?t|will\s+not)\s+(?:analy[sz]e|label|identify|infer|judge|assess|speculate|guess|classify)"
        r"|(?:can\s*not|can'?t|cannot|unable\s+to)\s+give\s+(?:you\s+)?(?:an?\s+)?(?:answer|label|classification)"
        r"|(?:is\s+not|isn'?t)\s+something\s+i\s+do|(?:not|isn'?t)\s+something\s+i'?m\s+able|out\s+of\s+respect\s+for\s+(?:their\s+|his\s+|her\s+)?privacy"
        r")",
        re.IGNORECASE,
    ),
}


#: the patterns, searched case-sensitively on lower-cased ASCII text (2-3x faster, same reads)
_CASELESS = {reason: Caseless(pattern) for reason, pattern in REASONS.items()}


def refusal_reason(text: str) -> str | None:
    """The first reason (``unsure``, ``no_image``, ``declined``) whose pattern ``text`` shows,
    else None. ``text`` is the answer with wrappers stripped; typographic quotes are folded."""
    text = fold_unicode(text)
    low = text.lower() if text.isascii() else None
    for reason, pattern in _CASELESS.items():
        if pattern.found(text, low):
            return reason
    return None


def says_unsure(text: str) -> bool:
    """True when ``refusal_reason(text)`` is ``unsure`` (its pattern comes first), without
    searching the other two."""
    return _CASELESS["unsure"].found(fold_unicode(text))


def cannot_answer(text: str) -> bool:
    """True when ``text`` says the model cannot see the face or declines (``no_image`` or
    ``declined``), whether or not it also says it is unsure: "Happiness, sadness... I can't
    say which, because the image didn't load" is no answer."""
    text = fold_unicode(text)
    low = text.lower() if text.isascii() else None
    return _CASELESS["no_image"].found(text, low) or _CASELESS["declined"].found(text, low)


def is_refusal(text: str) -> bool:
    """True when the answer says it does not know, cannot see, or declines."""
    return refusal_reason(text) is not None
