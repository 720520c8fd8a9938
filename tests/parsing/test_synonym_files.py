"""The shipped synonym lists: exclusivity within a file, coverage and minimum sizes."""

from __future__ import annotations

import pytest

from facebench.parsing import load_synonyms
from facebench.parsing.matcher import phrase_key
from facebench.parsing.text import variants

CELEBA = ["5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young"]
AUS = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26, 43)


def _owners(table: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = {}
    for cls, phrases in table.items():
        for phrase in (cls, *phrases):
            for form in variants(phrase_key(phrase)):
                owners.setdefault(form, set()).add(cls)
    return owners


@pytest.mark.parametrize("name", ["expression", "celeba_attributes", "deepfake", "action_units"])
def test_mutually_exclusive(name: str) -> None:
    clashes = {k: v for k, v in _owners(load_synonyms(name)).items() if len(v) > 1}
    assert clashes == {}


def test_exclusivity_check_detects_a_clash() -> None:
    assert _owners({"a": ("smile",), "b": ("smiles",)})["smile"] == {"a", "b"}


@pytest.mark.parametrize("name", ["expression", "celeba_attributes", "deepfake"])
def test_at_least_ten_per_class(name: str) -> None:
    short = {c: len(p) for c, p in load_synonyms(name).items() if len(set(p)) < 10}
    assert short == {}


def test_class_sets() -> None:
    assert list(load_synonyms("celeba_attributes")) == CELEBA
    assert set(load_synonyms("expression")) == {
        "happiness", "sadness", "surprise", "fear", "disgust", "anger", "neutral", "contempt"}
    assert set(load_synonyms("deepfake")) == {"real", "fake"}
    assert set(AUS) <= {int(c) for c in load_synonyms("action_units")}


def test_reference_lists_are_emola_verbatim() -> None:
    emola = load_synonyms("reference_emola")
    assert list(emola) == ["happiness", "sadness", "surprise", "anger", "neutral", "disgust", "fear"]
    assert emola["sadness"] == ("sadness", "crying", "distress", "concern", "discomfort", "anguish", "somber")
    assert emola["surprise"].count("wonder") == 2
    assert sum(map(len, emola.values())) == 20 + 9 + 15 + 12 + 9 + 13 + 7


def test_unknown_list_raises_key_error() -> None:
    with pytest.raises(KeyError):
        load_synonyms("no_such_list")
