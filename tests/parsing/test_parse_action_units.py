"""action_units: codes, FACS names, negation, dataset list, "none" answers."""

from __future__ import annotations

import pytest

from facebench.parsing import ParseContext, parse
from tests.parsing.helpers import DISFA

CTX = ParseContext(au_codes=DISFA)

CASES = [
    ("AU1", (1,), "codes"),
    ("AU01, AU02", (1, 2), "codes"),
    ("AU 12", (12,), "codes"),
    ("au-25 and AU26", (25, 26), "codes"),
    ("action unit 12", (12,), "codes"),
    ("Action units 6 and 12 are active.", (6, 12), "codes"),
    ("AUs 1, 2 and 4", (1, 2, 4), "codes"),
    ("Inner Brow Raiser and Lip Corner Puller", (1, 12), "codes"),
    ("The cheek raiser is visible, and the lips part slightly.", (6, 25), "codes"),
    ("AU4 (Brow Lowerer) is likely activated due to the furrowed brow.", (4,), "codes"),
    ("AU4 is present. AU12 is not present.", (4,), "codes"),
    ("AU1: present, AU4: absent, AU12: present", (1, 12), "codes"),
    ("AU6 and AU12 are active, but AU4 is not.", (6, 12), "codes"),
    ("AU12, AU15 and AU43", (12,), "codes"),  # 15 and 43 are not DISFA AUs
    ("1, 2, 12", (1, 2, 12), "code_list"),
    ("AU4 is not present.", (), "none_present"),
    ("AU43 (eyes closed)", (), "none_present"),
    ("No action units are activated.", (), "none_stated"),
    ("None", (), "none_stated"),
    ("The face shows no active AUs.", (), "none_stated"),
]

FAILS = [
    ("", "empty"),
    ("The face looks calm and relaxed.", "no_au"),
    ("I cannot tell from this image.", "no_au"),
]


@pytest.mark.parametrize("text, value, rule", CASES)
def test_reads(text: str, value: tuple[int, ...], rule: str) -> None:
    result = parse("action_units", text, CTX)
    assert (result.value, result.rule) == (value, rule)


@pytest.mark.parametrize("text, rule", FAILS)
def test_unparseable(text: str, rule: str) -> None:
    result = parse("action_units", text, CTX)
    assert result.value is None and result.rule == rule


def test_without_dataset_list_all_codes_are_kept() -> None:
    assert parse("action_units", "AU15 and AU43", ParseContext()).value == (15, 43)
