"""The LLM judge: the OpenAI-compatible model adapter, bound to the judge role.

A judge is not a second HTTP client. It *is* :class:`~facebench.adapters.openai_api.OpenAIAdapter`
(same client, same retry/backoff/``Retry-After`` policy, same asyncio concurrency limit, same
key handling), built from an ordinary model card (``model_adapters/judge-*.yaml``). What the role
adds:

- version pinning: ``gpt-4o-mini`` is requested as ``gpt-4o-mini-2024-07-18`` (alias map in
  ``judge_models.yaml``), and the ``model`` field of every reply is recorded;
- a health check before the first paid call (key present, endpoint answers) that raises: a judge
  that cannot be reached stops the command, it never silently yields no ratings;
- a disk cache of judge calls keyed by (judge model + endpoint settings, rubric version, prompt
  hash, repeat index, attempt), reusing the engine's append-only :class:`ResponseCache`, so a
  rerun costs nothing and an interrupted run loses at most one chunk;
- token and cost accounting from a price table.

Nothing is built at import time: a Judge exists only inside the ``judge`` command.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from facebench.adapters.openai_api import OpenAIAdapter, OpenAISettings
from facebench.adapters.registry import ModelCard, load_card
from facebench.engine.store import ResponseCache
from facebench.errors import ConfigError, FacebenchError
from facebench.types import GenerationSettings, Message, Part, Request, Response

CATALOG_FILE = Path(__file__).with_name("judge_models.yaml")


@dataclass(frozen=True)
class JudgeResponse(Response):
    """A Response that also carries the reply's ``model`` field (the exact judge version)."""

    model: str | None = None


class JudgeAdapter(OpenAIAdapter):
    """The OpenAI-compatible adapter, keeping the model version each reply reports."""

    name = "openai-judge"

    def to_response(self, reply: Any) -> Response:
        base = super().to_response(reply)
        return JudgeResponse(
            text=base.text,
            prompt_tokens=base.prompt_tokens,
            completion_tokens=base.completion_tokens,
            error=base.error,
            model=getattr(reply, "model", None),
        )


# -- catalog: version pins and prices ------------------------------------------------------------


