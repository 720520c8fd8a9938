"""The ``openai`` adapter against a real HTTP server on 127.0.0.1 with scripted failures."""

from __future__ import annotations

import base64
import json
import logging
import time

import pytest
from tests.adapters.conftest import make_request
from tests.openai_server import last_user_text

pytest.importorskip("openai")

from facebench.adapters.openai_api import OpenAIAdapter, OpenAISettings
from facebench.errors import ConfigError

KEY = "sk-test-SECRET-0123456789abcdef"


@pytest.fixture
def adapter(server, monkeypatch):
    monkeypatch.setenv("FB_TEST_KEY", KEY)

    def build(**kw):
        settings = {
            "model": "fake-model",
            "base_url": server.base_url,
            "api_key_env": "FB_TEST_KEY",
            "concurrency": 4,
            "max_retries": 3,
            "timeout": 1.0,
            "backoff": 0.05,
            "max_backoff": 1.0,
        }
        return OpenAIAdapter(**{**settings, **kw})

    return build


def test_answers_in_order_with_images_as_data_urls_and_usage(server, adapter, media):
    requests = [make_request(f"s{i}", media[f"img{i}"], question=f"question {i}") for i in range(6)]
    responses = adapter().generate(requests)
    assert [r.text for r in responses] == [f"echo: question {i}" for i in range(6)]
    assert all(r.ok and r.prompt_tokens and r.completion_tokens == 3 for r in responses)
    body = next(b for b in server.requests if "question 0" in json.dumps(b["messages"]))
    image = body["messages"][0]["content"][0]["image_url"]["url"]
    assert base64.b64decode(image.split(",", 1)[1]) == media["img0"].read_bytes()
    assert body["temperature"] == 0.0 and body["max_tokens"] == 64
    assert body["_headers"]["authorization"] == f"Bearer {KEY}"


def test_prefix_cache_hits_the_server_reports_are_kept_per_answer(server, adapter, media):
    """``usage.prompt_tokens_details.cached_tokens`` reaches the response and its
    ``responses.jsonl`` row; a server that does not report it leaves the row as it was."""
    from facebench.engine.runner import response_row

    requests = [make_request(f"s{i}", media[f"img{i}"], question=f"question {i}") for i in range(3)]
    plain = adapter().generate(requests)
    assert [r.cached_tokens for r in plain] == [None] * 3
    server.cached = lambda body: 2 * len(last_user_text(body))
    cached = adapter().generate(requests)
    assert [r.cached_tokens for r in cached] == [2 * len(f"question {i}") for i in range(3)]
    item = {"fp": "f", "id": "s0", "request": {"task": "t"}}
    assert response_row(item, cached[0])["cached_tokens"] == 2 * len("question 0")
    assert "cached_tokens" not in response_row(item, plain[0])


def test_video_is_sent_as_num_frames_images_and_system_as_string(server, adapter, media):
    req = make_request("v1", media["mp4"], kind="video", system="Be brief.", num_frames=5)
    (resp,) = adapter().generate([req])
    assert resp.ok
    system, user = server.requests[0]["messages"]
    assert system == {"role": "system", "content": "Be brief."}
    kinds = [p["type"] for p in user["content"]]
    assert kinds == ["image_url"] * 5 + ["text"]


def test_429_honours_retry_after_then_succeeds(server, adapter):
    server.retry_after = 0.5
    server.fail("429")
    start = time.monotonic()
    (resp,) = adapter(backoff=0.01).generate([make_request("r1")])
    elapsed = time.monotonic() - start
    assert resp.ok and resp.text.startswith("echo:")
    assert server.count == 2
    assert elapsed >= 0.5  # waited what the server asked, not the 10 ms backoff


def test_500_timeout_and_malformed_are_retried(server, adapter):
    server.fail("500", "timeout", "malformed", "no_choices")
    (resp,) = adapter(max_retries=4, timeout=0.5).generate([make_request("r1")])
    assert resp.ok and server.count == 5


