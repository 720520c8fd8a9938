"""MM-Vet grading: strict score parsing, re-asks at a raised temperature, k repeats, and the
capability / combination aggregation checked against hand-computed values."""

from __future__ import annotations

import json

import pytest
from tests.judge.judge_helpers import with_health, write_run
from tests.openai_server import last_user_text

from facebench.judge.client import Judge
from facebench.judge.mmvet import aggregate, grade_task, parse_score, spaced_answer
from facebench.judge.rubrics import get_rubric


@pytest.mark.parametrize("text,score", [("0.5", 0.5), ("1.0", 1.0), ("0", 0.0), ("0.3 because", 0.3),
                                        (" 1 ", 1.0), (".7", 0.7)])
def test_parse_score_reads_the_first_token(text, score):
    assert parse_score(text) == (score, "strict")


@pytest.mark.parametrize("text", ["", "1.5", "-0.1", "Score: 0.5", "0.5.", "nan", "one", "1e-1"])
def test_parse_score_rejects_anything_else(text):
    assert parse_score(text) is None


def test_prompt_is_few_shot_with_and_or_rules_and_an_open_last_cell():
    text = get_rubric("mmvet_grading").render(question="Q?", answer=spaced_answer("x<AND>y"),
                                              prediction="x", retry=False)
    assert "<AND>" in text and "<OR>" in text and "0.0" in text and "1.0" in text
    assert text.count("\n") > 8  # several examples
    assert text.endswith("Q? | x <AND> y | x |")


def test_aggregation_matches_hand_computed_values():
    items = [
        {"capability": ["rec"], "scores": [1.0, 0.5, 0.0]},
        {"capability": ["ocr", "rec"], "scores": [0.4, 0.4, 0.4]},
        {"capability": ["ocr"], "scores": [0.6, None, 0.6]},
        {"capability": ["know", "rec"], "scores": [0.0, 1.0, 0.5]},
    ]
    z = aggregate(items, 3, "zero")
    # overall per repeat: (1+.4+.6+0)/4=50, (.5+.4+0+1)/4=47.5, (0+.4+.6+.5)/4=37.5
    assert z["overall"]["runs"] == pytest.approx([50.0, 47.5, 37.5])
    assert z["overall"]["mean"] == pytest.approx(45.0)
    assert z["overall"]["std"] == pytest.approx(((25 + 6.25 + 56.25) / 3) ** 0.5)  # population std
    # rec: items 1,2,4 -> (1.4/3, 1.9/3, 0.9/3) x100
    assert z["capabilities"]["rec"]["mean"] == pytest.approx(100 * (1.4 + 1.9 + 0.9) / 9)
    assert z["capabilities"]["ocr"]["runs"] == pytest.approx([50.0, 20.0, 50.0])
    assert set(z["capabilities"]) == {"rec", "ocr", "know"}
    assert z["combinations"]["know_rec"]["mean"] == pytest.approx(50.0)
    assert z["combinations"]["ocr_rec"]["mean"] == pytest.approx(40.0)
    s = aggregate(items, 3, "skip")  # the unrated grading leaves the repeat-2 denominator
    assert s["overall"]["runs"][1] == pytest.approx(100 * 1.9 / 3)
    assert s["capabilities"]["ocr"]["runs"] == pytest.approx([50.0, 40.0, 50.0])


def test_grading_over_http_with_reasks_unrated_and_policy(tmp_path, server, judge_card):
    items = [
        {"id": "q1", "target": "cat", "response": "A cat", "meta": {"capability": ["rec"], "question": "Animal?"}},
        {"id": "q2", "target": "7<AND>12", "response": "only 12",
         "meta": {"capability": ["rec", "ocr"], "question": "Numbers?"}},
        {"id": "q3", "target": "stop", "response": "halt", "meta": {"capability": ["ocr"], "question": "Sign?"}},
        {"id": "q4", "target": "winter", "response": "no idea", "meta": {"capability": ["rec", "know"], "question": "Season?"}},
        {"id": "q5", "target": "4", "response": None, "meta": {"capability": ["math"], "question": "Sum?"}},
    ]
    folder = write_run(tmp_path / "out", "m1", "mmvet", items)

    def responder(body):
        row = last_user_text(body).split("\n")
        retry = row[-1].startswith("Reply with the correctness score only")
        last = row[-2] if retry else row[-1]
        if last.startswith("Animal?"):
            return "1.0"
        if last.startswith("Numbers?"):
            assert "7 <AND> 12" in last
            return "0.4" if retry else "The score is 0.4"
        if last.startswith("Sign?"):
            return "0.6"
        return "N/A"

    server.responder = with_health(responder)
    judge = Judge.from_card(str(judge_card()))
    summary = grade_task(folder, judge, repeats=2, max_attempts=3)
    assert server.count == 1 + 2 * (1 + 2 + 1 + 3)  # health + repeats x attempts
    assert all(b["max_tokens"] == 3 for b in server.requests[1:])
    temps = sorted(b["temperature"] for b in server.requests if "Numbers?" in last_user_text(b))
    assert temps == [0.0, 0.0, 0.5, 0.5]
    assert summary["n_unrated_gradings"] == 2 and summary["n_no_response"] == 1
    assert summary["overall"]["mean"] == pytest.approx(40.0) and summary["overall"]["std"] == 0.0
    caps = {k: v["mean"] for k, v in summary["capabilities"].items()}
    assert caps == pytest.approx({"rec": 100 * 1.4 / 3, "ocr": 50.0, "know": 0.0, "math": 0.0})
    assert summary["combinations"]["ocr_rec"]["mean"] == pytest.approx(40.0)
    rows = {r["id"]: r for r in map(json.loads, (folder / "judge" / "gradings.jsonl").read_text().splitlines())}
    assert rows["q2"]["scores"] == [0.4, 0.4] and rows["q2"]["attempts"] == [2, 2]
    assert rows["q4"]["scores"] == [None, None] and rows["q4"]["raw"] == [["N/A"] * 3] * 2
    assert rows["q5"]["status"] == "no_response"
    assert summary["judge_models"] == ["gpt-4o-mini-2024-07-18"]

    seen = server.count  # regrading under the other policy is free: everything is cached
    skip = grade_task(folder, Judge.from_card(str(judge_card())), repeats=2, max_attempts=3, policy="skip")
    assert server.count == seen and skip["new_calls"] == 0
    assert skip["overall"]["mean"] == pytest.approx(100 * 2.0 / 3)
    assert skip["capabilities"]["rec"]["mean"] == pytest.approx(70.0)
