"""MM-Vet grading against the official evaluator: the exact query, the score extraction, the
re-ask rule and temperature schedule (observed on the server side), k repeats, and the
capability / combination aggregation checked against hand-computed values."""

from __future__ import annotations

import json

import pytest
from tests.judge.judge_helpers import with_health, write_run
from tests.openai_server import last_user_text

from facebench.judge.client import Judge
from facebench.judge.mmvet import aggregate, grade_task, parse_score, temperature
from facebench.judge.tables import mmvet_table

# The grading prompt of MM-Vet's evaluator, verbatim: yuweihao/MM-Vet, mm-vet_evaluator.py at commit
# acde843e02dae30047bb456ee4a8ab28dee7e0ae (`prompt = """..."""`, lines 15-26), Apache License 2.0.
OFFICIAL_PROMPT = """Compare the ground truth and prediction from AI models, to give a correctness score for the prediction. <AND> in the ground truth means it is totally right only when all elements in the ground truth are present in the prediction, and <OR> means it is totally right when any one element in the ground truth is present in the prediction. The correctness score is 0.0 (totally wrong), 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, or 1.0 (totally right). Just complete the last space of the correctness score.

Question | Ground truth | Prediction | Correctness
--- | --- | --- | ---
What is x in the equation? | -1 <AND> -5 | x = 3 | 0.0
What is x in the equation? | -1 <AND> -5 | x = -1 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -5 or 5 | 0.5
What is x in the equation? | -1 <AND> -5 | x = -1 or x = -5 | 1.0
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme talks about Iceland and Greenland. It's pointing out that despite their names, Iceland is not very icy and Greenland isn't very green. | 0.4
Can you explain this meme? | This meme is poking fun at the fact that the names of the countries Iceland and Greenland are misleading. Despite its name, Iceland is known for its beautiful green landscapes, while Greenland is mostly covered in ice and snow. The meme is saying that the person has trust issues because the names of these countries do not accurately represent their landscapes. | The meme is using humor to point out the misleading nature of Iceland's and Greenland's names. Iceland, despite its name, has lush green landscapes while Greenland is mostly covered in ice and snow. The text 'This is why I have trust issues' is a playful way to suggest that these contradictions can lead to distrust or confusion. The humor in this meme is derived from the unexpected contrast between the names of the countries and their actual physical characteristics. | 1.0
"""
# The same file, in runs(): the query, and the suffix of a re-ask after an unreadable reply.
#     question = args.prompt + "\n" + " | ".join([line["question"],
#         line["answer"].replace("<AND>", " <AND> ").replace("<OR>", " <OR> "), model_pred, ""])
#     ... + "\nPredict the correctness of the answer (digit): "
REASK = "\nPredict the correctness of the answer (digit): "


def official_query(question: str, answer: str, model_pred: str) -> str:
    return OFFICIAL_PROMPT + "\n" + " | ".join(
        [question, answer.replace("<AND>", " <AND> ").replace("<OR>", " <OR> "), model_pred, ""])


def official_extract(content: str) -> float | None:
    """The evaluator's score extraction (same file, runs(), the inner ``try``), as a function."""
    try:
        content = content.split(" ")[0].strip()
        score = float(content)
        if score > 1.0 or score < 0.0:
            raise AssertionError  # `assert False` in the original
        return score
    except Exception:  # the original's bare `except:`
        return None


def item_row(body: dict) -> str:
    """The row being graded (the last line of the query, or the one before a re-ask's suffix)."""
    text = last_user_text(body)
    return (text[: -len(REASK)] if text.endswith(REASK) else text).split("\n")[-1]


SAMPLES = ["0.5", "1.0", "0", "0.3 because", ".7", "1e-1", "0.5\n", "+1", "1.", "0.0 ", "", " 0.5",
           "1.5", "-0.1", "Score: 0.5", "0.5.", "one", "0.5\nbecause", "inf", "The score is 0.4", "1,0"]


@pytest.mark.parametrize("text", SAMPLES)
def test_score_extraction_is_the_evaluators(text):
    expected = official_extract(text)
    assert parse_score(text) == (None if expected is None else (expected, "official"))


def test_nan_is_the_one_deviation():
    assert official_extract("nan") != official_extract("nan")  # the evaluator accepts NaN
    assert parse_score("nan") is None


