"""The expression list holds Face-LLaVA Table 13's words and the everyday words models use,
each read as its class alone (exclusivity is test_synonym_files.py's)."""

from __future__ import annotations

import pytest

from facebench.parsing import load_synonyms, parse
from facebench.parsing.synonyms import non_mentions
from tests.parsing.helpers import RAFDB, expression_ctx

# Face-LLaVA App. F, Table 13 (expression columns)
TABLE_13 = {
    "happiness": ["cheerful", "content", "joy", "smiling"],
    "sadness": ["crying", "distress", "melancholy", "sob"],
    "neutral": ["calm", "expressionless", "unemotional", "unmoving"],
    "anger": ["annoyed", "enraged", "incensed", "mad"],
}
EVERYDAY = {
    "happiness": ["overjoyed", "thrilled", "jovial", "contentment", "smiled", "laughed", "glee"],
    "sadness": ["crestfallen", "disheartened", "teary", "heartbroken", "weep", "disappointed"],
    "surprise": ["shocked", "speechless", "incredulous", "dumbfounded"],
    "fear": ["jittery", "spooked", "trepidation", "panicky", "worries"],
    "disgust": ["revolting", "nauseous", "squeamish", "gross"],
    "anger": ["exasperated", "irked", "indignant", "grumpy", "infuriated"],
    "neutral": ["unperturbed", "tranquil", "nonchalant", "unreadable", "inexpressive"],
}


@pytest.mark.parametrize("cls, word", [(c, w) for t in (TABLE_13, EVERYDAY) for c, ws in t.items() for w in ws])
def test_word_is_in_its_list_and_reads_as_its_class(cls: str, word: str) -> None:
    assert word in load_synonyms("expression")[cls]
    assert parse("synonym_class", f"The person looks {word}.", expression_ctx()).value == cls


@pytest.mark.parametrize("phrase", non_mentions())
def test_non_mentions_read_as_nothing(phrase: str) -> None:
    result = parse("synonym_class", f"The {phrase} is shown.", expression_ctx())
    assert result.value is None


def test_content_reads_only_as_an_adjective() -> None:
    ctx = expression_ctx(classes=RAFDB)
    assert parse("synonym_class", "She seems content.", ctx).value == "happiness"
    assert parse("synonym_class", "The image content is a face.", ctx).value is None
    assert parse("synonym_class", "The contents of the photo: a sad man.", ctx).value == "sadness"
