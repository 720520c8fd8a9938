"""What a parser needs to know besides the answer text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["strict", "reference"]


@dataclass(frozen=True)
class ParseContext:
    """The answer space and settings a parser reads an answer against.

    ``classes``: the task's class names in canonical order (e.g. RAF-DB's seven expressions).
    ``options``: for multiple choice, the class names in the order they were shown as A, B, C...
    ``synonyms``: class name -> list of words/phrases (from ``synonyms/*.yaml``).
    ``au_codes``: for action-unit tasks, the dataset's AU numbers.
    ``mode``: ``strict`` (facebench's rules) or ``reference`` (the public FABA/EmoLA scripts).
    """

    classes: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    au_codes: tuple[int, ...] = ()
    mode: Mode = "strict"
    extra: dict[str, Any] = field(default_factory=dict)