def test_temperature_schedule_is_the_evaluators():
    # temperature = 0.0; first call at it; each re-ask is sent, then `temperature += 0.5`
    assert [temperature(a) for a in range(5)] == [0.0, 0.0, 0.5, 1.0, 1.5]


def test_the_query_sent_is_the_official_evaluators_query(tmp_path, server, judge_card):
    question = "What is the total price of the two drinks?"
    answer = "$7.50<OR>7.5 dollars"
    prediction = "The drinks cost $7.50 in total.\nThat is 3.00 + 4.50. "
    folder = write_run(tmp_path / "out", "m1", "mmvet", [
        {"id": "v1_0", "target": answer, "response": prediction,
         "meta": {"capability": ["ocr", "math"], "question": question}}])
    server.responder = with_health(lambda body: "0.9" if last_user_text(body).endswith(REASK) else "The")
    summary = grade_task(folder, Judge.from_card(str(judge_card())), repeats=1)

    first, reask = server.requests[1:]
    expected = official_query(question, answer, prediction)
    assert expected.endswith("| $7.50 <OR> 7.5 dollars | The drinks cost $7.50 in total.\nThat is 3.00 + 4.50.  | ")
    assert [{k: m[k] for k in ("role", "content")} for m in first["messages"]] == [{"role": "user", "content": expected}]
    assert reask["messages"][0]["content"] == expected + REASK
    assert (first["max_tokens"], first["temperature"], reask["temperature"]) == (3, 0.0, 0.0)
    assert summary["overall"]["mean"] == pytest.approx(90.0) and summary["rubric"] == "mmvet_grading.v2"


def test_reasks_follow_the_evaluators_rule_seen_on_the_server(tmp_path, server, judge_card):
    folder = write_run(tmp_path / "out", "m1", "mmvet", [
        {"id": "never", "target": "a", "response": "x", "meta": {"capability": ["rec"], "question": "Never?"}},
        {"id": "third", "target": "b", "response": "y", "meta": {"capability": ["rec"], "question": "Third?"}},
        {"id": "first", "target": "c", "response": "z", "meta": {"capability": ["ocr"], "question": "First?"}},
    ])
    asked: dict[str, int] = {}

    def responder(body):
        row = item_row(body)
        asked[row] = asked.get(row, 0) + 1
        if row.startswith("First?"):
            return "1.0"
        if row.startswith("Third?") and asked[row] == 3:
            return "0.7"
        return "N/A"

    server.responder = with_health(responder)
    summary = grade_task(folder, Judge.from_card(str(judge_card())), repeats=1)

    def seen(q):
        return [(b["temperature"], last_user_text(b).endswith(REASK))
                for b in server.requests if item_row(b).startswith(q)]

    assert seen("Never?") == [(0.0, False), (0.0, True), (0.5, True), (1.0, True), (1.5, True)]
    assert seen("Third?") == [(0.0, False), (0.0, True), (0.5, True)]
    assert seen("First?") == [(0.0, False)]
    assert server.count == 1 + 5 + 3 + 1  # health check + calls; no sixth call at 2.0
    rows = {r["id"]: r for r in map(json.loads, (folder / "judge" / "gradings.jsonl").read_text().splitlines())}
    assert rows["never"]["raw"] == [["N/A"] * 5] and rows["never"]["status"] == "unrated"
    assert rows["third"]["scores"] == [0.7] and rows["third"]["attempts"] == [3]
    # the evaluator's 0.0 for a grading that never parses (policy zero)
    assert summary["n_unrated_gradings"] == 1
    assert summary["overall"]["mean"] == pytest.approx(100 * (0.0 + 0.7 + 1.0) / 3)
    assert summary["temperatures"] == [0.0, 0.0, 0.5, 1.0, 1.5]


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


