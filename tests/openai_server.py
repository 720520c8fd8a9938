"""A small, real OpenAI-compatible HTTP server for tests (stdlib only, one thread per request).

It listens on 127.0.0.1 on a free port and implements ``POST /v1/chat/completions`` and
``GET /v1/models``. Tests script its failures to check that clients retry, back off, honour
``Retry-After``, time out and turn a broken reply into an error row, over real HTTP.

Usage::

    with OpenAIServer(latency=0.05) as server:
        server.fail("429", "500")              # the next two requests fail, then normal replies
        client = OpenAI(base_url=server.base_url, api_key="sk-test")
        ...
        assert server.count == 3

Behaviour, all settable as attributes at any time:

- ``latency``: seconds every request waits before answering (throughput benchmarks).
- ``fail(*actions)``: queue actions consumed one per chat request, in arrival order:
  ``"429"`` (with ``Retry-After: <retry_after>``), ``"500"``, ``"503"``, ``"400"``, ``"401"``,
  ``"timeout"`` (sleeps ``hang`` seconds before answering, so the client times out first),
  ``"malformed"`` (HTTP 200 with a body that is not JSON), ``"no_choices"`` (valid JSON with
  an empty ``choices`` list), ``"ok"`` (a normal reply, to interleave).
- ``rule``: a callable ``(body: dict) -> action | None`` consulted before the queue, to fail
  particular requests (e.g. by the text of the prompt) regardless of arrival order.
- ``responder``: a callable ``(body: dict) -> str`` producing the answer text; by default
  ``"echo: <text of the last user message>"``.
- ``error_body_extra``: text appended to every error body (e.g. to check that a client
  never copies secrets from the ``Authorization`` header into its logs: set it to
  ``"{auth}"`` and the header value is echoed into the error).

Observations: ``count`` (chat requests received), ``requests`` (every parsed body, with
``_headers``, names lower-cased), ``max_in_flight`` (peak concurrent chat requests).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Action = str


def last_user_text(body: dict[str, Any]) -> str:
    """The text parts of the last user message (string or list-of-parts content)."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return "\n".join(p.get("text", "") for p in content or [] if p.get("type") == "text")
    return ""


def count_images(body: dict[str, Any]) -> int:
    """How many ``image_url`` parts the request carries (video frames count one each)."""
    return sum(
        1
        for m in body.get("messages", [])
        if isinstance(m.get("content"), list)
        for p in m["content"]
        if p.get("type") == "image_url"
    )


