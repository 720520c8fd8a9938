"""Absurd numbers in an age answer: never an exception, never inf/nan, never a slice of a digit
run read as an age, in strict and in reference mode (the parsers called directly, so an
exception cannot hide behind :func:`parse`'s fallback)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facebench.parsing import ParseContext, get_parser, parse
from facebench.parsing.reference import MAX_DIGITS

STRICT, REFERENCE = ParseContext(), ParseContext(mode="reference")
HUGE = "9" * 50_000


@pytest.mark.parametrize(
    "text, strict, reference",
    [
        (HUGE, None, None),
        (f"{HUGE} years old", None, None),
        (f"age: 2{'0' * 5000}", None, None),
        ("10000 years old", None, 10000),  # strict read it as "1000", "0" -> 0 before
        ("12345", None, 12345),
        ("I am 1e400 years old", None, 1),  # the scripts' \d+ sees the 1
        ("2.5E3", None, 2),
        (f"{'0' * 50_000}7", None, 7),  # int() of the scripts ignores leading zeros
        (f"25.{'5' * 50_000} years", 25.555555555555557, 25),
        ("the 12340s", None, 12340),
        ("She is 25 years old.", 25, 25),
        ("inf", None, None),
        ("nan years", None, None),
    ],
)
def test_huge_and_odd_numbers(text, strict, reference):
    s = get_parser("number", "strict")(text, STRICT)
    r = get_parser("number", "reference")(text, REFERENCE)
    assert (s.value, r.value) == (strict, reference), (s, r)


def test_reference_rule_names_the_too_long_number():
    result = get_parser("number", "reference")(HUGE, REFERENCE)
    assert result.rule == "reference:number_too_long" and not result.valid
    longest = "9" * MAX_DIGITS
    assert get_parser("number", "reference")(longest, REFERENCE).value == int(longest)


def test_reference_action_units_survive_a_huge_code():
    result = get_parser("action_units", "reference")(f"AU{HUGE} and AU12", ParseContext(mode="reference"))
    assert result.value == (12,)


_DIGIT_RUN = st.builds(lambda d, n: d * n, st.sampled_from("0123456789"), st.integers(1, 20_000))
_PIECE = st.one_of(
    _DIGIT_RUN,
    st.text(alphabet="0123456789", min_size=4290, max_size=4400),  # around int()'s 4300 limit
    st.sampled_from(["1e400", "1E-400", "inf", "-inf", "nan", "NaN", "1" + "0" * 400, ".", "-",
                     "years old", "age:", "between", "and", "to", "%", "0.", "٣٠", "１２", "mid-20s"]),
    st.text(max_size=30),
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
_TEXT = st.lists(_PIECE, max_size=8).map(" ".join)


@settings(max_examples=120, deadline=None)
@given(text=_TEXT)
def test_number_never_raises_and_is_finite_and_sensible(text):
    for ctx in (STRICT, REFERENCE):
        result = get_parser("number", ctx.mode)(text, ctx)  # not parse(): it would hide a raise
        if result.value is None:
            continue
        assert type(result.value) in (int, float) and math.isfinite(result.value), result
        if ctx.mode == "strict":
            assert 0 <= result.value <= 120, result
        else:
            assert 0 <= result.value < 10**MAX_DIGITS, result
        assert not parse("number", text, ctx).rule.startswith("error:")


def test_score_in_reference_mode_reads_a_50000_digit_answer(tmp_path):
    """``facebench run`` then ``facebench score --mode reference`` on the demo UTKFace data,
    one answer being 50,000 nines: both succeed, that answer counted invalid."""
    cmd = [sys.executable, "-m", "facebench"]
    common = dict(capture_output=True, text=True, timeout=180, cwd=tmp_path)
    requests, answers, out = tmp_path / "requests.jsonl", tmp_path / "answers.jsonl", tmp_path / "out"
    subprocess.run([*cmd, "export", "--tasks", "utkface", "--out", str(requests)], check=True, **common)
    ids = [json.loads(line)["id"] for line in requests.read_text().splitlines()]
    with answers.open("w") as fh:
        for i, key in enumerate(ids):
            fh.write(json.dumps({"task": "utkface", "id": key, "response": HUGE if i == 0 else "30"}) + "\n")
    run = subprocess.run([*cmd, "run", "--model", "replay", "--model-arg", f"path={answers}",
                          "--tasks", "utkface", "--output", str(out)], **common)
    assert run.returncode == 0, run.stdout + run.stderr
    scored = subprocess.run([*cmd, "score", str(out), "--mode", "reference"], **common)
    assert scored.returncode == 0, scored.stdout + scored.stderr
    assert f"replay/facebench/utkface (reference): n={len(ids)} invalid=1 errors=0" in scored.stdout
    predictions = [json.loads(x) for x in (out / "replay/facebench/utkface/predictions.reference.jsonl").read_text().splitlines()]
    first = next(p for p in predictions if p["id"] == ids[0])
    assert first["rule"] == "reference:number_too_long", first
