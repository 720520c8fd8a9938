"""Contexts shared by the parsing tests (plain module, imported by the tests)."""

from __future__ import annotations

from facebench.parsing import ParseContext, load_synonyms

RAFDB = ("surprise", "fear", "disgust", "happiness", "sadness", "anger", "neutral")
DISFA = (1, 2, 4, 6, 9, 12, 25, 26)


def expression_ctx(mode: str = "strict", classes: tuple[str, ...] = RAFDB, **extra) -> ParseContext:
    table = load_synonyms("expression")
    return ParseContext(
        classes=classes,
        options=classes,
        synonyms={c: table[c] for c in classes},
        mode=mode,  # type: ignore[arg-type]
        extra=extra,
    )


def attribute_ctx() -> ParseContext:
    table = load_synonyms("celeba_attributes")
    return ParseContext(classes=tuple(table), synonyms=table)


def deepfake_ctx() -> ParseContext:
    table = load_synonyms("deepfake")
    return ParseContext(classes=("real", "fake"), synonyms=table)
