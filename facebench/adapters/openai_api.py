"""``openai``: any OpenAI-compatible chat endpoint (OpenAI, Gemini's compatible endpoint,
a ``vllm serve`` or SGLang server), through the official ``openai`` client.

Images travel as base64 data URLs (local files never need to be reachable by the provider);
a video travels as ``num_frames`` uniformly sampled JPEG frames, because the chat API has no
portable video part. ``concurrency`` requests are kept in flight at all times by one client
on one event loop (a new request starts as soon as any finishes, so one slow answer never
holds up the rest), each answer is handed to the engine the moment it arrives, and failures are
retried here, not by the client, so the policy is explicit and testable: 429, 408/409, 5xx,
timeouts, connection errors and unreadable replies are retried with exponential backoff and
jitter, waiting at least what ``Retry-After`` asks; anything else fails at once. A request
that still fails becomes an error row, never an answer.

The API key is read from the environment variable *named* in the card (``api_key_env``) at
call time. It is never stored in the settings, so it cannot reach a fingerprint, a manifest
or a log line, and it is scrubbed from every error message we keep.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import email.utils
import itertools
import logging
import os
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import openai
from openai.types.chat import ChatCompletion
from pydantic import Field

from facebench.adapters.base import Adapter, AdapterSettings, Emit
from facebench.media import data_url, sample_frames
from facebench.errors import ConfigError
from facebench.types import Request, Response

log = logging.getLogger(__name__)

RETRY_STATUS = {408, 409, 429}


class OpenAISettings(AdapterSettings):
    #: the model name the endpoint expects (e.g. gpt-4o-mini, gemini-1.5-flash, a served path)
    model: str
    #: None means the client default (api.openai.com)
    base_url: str | None = None
    #: NAME of the environment variable holding the key; None for keyless local servers
    api_key_env: str | None = "OPENAI_API_KEY"
    concurrency: int = Field(default=8, gt=0)
    max_retries: int = Field(default=6, ge=0)
    #: seconds per HTTP attempt
    timeout: float = Field(default=120.0, gt=0)
    #: first backoff delay in seconds; doubles each retry, capped at ``max_backoff``
    backoff: float = Field(default=1.0, ge=0)
    max_backoff: float = Field(default=60.0, ge=0)
    #: OpenAI's newer models take ``max_completion_tokens``; most others ``max_tokens``
    max_tokens_param: Literal["max_tokens", "max_completion_tokens"] = "max_tokens"
    #: ``detail`` of image parts ("low" is cheap on OpenAI); None sends no detail field
    image_detail: Literal["low", "high", "auto"] | None = None
    seed: int | None = None
    #: provider-specific fields merged into the request body
    extra_body: dict[str, Any] = Field(default_factory=dict)
    batch_size: int = Field(default=32, gt=0)
    #: the endpoint says *where* the model is served, not *what* answers: moving a server to
    #: another host or port keeps every cached answer. Set true when the URL itself selects
    #: the model (two providers serving different models under one name).
    base_url_identifies_model: bool = False


class RetryableReply(Exception):
    """A 200 reply we cannot use (no choices, no text); worth another attempt."""


class OpenAIAdapter(Adapter):
    """Any OpenAI-compatible chat endpoint (OpenAI, Gemini, a vLLM or SGLang server), streamed."""

    name = "openai"
    Settings = OpenAISettings
    accepts_video = True

    def fingerprint_settings(self) -> dict[str, Any]:
        """Answers depend on model, endpoint and decoding, not on retry or backoff policy."""
        ignored = {"backoff", "max_backoff", "base_url_identifies_model"}
        if not self.settings.base_url_identifies_model:  # type: ignore[attr-defined]
            ignored.add("base_url")
        return {k: v for k, v in super().fingerprint_settings().items() if k not in ignored}

    # -- key handling ----------------------------------------------------------------------

    def _api_key(self) -> str:
        env = self.settings.api_key_env  # type: ignore[attr-defined]
        if env is None:
            return "EMPTY"  # local servers ignore the key, but the client requires one
        key = os.environ.get(env)
        if not key:
            raise ConfigError(
                f"model {self.settings.model!r}: environment variable {env} is not set "  # type: ignore[attr-defined]
                f"(api_key_env in the model card names the variable holding the API key)"
            )
        return key

    # -- message building ------------------------------------------------------------------

    def _image_part(self, url: str) -> dict[str, Any]:
        image_url: dict[str, Any] = {"url": url}
        if self.settings.image_detail:  # type: ignore[attr-defined]
            image_url["detail"] = self.settings.image_detail  # type: ignore[attr-defined]
        return {"type": "image_url", "image_url": image_url}

    def build_messages(self, request: Request) -> list[dict[str, Any]]:
        """OpenAI chat messages; media parts become base64 data URLs (video: sampled frames)."""
        messages: list[dict[str, Any]] = []
        for m in request.messages:
            if m.role != "user" or all(p.type == "text" for p in m.content):
                messages.append({"role": m.role, "content": m.text()})
                continue
            parts: list[dict[str, Any]] = []
            for p in m.content:
                if p.type == "text":
                    parts.append({"type": "text", "text": p.value})
                elif p.type == "image":
                    parts.append(self._image_part(data_url(p.value)))
                else:
                    frames = sample_frames(p.value, request.generation.num_frames)
                    parts.extend(self._image_part(data_url(f)) for f in frames)
            messages.append({"role": m.role, "content": parts})
        return messages

    def _params(self, request: Request) -> dict[str, Any]:
        s: OpenAISettings = self.settings  # type: ignore[assignment]
        g = request.generation
        params: dict[str, Any] = {
            "model": s.model,
            "temperature": g.temperature,
            s.max_tokens_param: g.max_new_tokens,
        }
        if g.top_p < 1.0:
            params["top_p"] = g.top_p
        if s.seed is not None:
            params["seed"] = s.seed
        if s.extra_body:
            params["extra_body"] = s.extra_body
        return params

    def to_response(self, reply: Any) -> Response:
        """Turn a chat completion into a Response. A hook: the judge subclass overrides it to
        keep the reply's ``model`` field (the exact model version that answered). Raising
        :class:`RetryableReply` here retries the request like a transient HTTP error."""
        return _to_response(reply)

    # -- one request -----------------------------------------------------------------------

    def _delay(self, attempt: int, exc: BaseException) -> float:
        """Exponential backoff with jitter; never shorter than the server's Retry-After."""
        s: OpenAISettings = self.settings  # type: ignore[assignment]
        base = min(s.max_backoff, s.backoff * (2**attempt))
        delay = base / 2 + random.uniform(0, base / 2)
        asked = retry_after_seconds(exc)
        if asked is not None:
            delay = max(delay, min(asked, s.max_backoff) * random.uniform(1.0, 1.1))
        return delay

    async def _one(self, client: openai.AsyncOpenAI, request: Request, key: str) -> Response:
        try:
            messages = await asyncio.to_thread(self.build_messages, request)
        except Exception as exc:  # noqa: BLE001 - one request's failure of any kind becomes its error row
            return Response(error=_scrub(f"{request.key}: {type(exc).__name__}: {exc}", key))
        params = self._params(request)
        extra = params.pop("extra_body", None) or {}
        # the body as chat.completions.create would send it, posted directly: the SDK's
        # per-request walk of the typed-dict params (which changes nothing in these bodies) was
        # half of the client's CPU time per request at high concurrency
        body = {"messages": messages, **params, **extra}
        retries = self.settings.max_retries  # type: ignore[attr-defined]
        for attempt in range(retries + 1):
            try:
                reply = await client.post("/chat/completions", body=body, cast_to=ChatCompletion)
                return self.to_response(reply)
            except Exception as exc:  # noqa: BLE001 - one request's failure of any kind becomes its error row
                cause = _describe(exc)
                if not _retryable(exc) or attempt == retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    return Response(error=_scrub(f"{request.key}: {cause}{tries}", key))
                delay = self._delay(attempt, exc)
                log.warning(
                    "%s: %s; retry %d/%d in %.2fs",
                    request.key,
                    _scrub(cause, key),
                    attempt + 1,
                    retries,
                    delay,
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop always returns

    def _client(self, key: str) -> openai.AsyncOpenAI:
        s: OpenAISettings = self.settings  # type: ignore[assignment]
        return openai.AsyncOpenAI(api_key=key, base_url=s.base_url, timeout=s.timeout, max_retries=0)

    async def _stream(self, requests: Iterable[tuple[Any, Request]], emit: Emit) -> None:
        """Keep ``concurrency`` requests in flight; emit each answer as it completes.

        The request iterator is pulled in a worker thread (the engine checks media files as it
        yields), so disk reads never stall the replies that are arriving meanwhile.
        """
        window = self.settings.concurrency  # type: ignore[attr-defined]
        source: Iterator[tuple[Any, Request]] = iter(requests)
        first = await asyncio.to_thread(next, source, None)
        if first is None:
            return  # nothing to ask (a fully cached rerun needs no key and no connection)
        source = itertools.chain([first], source)
        key = self._api_key()
        pending: dict[asyncio.Task[Response], Any] = {}
        exhausted = False
        client = self._client(key)
        try:
            while True:
                while not exhausted and len(pending) < window:
                    pair = await asyncio.to_thread(next, source, None)
                    if pair is None:
                        exhausted = True
                        break
                    handle, request = pair
                    pending[asyncio.create_task(self._one(client, request, key))] = handle
                if not pending:
                    return
                done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    emit(pending.pop(task), task.result())
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            await client.close()

    def generate_each(self, requests: Iterable[tuple[Any, Request]], emit: Emit) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._stream(requests, emit))
            return
        # Called from inside an event loop (a notebook): run ours in a worker thread.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, self._stream(requests, emit)).result()

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        """All answers in order (the judge and other batch callers); streams underneath."""
        if not requests:
            return []
        answers: list[Response | None] = [None] * len(requests)

        def keep(index: int, response: Response) -> None:
            answers[index] = response

        self.generate_each(enumerate(requests), keep)
        return [a if a is not None else Response(error="no answer") for a in answers]