def test_grading_over_http_with_repeats_unrated_and_policy(tmp_path, server, judge_card):
    items = [
        {"id": "q1", "target": "cat", "response": "A cat", "meta": {"capability": ["rec"], "question": "Animal?"}},
        {"id": "q2", "target": "7<AND>12", "response": "only 12",
         "meta": {"capability": ["rec", "ocr"], "question": "Numbers?"}},
        {"id": "q3", "target": "stop", "response": "halt", "meta": {"capability": ["ocr"], "question": "Sign?"}},
        {"id": "q4", "target": "winter", "response": "no idea", "meta": {"capability": ["rec", "know"], "question": "Season?"}},
    ]
    folder = write_run(tmp_path / "out", "m1", "mmvet", items)

    def responder(body):
        row, retry = item_row(body), last_user_text(body).endswith(REASK)
        if row.startswith("Animal?"):
            return "1.0"
        if row.startswith("Numbers?"):
            assert "7 <AND> 12" in row
            return "0.4" if retry else "The score is 0.4"
        if row.startswith("Sign?"):
            return "0.6"
        return "N/A"

    server.responder = with_health(responder)
    summary = grade_task(folder, Judge.from_card(str(judge_card())), repeats=2)
    assert server.count == 1 + 2 * (1 + 2 + 1 + 5)  # health + repeats x calls
    assert all(b["max_tokens"] == 3 for b in server.requests[1:])
    assert summary["n_unrated_gradings"] == 2 and summary["complete"] is True
    assert summary["overall"]["mean"] == pytest.approx(50.0) and summary["overall"]["std"] == 0.0
    caps = {k: v["mean"] for k, v in summary["capabilities"].items()}
    assert caps == pytest.approx({"rec": 100 * 1.4 / 3, "ocr": 50.0, "know": 0.0})
    assert summary["combinations"]["ocr_rec"]["mean"] == pytest.approx(40.0)
    rows = {r["id"]: r for r in map(json.loads, (folder / "judge" / "gradings.jsonl").read_text().splitlines())}
    assert rows["q2"]["scores"] == [0.4, 0.4] and rows["q2"]["attempts"] == [2, 2]
    assert rows["q4"]["scores"] == [None, None] and rows["q4"]["raw"] == [["N/A"] * 5] * 2
    # the judge that graded it: the version each reply reported, and whether it is MM-Vet's own
    assert summary["judge_models"] == ["gpt-4o-mini-2024-07-18"]
    assert summary["same_judge_as_published"] is False and summary["published_judge"] == "gpt-4-0613"

    seen = server.count  # regrading under the other policy is free: everything is cached
    skip = grade_task(folder, Judge.from_card(str(judge_card())), repeats=2, policy="skip")
    assert server.count == seen and skip["new_calls"] == 0
    assert skip["overall"]["mean"] == pytest.approx(100 * 2.0 / 3)
    assert skip["capabilities"]["rec"]["mean"] == pytest.approx(70.0)


def test_gpt_4_0613_grading_is_recorded_as_the_published_judge(tmp_path, server, judge_card):
    folder = write_run(tmp_path / "out", "m1", "mmvet", [
        {"id": "q1", "target": "cat", "response": "A cat", "meta": {"capability": ["rec"], "question": "Animal?"}}])
    server.responder = with_health(lambda body: "1.0")
    summary = grade_task(folder, Judge.from_card(str(judge_card(model="gpt-4-0613"))), repeats=1)
    assert {b["model"] for b in server.requests} == {"gpt-4-0613"}
    assert summary["judge_models"] == ["gpt-4-0613"] and summary["same_judge_as_published"] is True
    from facebench.judge.tables import write_tables

    write_tables(tmp_path / "out")
    table = mmvet_table(tmp_path / "out")
    assert table.loc["m1 [facebench]", "judge"] == "gpt-4-0613"
    assert table.loc["m1 [facebench]", "rubric"] == "mmvet_grading.v2"


def test_old_rubric_version_stays_distinguishable(tmp_path, server, judge_card):
    folder = write_run(tmp_path / "out", "m1", "mmvet", [
        {"id": "q1", "target": "cat", "response": "A cat", "meta": {"capability": ["rec"], "question": "Animal?"}}])
    server.responder = with_health(lambda body: "1.0")
    judge = Judge.from_card(str(judge_card()))
    grade_task(folder, judge, repeats=1)
    old = grade_task(folder, judge, repeats=1, rubric_version=1)
    assert old["rubric"] == "mmvet_grading.v1" and old["new_calls"] == 1  # another prompt, not reused
    v1_text, v2_text = last_user_text(server.requests[-1]), last_user_text(server.requests[-2])
    assert v2_text.startswith(OFFICIAL_PROMPT) and not v1_text.startswith(OFFICIAL_PROMPT)
    rows = [json.loads(x) for x in (folder / "judge" / "gradings.jsonl").read_text().splitlines()]
    assert rows[0]["rubric"] == "mmvet_grading.v1"
