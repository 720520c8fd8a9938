"""Reasoning ratings against a real OpenAI-compatible server on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import json
import time

import pytest
from tests.judge.judge_helpers import KEY, KEY_ENV, rating_reply, with_health, write_run
from tests.openai_server import count_images, last_user_text

from facebench.errors import ConfigError, FacebenchError
from facebench.judge.client import Judge
from facebench.judge.reasoning import rate_task


def rating(mc: int, lc: int, c: int) -> str:
    return rating_reply(mc, lc, c)


def label_is(body: dict, label: str) -> bool:
    """Whether the rating prompt carries this ground truth (Fig. 8's label line)."""
    return f'"Categorical Label": "{label}"' in last_user_text(body)


def expression_run(tmp_path, media_files, n: int = 4):
    answers = ["She smiles widely, cheeks raised: happiness.", "Brows lowered, lips pressed: anger.",
               "Mouth open, eyes wide: surprise.", "Neutral face, relaxed mouth."]
    items = [{"id": f"s{i}", "target": ["happiness", "anger", "surprise", "neutral"][i % 4],
              "media": media_files["img"][i % 4], "response": answers[i % 4]} for i in range(n)]
    return write_run(tmp_path / "out", "m1", "rafdb", items)


def test_rates_every_answer_records_raw_text_model_version_and_means(tmp_path, server, judge_card, media_files):
    folder = expression_run(tmp_path, media_files)
    ratings = {"happiness": (9, 10, 8), "anger": (7, 8, 6), "surprise": (5, 6, 4), "neutral": (3, 4, 2)}
    server.responder = with_health(lambda body: rating(*next(
        v for k, v in ratings.items() if label_is(body, k))))
    judge = Judge.from_card(str(judge_card()))
    summary = rate_task(folder, judge, "expression")

    rows = [json.loads(x) for x in (folder / "judge" / "ratings.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["rated"] * 4
    assert rows[0]["ratings"] == {"media_consistency": 9, "label_consistency": 10, "completeness": 8}
    assert rows[0]["raw"] == [rating(9, 10, 8)] and rows[0]["attempts"] == 1
    # the alias is pinned in the request, and the reply's model field is what gets recorded
    assert {b["model"] for b in server.requests} == {"gpt-4o-mini-2024-07-18"}
    assert rows[0]["judge_model"] == "gpt-4o-mini-2024-07-18"
    assert summary["judge_models"] == ["gpt-4o-mini-2024-07-18"]
    assert summary["criteria"]["media_consistency"]["mean"] == pytest.approx((9 + 7 + 5 + 3) / 4)
    assert summary["criteria"]["completeness"]["mean"] == pytest.approx((8 + 6 + 4 + 2) / 4)
    assert summary["rubric"] == "reasoning_expression.v2" and summary["complete"] is True
    # every request carried its image; tokens and cost come from the usage and the price table
    chat = [b for b in server.requests if "OK" not in last_user_text(b)]
    assert all(count_images(b) == 1 for b in chat)
    usage = summary["usage"]
    assert usage["prompt_tokens"] > 0 and usage["price_known"]
    assert usage["cost_usd"] == pytest.approx(
        (usage["prompt_tokens"] * 0.15 + usage["completion_tokens"] * 0.60) / 1e6, abs=1e-6)


def test_video_answers_are_sent_as_8_uniform_frames(tmp_path, server, judge_card, media_files):
    folder = write_run(tmp_path / "out", "m1", "dfew", [
        {"id": "v1", "target": "sadness", "media": media_files["video"], "video": True,
         "response": "Eyes downcast, mouth corners down: sadness."}])
    server.responder = with_health(lambda body: rating(8, 8, 8))
    summary = rate_task(folder, Judge.from_card(str(judge_card())), "expression")
    assert summary["n_rated"] == 1
    body = server.requests[-1]
    assert count_images(body) == 8
    assert last_user_text(body).startswith("You are given 8 frames uniformly sampled from a video")


def test_malformed_json_is_repaired_or_reasked_and_never_becomes_a_score(tmp_path, server, judge_card, media_files):
    folder = expression_run(tmp_path, media_files)

    def responder(body):
        text = last_user_text(body)
        retry = "could not be read" in text
        if label_is(body, "happiness"):  # fenced JSON with a trailing comma: repaired locally
            return "```json\n" + rating(9, 9, 9)[:-1] + ",}\n```"
        if label_is(body, "anger"):  # broken first, fine when re-asked
            return rating(6, 6, 6) if retry else '{"rating": {"1": 6, "2": '
        if label_is(body, "surprise"):  # out of range every time: unrated
            return rating(11, 5, 5)
        return "I would rate this highly."  # never JSON: unrated

    server.responder = with_health(responder)
    summary = rate_task(folder, Judge.from_card(str(judge_card())), "expression", max_attempts=3)
    rows = {r["id"]: r for r in map(json.loads, (folder / "judge" / "ratings.jsonl").read_text().splitlines())}
    assert rows["s0"]["status"] == "rated" and rows["s0"]["parse_rule"] == "repaired"
    assert rows["s0"]["attempts"] == 1
    assert rows["s1"]["status"] == "rated" and rows["s1"]["attempts"] == 2
    assert rows["s2"]["status"] == "unrated" and rows["s2"]["ratings"] is None
    assert rows["s2"]["attempts"] == 3 and len(rows["s2"]["raw"]) == 3
    assert rows["s3"]["status"] == "unrated"
    assert summary["n_rated"] == 2 and summary["n_unrated"] == 2
    # only the rated rows enter the mean
    assert summary["criteria"]["media_consistency"] == {"mean": 7.5, "std": 1.5, "n": 2}
    # re-asks raise the temperature
    temps = sorted({b["temperature"] for b in server.requests if label_is(b, "surprise")})
    assert temps == [0.0, 0.5, 1.0]


def test_429_with_retry_after_and_500_are_retried(tmp_path, server, judge_card, media_files):
    folder = expression_run(tmp_path, media_files, n=2)
    server.responder = with_health(lambda body: rating(7, 7, 7))
    judge = Judge.from_card(str(judge_card(concurrency=1)))
    judge.health_check()
    server.reset()
    server.responder = with_health(lambda body: rating(7, 7, 7))
    server.fail("429", "500")
    start = time.monotonic()
    summary = rate_task(folder, judge, "expression")
    assert summary["n_rated"] == 2 and summary["n_error"] == 0
    assert server.count == 4  # 2 failures + 2 answers
    assert time.monotonic() - start >= 0.3  # waited at least Retry-After


def test_second_run_costs_zero_requests(tmp_path, server, judge_card, media_files):
    folder = expression_run(tmp_path, media_files)
    server.responder = with_health(lambda body: rating(7, 8, 9))
    first = rate_task(folder, Judge.from_card(str(judge_card())), "expression")
    assert first["new_calls"] == 4
    seen = server.count
    second = rate_task(folder, Judge.from_card(str(judge_card())), "expression")
    assert server.count == seen  # no health check, no calls
    assert second["new_calls"] == 0
    assert second["criteria"] == first["criteria"]


def test_concurrency_limit_is_respected(tmp_path, server, judge_card, media_files):
    folder = expression_run(tmp_path, media_files, n=12)
    server.latency = 0.1
    server.responder = with_health(lambda body: rating(5, 5, 5))
    rate_task(folder, Judge.from_card(str(judge_card(concurrency=3))), "expression")
    assert server.max_in_flight == 3


def test_health_check_fails_loudly_without_key_or_endpoint(tmp_path, server, judge_card, media_files, monkeypatch):
    folder = expression_run(tmp_path, media_files, n=1)
    card = judge_card()
    monkeypatch.delenv(KEY_ENV)
    with pytest.raises(ConfigError, match=KEY_ENV):
        rate_task(folder, Judge.from_card(str(card)), "expression")
    assert server.count == 0
    monkeypatch.setenv(KEY_ENV, KEY)
    dead = judge_card("dead", base_url="http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(FacebenchError, match="health check"):
        rate_task(folder, Judge.from_card(str(dead)), "expression")
    assert not (folder / "judge" / "ratings.jsonl").exists()


def test_no_key_reaches_any_file(tmp_path, server, judge_card, media_files):
    folder = expression_run(tmp_path, media_files)
    server.responder = with_health(lambda body: rating(7, 7, 7))
    server.error_body_extra = " auth was {auth}"  # a server that echoes the Authorization header
    server.rule = lambda body: "400" if label_is(body, "anger") else None
    summary = rate_task(folder, Judge.from_card(str(judge_card())), "expression")
    assert summary["n_error"] == 1 and summary["complete"] is False
    assert any("Bearer" in json.dumps(b) for b in server.requests)  # the key did travel...
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="ignore"), path  # ...but was written nowhere


def test_dry_run_renders_prompts_and_sends_nothing(tmp_path, server, judge_card, media_files, monkeypatch):
    folder = expression_run(tmp_path, media_files)
    monkeypatch.delenv(KEY_ENV)  # no key needed to look at prompts
    summary = rate_task(folder, Judge.from_card(str(judge_card())), "expression", dry_run=True)
    assert summary["n_calls"] == 4 and server.count == 0
    rows = [json.loads(x) for x in (folder / "judge" / "dry_run.jsonl").read_text().splitlines()]
    assert rows[0]["prompt"].endswith('"Categorical Label": "happiness" "Description": '
                                      '"She smiles widely, cheeks raised: happiness."')
    assert rows[0]["media"] == [media_files["img"][0]]
