"""Core data types shared by the engine, tasks, parsers and adapters.

Everything here is a plain dataclass that serialises to JSON, because every stage of a run
writes its output to disk (responses, predictions, metrics) and any stage can be re-run alone
from those files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

PartType = Literal["text", "image", "video"]


@dataclass(frozen=True)
class Sample:
    """One unit of a dataset, as the dataset itself names it.

    ``id`` is stable across runs and machines (e.g. the RAF-DB file stem), so cached responses
    and replayed outputs can be matched to it. ``target`` is the label in the task's own terms
    (a class name, a number, a set of AU codes, a dict of attributes). ``meta`` holds protocol
    facts such as the fold or the subject, used to group metrics.
    """

    id: str
    media: tuple[str, ...]
    target: Any
    meta: dict[str, Any] = field(default_factory=dict)
    #: "image" or "video": how ``media`` should be shown to the model.
    modality: Literal["image", "video"] = "image"


@dataclass(frozen=True)
class Part:
    """A typed piece of a chat message: text, an image file or a video file/frame folder."""

    type: PartType
    value: str

    @staticmethod
    def text(value: str) -> Part:
        return Part("text", value)

    @staticmethod
    def image(path: str | Path) -> Part:
        return Part("image", str(path))

    @staticmethod
    def video(path: str | Path) -> Part:
        return Part("video", str(path))


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: tuple[Part, ...]

    def text(self) -> str:
        return "\n".join(p.value for p in self.content if p.type == "text")


@dataclass(frozen=True)
class GenerationSettings:
    """What the task asks of the model's decoding. Greedy unless the task says otherwise."""

    max_new_tokens: int = 64
    temperature: float = 0.0
    top_p: float = 1.0
    #: number of video frames sampled uniformly for adapters that take frames
    num_frames: int = 8

    def to_dict(self) -> dict[str, Any]:
        # by hand, not dataclasses.asdict: called for every request of a run (asdict's recursive
        # deep copy was a tenth of preparing a 331,000-question run); same keys, same order
        return {"max_new_tokens": self.max_new_tokens, "temperature": self.temperature,
                "top_p": self.top_p, "num_frames": self.num_frames}


@dataclass(frozen=True)
class Request:
    """What an adapter receives: chat messages plus decoding settings.

    ``key`` identifies the request inside its task (sample id, plus ``/item`` when one sample
    asks several questions, e.g. one per CelebA attribute). ``choices`` is the answer space the
    random adapter draws from; ``meta`` carries per-request facts the parser needs later (e.g.
    the shuffled option order), and is stored with the response.
    """

    task: str
    key: str
    sample_id: str
    messages: tuple[Message, ...]
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    choices: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The text shown to the model (all text parts of all user messages)."""
        return "\n".join(m.text() for m in self.messages if m.role != "assistant")

    @property
    def media(self) -> list[str]:
        return [p.value for m in self.messages for p in m.content if p.type != "text"]

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Request:
        """Inverse of :meth:`to_dict` (the engine re-reads requests from ``items.jsonl``)."""
        return Request(
            task=d["task"],
            key=d["id"],
            sample_id=d["sample_id"],
            messages=tuple(
                Message(m["role"], tuple(Part(p["type"], p["value"]) for p in m["content"]))
                for m in d["messages"]
            ),
            generation=GenerationSettings(**d.get("generation", {})),
            choices=tuple(d.get("choices", ())),
            meta=dict(d.get("meta", {})),
        )

    def to_dict(self, derived: bool = True) -> dict[str, Any]:
        """JSON form; ``derived=False`` leaves out ``prompt`` and ``media``, which repeat what
        ``messages`` holds (the engine's own files skip them; exports keep them for users)."""
        row: dict[str, Any] = {"task": self.task, "id": self.key, "sample_id": self.sample_id}
        if derived:
            row["prompt"] = self.prompt
            row["media"] = self.media
        # filled in place, not merged from a second dict: once per request of a run
        row["messages"] = [
            {"role": m.role, "content": [{"type": p.type, "value": p.value} for p in m.content]}
            for m in self.messages
        ]
        row["generation"] = self.generation.to_dict()
        row["choices"] = list(self.choices)
        row["meta"] = self.meta
        return row


@dataclass(frozen=True)
class Response:
    """An adapter's answer to one request. ``error`` is set (and ``text`` empty) on failure."""

    text: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None
    #: prompt tokens the server's prefix cache served (vLLM ``num_cached_tokens``, OpenAI
    #: ``usage.prompt_tokens_details.cached_tokens``); None where the backend does not say
    cached_tokens: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


UNPARSEABLE = "unparseable"
#: the rule of an answer that is not an answer ("I don't know", "the image is too dark", "I
#: can't help with that"): unparsed like any invalid answer, counted apart as a refusal
REFUSAL = "refusal"


@dataclass(frozen=True)
class ParseResult:
    """What a parser read from a free-text answer, and how.

    ``value`` is None exactly when nothing could be read; ``rule`` then says ``unparseable``
    (or why). A parse is never a guess: metrics count an unparsed answer as invalid.
    """

    value: Any
    rule: str

    @property
    def valid(self) -> bool:
        return self.value is not None

    @property
    def refused(self) -> bool:
        """True when the answer was a refusal (rule :data:`REFUSAL`); never a valid read."""
        return self.rule == REFUSAL

    @staticmethod
    def fail(reason: str = UNPARSEABLE) -> ParseResult:
        return ParseResult(None, reason)


@dataclass(slots=True)
class Prediction:
    """One row of ``predictions.jsonl``: a parsed, scored answer to one request.

    Slotted: a run's predictions are held for aggregation (331,000 for Face-MLLM's CelebA), and
    an instance dict per row was a third of their memory.
    """

    id: str
    sample_id: str
    response: str
    parsed: Any
    rule: str
    target: Any
    score: float | None
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.error is None and self.parsed is not None

    def to_dict(self) -> dict[str, Any]:
        # shallow on purpose: dataclasses.asdict deep-copies every meta dict, which dominated
        # re-scoring time (331,000 rows)
        return {
            "id": self.id,
            "sample_id": self.sample_id,
            "response": self.response,
            "parsed": self.parsed,
            "rule": self.rule,
            "target": self.target,
            "score": self.score,
            "error": self.error,
            "meta": self.meta,
        }
