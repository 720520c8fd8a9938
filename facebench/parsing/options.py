"""Parser options: the named switches a prompt style (or a protocol) may set on its parser.

A style's ``parser_options`` reach the parser as ``ParseContext.extra``. They are how a protocol
reproduces a paper's reading of answers without code of its own (``tasks/protocols/*.yaml``
turns them on); each option's meaning is documented by the parser that reads it. Declaring them
here lets a task or protocol file with a misspelt option or value fail when it is loaded,
naming the key, instead of being silently ignored at parse time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: option -> allowed values (a tuple), or the type of a free value; read by every parser
COMMON: dict[str, tuple[Any, ...] | type] = {
    # facebench.parsing.sentences: drop whole negative sentences first (Face-LLaVA F.1-F.2)
    "negative_sentences": ("keep", "drop"),
    # reference mode (facebench.parsing.reference): which public script's lists/variant
    "reference_synonyms": str,
    "reference_variant": ("emola", "avere"),
}

#: parser -> its own options
BY_PARSER: dict[str, dict[str, tuple[Any, ...] | type]] = {
    # facebench.parsing.action_units
    "action_units": {"names": (True, False), "unmentioned": ("unparseable", "absent")},
    # facebench.parsing.number
    "number": {"number_min": (int, float), "number_max": (int, float)},
    # facebench.parsing.synonyms
    "synonym_class": {"fuzzy_threshold": (int, float)},
}


def check_parser_options(parser: str, options: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the first unknown option or value (pydantic reports it)."""
    known = {**COMMON, **BY_PARSER.get(parser, {})}
    for key, value in options.items():
        if key not in known:
            raise ValueError(
                f"parser {parser!r} has no option {key!r} (options: {', '.join(sorted(known))})"
            )
        allowed = known[key]
        if isinstance(allowed, type) or all(isinstance(a, type) for a in allowed):
            types = (allowed,) if isinstance(allowed, type) else allowed
            if isinstance(value, bool) or not isinstance(value, types):  # type: ignore[arg-type]
                names = " or ".join(t.__name__ for t in types)  # type: ignore[union-attr]
                raise ValueError(f"parser option {key}: {value!r} is not a {names}")
        elif value not in allowed:
            raise ValueError(
                f"parser option {key}: {value!r} is not one of {', '.join(map(repr, allowed))}"
            )