class OpenAIServer:
    """See the module docstring. Start with ``with OpenAIServer() as s:`` or ``start()``."""

    def __init__(
        self,
        latency: float = 0.0,
        retry_after: float | str = 0.1,
        hang: float = 5.0,
        responder: Callable[[dict[str, Any]], str] | None = None,
        model: str = "fake-model",
    ) -> None:
        self.latency = latency
        self.retry_after = retry_after
        self.hang = hang
        self.responder = responder or (lambda body: "echo: " + last_user_text(body))
        self.rule: Callable[[dict[str, Any]], Action | None] | None = None
        self.error_body_extra = ""
        #: prompt tokens to report as served from a prefix cache (as vLLM's server and
        #: OpenAI do, in ``usage.prompt_tokens_details``); None: the field is left out
        self.cached: Callable[[dict[str, Any]], int] | None = None
        self.model = model
        self.requests: list[dict[str, Any]] = []
        self.count = 0
        self.max_in_flight = 0
        self._in_flight = 0
        self._queue: deque[Action] = deque()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------------

    def fail(self, *actions: Action) -> None:
        with self._lock:
            self._queue.extend(actions)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.count = 0
            self.max_in_flight = 0
        self.rule = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, host: str = "127.0.0.1", port: int = 0) -> OpenAIServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        # The default listen backlog (5) refuses bursts of concurrent clients.
        server_cls = type("Server", (ThreadingHTTPServer,), {"request_queue_size": 256})
        self._httpd = server_cls((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> OpenAIServer:  # noqa: PYI034 - start() returns self
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- used by the handler ---------------------------------------------------------------

    def _next_action(self, body: dict[str, Any]) -> Action:
        if self.rule is not None:
            action = self.rule(body)
            if action is not None:
                return action
        with self._lock:
            return self._queue.popleft() if self._queue else "ok"

    def _enter(self, body: dict[str, Any]) -> None:
        with self._lock:
            self.count += 1
            self.requests.append(body)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1


class _Handler(BaseHTTPRequestHandler):
    server_state: OpenAIServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (~40 ms), which would swamp latency measurements.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logging
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionResetError, BrokenPipeError):
            pass  # the client was killed mid-request (the kill -9 tests): nothing to answer

    def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test); nothing to do

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        extra = self.server_state.error_body_extra.replace(
            "{auth}", self.headers.get("Authorization", "")
        )
        body = {"error": {"message": message + extra, "type": "test_error", "code": status}}
        self._send(status, json.dumps(body).encode(), headers)

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            s = self.server_state
            payload = {
                "object": "list",
                "data": [{"id": s.model, "object": "model", "owned_by": "test"}],
            }
            self._send(200, json.dumps(payload).encode())
        else:
            self._error(404, f"no route {self.path}")

    def do_POST(self) -> None:
        s = self.server_state
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._error(404, f"no route {self.path}")
            return
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            self._error(400, "request body is not JSON")
            return
        body["_headers"] = {k.lower(): v for k, v in self.headers.items()}
        s._enter(body)
        try:
            if s.latency:
                time.sleep(s.latency)
            self._answer(s, body, s._next_action(body))
        finally:
            s._leave()

    def _answer(self, s: OpenAIServer, body: dict[str, Any], action: Action) -> None:
        if action == "429":
            self._error(429, "rate limited", {"Retry-After": str(s.retry_after)})
        elif action in ("400", "401", "404", "500", "503"):
            self._error(int(action), f"scripted {action}")
        elif action == "timeout":
            time.sleep(s.hang)
            self._send(200, json.dumps(self._completion(s, body)).encode())
        elif action == "malformed":
            self._send(200, b'{"id": "x", "choices": [ this is not json')
        elif action == "no_choices":
            payload = self._completion(s, body)
            payload["choices"] = []
            self._send(200, json.dumps(payload).encode())
        elif action == "ok":
            self._send(200, json.dumps(self._completion(s, body)).encode())
        else:
            raise ValueError(f"unknown scripted action {action!r}")

    @staticmethod
    def _completion(s: OpenAIServer, body: dict[str, Any]) -> dict[str, Any]:
        text = s.responder(body)
        prompt_tokens = len(last_user_text(body).split()) + 85 * count_images(body)
        completion_tokens = len(text.split())
        return {
            "id": f"chatcmpl-{s.count}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", s.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                **({} if s.cached is None
                   else {"prompt_tokens_details": {"cached_tokens": s.cached(body)}}),
            },
        }


def main(argv: list[str] | None = None) -> None:
    """Stand-in for ``python -m vllm.entrypoints.openai.api_server``: takes its ``--host``,
    ``--port`` and ``--served-model-name`` (other vLLM flags are ignored), answers 404 to any
    other model name as vLLM does, and replies ``$OPENAI_SERVER_ANSWER`` if set, else the echo.
    Used by ``facebench serve --server-module tests.openai_server`` in tests."""
    import argparse
    import os

    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--served-model-name", default="fake-model")
    ap.add_argument("--latency-range", help="LO,HI: each reply waits a uniform LO..HI seconds (benchmarks)")
    ap.add_argument("--seed", type=int, default=0)
    args, _ = ap.parse_known_args(argv)
    answer = os.environ.get("OPENAI_SERVER_ANSWER")
    srv = OpenAIServer(model=args.served_model_name)
    if answer is not None:
        srv.responder = lambda body: answer
    if args.latency_range:
        import random

        lo, hi = (float(x) for x in args.latency_range.split(","))
        rng, reply = random.Random(args.seed), srv.responder

        def varying(body: dict[str, Any]) -> str:
            time.sleep(rng.uniform(lo, hi))
            return reply(body)

        srv.responder = varying
    srv.rule = lambda body: None if body.get("model") == srv.model else "404"
    srv.start(args.host, args.port)
    print(f"listening on {srv.base_url} (Ctrl-C to stop)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()


if __name__ == "__main__":  # python -m tests.openai_server [--port N] [--served-model-name M]
    main()