# -- helpers -------------------------------------------------------------------------------


def _to_response(reply: Any) -> Response:
    if not getattr(reply, "choices", None):
        raise RetryableReply("reply has no choices")
    choice = reply.choices[0]
    text = choice.message.content if choice.message is not None else None
    if text is None:
        reason = getattr(choice, "finish_reason", None)
        if reason in ("content_filter", "length"):
            # Deterministic outcomes: retrying the same request gives the same refusal.
            return Response(error=f"no answer text (finish_reason={reason})")
        raise RetryableReply(f"reply has no text (finish_reason={reason})")
    usage = getattr(reply, "usage", None)
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None)
    return Response(
        text=text,
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        cached_tokens=cached if isinstance(cached, int) else None,
    )


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError, RetryableReply)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRY_STATUS or exc.status_code >= 500
    # A 200 whose body is not JSON (a proxy's HTML page, a truncated reply): transient.
    return isinstance(exc, ValueError)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {exc.message}"
    if isinstance(exc, openai.APITimeoutError):
        return "timeout"
    if isinstance(exc, ValueError) and not isinstance(exc, RetryableReply):
        return f"malformed reply ({type(exc).__name__}: {exc})"
    return f"{type(exc).__name__}: {exc}"


def retry_after_seconds(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, ``Retry-After`` seconds or date)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _scrub(text: str, key: str) -> str:
    """Remove the API key from a message (a server or proxy may echo it back); cap length."""
    if key and key != "EMPTY" and len(key) >= 4:
        text = text.replace(key, "***")
    # Error bodies can echo the whole request (base64 images): keep the row readable.
    return text if len(text) <= 1000 else text[:1000] + "... (truncated)"