@dataclass(frozen=True)
class Catalog:
    aliases: dict[str, str] = field(default_factory=dict)
    #: model version -> {"input": USD per 1M prompt tokens, "output": USD per 1M completion tokens}
    prices: dict[str, dict[str, float]] = field(default_factory=dict)

    def pin(self, model: str) -> str:
        return self.aliases.get(model, model)

    def price(self, model: str | None) -> dict[str, float] | None:
        if model is None:
            return None
        return self.prices.get(model) or self.prices.get(self.pin(model))

    def cost(self, model: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
        """USD for one call; None when the model has no price (unknown is not free)."""
        p = self.price(model)
        if p is None:
            return None
        return (prompt_tokens * p["input"] + completion_tokens * p["output"]) / 1e6


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Catalog(aliases=dict(raw.get("aliases") or {}), prices=dict(raw.get("prices") or {}))


# -- one judge call ------------------------------------------------------------------------------


@dataclass(frozen=True)
class JudgeCall:
    """One question to the judge: a rendered rubric (+ media) for one item, repeat and attempt."""

    key: str
    rubric: str
    text: str
    media: tuple[Part, ...] = ()
    repeat: int = 0
    attempt: int = 0
    temperature: float = 0.0
    max_tokens: int = 256
    num_frames: int = 8

    def to_request(self, task: str = "judge") -> Request:
        content = (*self.media, Part.text(self.text))
        return Request(
            task=task,
            key=f"{self.key}#r{self.repeat}a{self.attempt}",
            sample_id=self.key,
            messages=(Message("user", content),),
            generation=GenerationSettings(
                max_new_tokens=self.max_tokens,
                temperature=self.temperature,
                num_frames=self.num_frames,
            ),
        )

    def prompt_hash(self) -> str:
        payload = json.dumps(
            {
                "text": self.text,
                "media": [[p.type, p.value] for p in self.media],
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
                "num_frames": self.num_frames,
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:24]


Progress = Callable[[int, int], None]


class Judge:
    """A judge model: adapter + role. Build with :meth:`from_card`."""

    def __init__(self, card: ModelCard, overrides: dict[str, Any] | None = None,
                 catalog: Catalog | None = None) -> None:
        if card.adapter != "openai":
            raise ConfigError(
                f"judge card {card.name!r} uses adapter {card.adapter!r}; a judge must use the "
                "'openai' adapter (any OpenAI-compatible endpoint: OpenAI, Gemini, vLLM)"
            )
        self.card = card
        self.catalog = catalog or load_catalog()
        settings = {**card.settings, **(overrides or {})}
        try:
            validated = OpenAISettings.model_validate(settings)
        except Exception as exc:  # pydantic ValidationError: name the card
            raise ConfigError(f"judge card {card.name!r}: {exc}") from exc
        self.alias = validated.model
        validated = validated.model_copy(update={"model": self.catalog.pin(validated.model)})
        self.adapter = JudgeAdapter(validated)
        self.settings: OpenAISettings = self.adapter.settings  # type: ignore[assignment]
        self.new_calls = 0
        self._checked = False

    @classmethod
    def from_card(cls, spec: str, overrides: dict[str, Any] | None = None) -> Judge:
        return cls(load_card(spec), overrides)

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def model(self) -> str:
        """The model version requested (after pinning)."""
        return self.settings.model

    def describe(self) -> dict[str, Any]:
        """What goes into every result: never the key, only the name of its variable."""
        return {
            "card": self.card.name,
            "requested_model": self.model,
            "alias": self.alias if self.alias != self.model else None,
            "base_url": self.settings.base_url,
            "api_key_env": self.settings.api_key_env,
            "adapter_fingerprint": self.adapter.fingerprint(),
        }

    def fingerprint(self, call: JudgeCall) -> str:
        """Cache key: judge model + endpoint settings, rubric version, prompt hash, repeat, attempt."""
        payload = json.dumps(
            [self.adapter.fingerprint(), self.model, call.rubric, call.prompt_hash(),
             call.key, call.repeat, call.attempt]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:24]

    # -- health ----------------------------------------------------------------------------

    def health_check(self) -> str | None:
        """Fail loudly unless the key is set and the endpoint answers one tiny chat request.

        Uses the adapter itself (one retry, short timeout), so it tests exactly the path the
        ratings will take. Returns the model version the endpoint reports.
        """
        env = self.settings.api_key_env
        if env and not os.environ.get(env):
            raise ConfigError(
                f"judge {self.name!r}: environment variable {env} is not set "
                f"(the card's api_key_env names the variable holding the API key)"
            )
        probe = JudgeAdapter(self.settings, max_retries=1, timeout=min(self.settings.timeout, 30.0))
        request = JudgeCall(key="health-check", rubric="health", text="Reply with the word OK.",
                            max_tokens=5).to_request()
        (reply,) = probe.generate([request])
        if reply.error is not None:
            where = self.settings.base_url or "https://api.openai.com/v1"
            raise FacebenchError(
                f"judge {self.name!r} ({self.model} at {where}) failed its health check: "
                f"{reply.error}. Nothing was rated."
            )
        self._checked = True
        return getattr(reply, "model", None)

    # -- calls -----------------------------------------------------------------------------

    def ask(self, calls: Sequence[JudgeCall], cache: ResponseCache,
            progress: Progress | None = None) -> list[dict[str, Any]]:
        """The cached row of every call, asking the judge only for calls not yet cached.

        Uncached calls stream out with ``concurrency`` in flight, each saved to the cache the
        moment its reply is back. The health check runs before the first
        uncached call, and never when everything is cached.
        """
        fps = [self.fingerprint(c) for c in calls]
        todo: dict[str, JudgeCall] = {}
        for fp, call in zip(fps, calls):
            if fp not in cache and fp not in todo:
                todo[fp] = call
        if todo and not self._checked:
            self.health_check()
        pending = list(todo.items())
        done = 0

        def save(pair: tuple[str, JudgeCall], reply: Response) -> None:
            nonlocal done
            fp, call = pair
            cache.add(self._row(fp, call, reply))
            self.new_calls += 1
            done += 1
            if progress:
                progress(done, len(pending))

        try:
            self.adapter.generate_each(((pair, pair[1].to_request()) for pair in pending), save)
        finally:
            cache.close()
        rows = []
        for fp, call in zip(fps, calls):
            row = cache.get(fp)
            rows.append(row if row is not None else self._row(fp, call, Response(error="not asked")))
        return rows

    def _row(self, fp: str, call: JudgeCall, reply: Response) -> dict[str, Any]:
        return {
            "fp": fp,
            "key": call.key,
            "repeat": call.repeat,
            "attempt": call.attempt,
            "rubric": call.rubric,
            "temperature": call.temperature,
            "requested_model": self.model,
            "model": getattr(reply, "model", None),
            "response": reply.text,
            "error": reply.error,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "time": time.time(),
        }

    # -- accounting ------------------------------------------------------------------------

    def usage(self, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Tokens and USD of the judge calls behind a result (cached or new)."""
        prompt = sum(r.get("prompt_tokens") or 0 for r in rows)
        completion = sum(r.get("completion_tokens") or 0 for r in rows)
        cost: float | None = 0.0
        for r in rows:
            c = self.catalog.cost(r.get("model") or r.get("requested_model"),
                                  r.get("prompt_tokens") or 0, r.get("completion_tokens") or 0)
            cost = None if c is None or cost is None else cost + c
        return {"calls": len(rows), "prompt_tokens": prompt, "completion_tokens": completion,
                "cost_usd": None if cost is None else round(cost, 6),
                "price_known": cost is not None}


def models_seen(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Distinct judge versions that answered (the reply's ``model`` field)."""
    return sorted({r["model"] for r in rows if r.get("model")})


# -- retry loop shared by both uses --------------------------------------------------------------


@dataclass
class Outcome:
    """Where asking one unit ended: a parsed value (and the parse rule), or none, plus every
    attempt's row (raw text, model, tokens) for the record."""

    value: Any = None
    rule: str | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @property
    def attempts(self) -> int:
        return len(self.rows)


def ask_until_parsed(
    judge: Judge,
    cache: ResponseCache,
    units: Sequence[Any],
    make_call: Callable[[Any, int], JudgeCall],
    parse: Callable[[str], tuple[Any, str] | None],
    max_attempts: int,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Ask every unit, re-asking (attempt 1, 2, ...) only the units whose reply did not parse.

    A transport error that survived the adapter's own retries ends that unit (``error``); it is
    not cached, so the next run asks again. At most ``max_attempts`` rounds: bounded by design.
    """
    outcomes = [Outcome() for _ in units]
    open_idx = list(range(len(units)))
    for attempt in range(max_attempts):
        if not open_idx:
            break
        calls = [make_call(units[i], attempt) for i in open_idx]
        rows = judge.ask(calls, cache, progress)
        still_open = []
        for i, row in zip(open_idx, rows):
            outcomes[i].rows.append(row)
            if row.get("error"):
                outcomes[i].error = row["error"]
                continue
            parsed = parse(row.get("response") or "")
            if parsed is None:
                still_open.append(i)
            else:
                outcomes[i].value, outcomes[i].rule = parsed
        open_idx = still_open
    return outcomes