def test_persistent_failure_becomes_an_error_row_naming_key_and_cause(server, adapter):
    server.rule = lambda body: "503" if "doomed" in json.dumps(body) else None
    responses = adapter(max_retries=2).generate(
        [make_request("good"), make_request("bad/item", question="doomed")]
    )
    assert responses[0].ok
    bad = responses[1]
    assert not bad.ok and bad.text == ""
    assert "bad/item" in bad.error and "HTTP 503" in bad.error and "3 attempts" in bad.error
    assert server.count == 1 + 3  # bounded: 1 + max_retries attempts


def test_client_errors_are_not_retried(server, adapter):
    server.fail("400")
    (resp,) = adapter().generate([make_request("r1")])
    assert not resp.ok and "HTTP 400" in resp.error
    assert server.count == 1


def test_timeouts_exhaust_retries_into_an_error(server, adapter):
    server.hang = 1.0
    server.fail("timeout", "timeout")
    (resp,) = adapter(max_retries=1, timeout=0.3).generate([make_request("slow")])
    assert not resp.ok and "slow: timeout after 2 attempts" in resp.error


def test_unreadable_image_is_an_error_row_without_any_http_call(server, adapter, media):
    responses = adapter().generate([make_request("broken", media["broken"]), make_request("fine")])
    assert "broken" in responses[0].error and "MediaError" in responses[0].error
    assert responses[1].ok and server.count == 1


def test_concurrency_limit_is_respected(server, adapter):
    server.latency = 0.2
    responses = adapter(concurrency=3).generate([make_request(f"c{i}") for i in range(9)])
    assert all(r.ok for r in responses)
    assert server.max_in_flight == 3


def test_key_never_reaches_outputs_logs_or_fingerprint(server, adapter, tmp_path, caplog):
    server.error_body_extra = " (you sent: {auth})"  # a server that echoes the credential
    server.fail("500", "401")
    a = adapter(max_retries=1)
    with caplog.at_level(logging.DEBUG):
        responses = a.generate([make_request("leaky")])
    assert "you sent: Bearer ***" in responses[0].error
    out = tmp_path / "responses.jsonl"
    out.write_text("\n".join(json.dumps(r.__dict__) for r in responses))
    dumped = out.read_text() + caplog.text + json.dumps(a.settings.model_dump())
    assert KEY not in dumped and KEY not in a.fingerprint()
    assert "FB_TEST_KEY" in json.dumps(a.settings.model_dump())  # only the variable's name


def test_missing_key_is_a_config_error(server, monkeypatch):
    monkeypatch.delenv("FB_NOT_SET", raising=False)
    a = OpenAIAdapter(model="m", base_url=server.base_url, api_key_env="FB_NOT_SET")
    with pytest.raises(ConfigError, match="FB_NOT_SET"):
        a.generate([make_request("r")])
    assert server.count == 0


def test_keyless_local_server(server):
    a = OpenAIAdapter(model="m", base_url=server.base_url, api_key_env=None)
    assert a.generate([make_request("r")])[0].ok


def test_generation_settings_are_forwarded(server, adapter):
    adapter(max_tokens_param="max_completion_tokens", extra_body={"top_k": 5}).generate(
        [make_request("g", temperature=0.7, top_p=0.9, max_new_tokens=12)]
    )
    body = server.requests[0]
    assert body["temperature"] == 0.7 and body["top_p"] == 0.9
    assert body["max_completion_tokens"] == 12 and "max_tokens" not in body
    assert body["top_k"] == 5


def test_settings_reject_unknown_keys_and_fingerprint_ignores_throughput():
    with pytest.raises(Exception, match="api_key"):
        OpenAISettings(model="m", api_key="sk-should-not-be-here")
    a = OpenAIAdapter(model="m", concurrency=1, max_retries=1)
    b = OpenAIAdapter(model="m", concurrency=32, max_retries=9, timeout=5)
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != OpenAIAdapter(model="other").fingerprint()
