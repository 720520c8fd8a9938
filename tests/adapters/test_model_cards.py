"""Every shipped model card validates against its adapter's settings, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from facebench.adapters.registry import ModelCard, get_adapter_class

CARDS = sorted((Path(__file__).resolve().parents[2] / "model_adapters").glob("*.yaml"))
REQUIRED = {
    "llava-1.5-7b",
    "llava-onevision-7b",
    "qwen2.5-vl-7b",
    "internvl3-8b",
    "videollama3-7b",
    "video-llava-7b",
    "instructblip-vicuna-7b",
    "gpt-4o-mini",
    "gemini-1.5-flash",
}


def _adapter_class(name: str):
    """Through the registry: adapters import their heavy stacks lazily, so every card's
    settings validate on the light core install."""
    return get_adapter_class(name)


def test_all_baseline_cards_exist():
    assert REQUIRED <= {p.stem for p in CARDS}


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_card_validates(path):
    card = ModelCard.model_validate(yaml.safe_load(path.read_text()))
    assert card.name == path.stem
    cls = _adapter_class(card.adapter)
    adapter = cls(cls.Settings.model_validate(card.settings))  # builds without loading a model
    assert adapter.settings.model
    # the user's local copy overrides the hub id (``--model-arg model=/local/path``)
    local = cls(adapter.settings, model="/models/local-copy")
    assert local.settings.model == "/models/local-copy"
    assert local.fingerprint() != adapter.fingerprint()


@pytest.mark.parametrize("adapter", ["hf", "openai"])
def test_bad_settings_are_named(adapter):
    cls = _adapter_class(adapter)
    with pytest.raises(ValidationError) as info:
        cls.Settings.model_validate({"model": "m", "batch_sise": 4})
    assert "batch_sise" in str(info.value) and "Extra inputs are not permitted" in str(info.value)
    with pytest.raises(ValidationError, match="batch_size"):
        cls.Settings.model_validate({"model": "m", "batch_size": 0})
