"""``items.jsonl`` as the later stages read it: streamed from disk, never all held at once.

A 331,000-question CelebA run has 331,000 request dicts; holding them (and a second copy as
predictions) is what made memory grow by ~8 KiB per question. The prepare stage writes each
item as it is built and keeps only the fingerprints, in order; the infer and score stages read
the file again, line by line. Every item line starts ``{"fp":"<24 hex>"`` (the writer puts the
fingerprint first), so picking the lines a stage needs reads 24 bytes of each line instead of
parsing it; a line in another shape (a hand-edited file) is parsed.

The score stage reads a few fields of each item, and no more (:func:`scoring_items`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from facebench.engine.store import read_jsonl, write_jsonl

_HEAD = b'{"fp":"'
_FP_END = len(_HEAD) + 24


def _line_fp(line: bytes) -> str | None:
    if line.startswith(_HEAD) and line[_FP_END : _FP_END + 1] == b'"':
        return line[len(_HEAD) : _FP_END].decode("ascii")
    return None


@dataclass
class PreparedItems:
    """The items of a prepared run: the file, and each item's fingerprint in file order."""

    path: Path
    fps: list[str]

    def __len__(self) -> int:
        return len(self.fps)

    def rows(self, only: set[str] | None = None) -> Iterator[dict[str, Any]]:
        """Item dicts in file order; with ``only``, just the items whose fingerprint is in it."""
        if only is None:
            yield from read_jsonl(self.path)
            return

        def wanted(line: bytes) -> bool:
            fp = _line_fp(line)
            return fp is None or fp in only  # a line of another shape is parsed to see

        for row in read_jsonl(self.path, wanted) if only else ():
            if row.get("fp") in only:
                yield row

    @staticmethod
    def scan(path: Path) -> PreparedItems:
        """The fingerprints of an existing ``items.jsonl``, read from each line's head."""
        fps = []
        with path.open("rb") as fh:
            for line in fh:
                fp = _line_fp(line)
                if fp is None and line.strip():
                    try:
                        fp = orjson.loads(line).get("fp")
                    except orjson.JSONDecodeError:
                        fp = None
                if fp:
                    fps.append(fp)
        return PreparedItems(path, fps)

    @staticmethod
    def write(path: Path, items: Iterable[dict[str, Any]]) -> PreparedItems:
        """Stream ``items`` (each with ``fp`` as its first key) to ``path`` atomically."""
        fps: list[str] = []

        def counted() -> Iterator[dict[str, Any]]:
            for item in items:
                fps.append(item["fp"])
                yield item

        write_jsonl(path, counted())
        return PreparedItems(path, fps)


#: What scoring reads of one item: ``(fp, id, sample_id, target, request meta, meta, parse
#: key)``. The target has JSON's lists back as tuples; ``meta`` is the prediction's (the
#: request's meta, then the sample's); the parse key is ``(style, options)``, what a read of
#: an answer depends on besides its text. Both metas may be shared between items: never
#: write to them.
ScoringItem = tuple[str, str, str, Any, dict[str, Any], dict[str, Any], tuple[Any, Any]]

_SAMPLE_META = b',"sample_meta":'
_REQUEST = b',"request":'
_REQUEST_META = b',"meta":'
_SAMPLE_META_LEN, _REQUEST_META_LEN = len(_SAMPLE_META), len(_REQUEST_META)
#: distinct (sample meta, request meta) texts remembered; the memo is emptied when full, so
#: tasks whose every item has its own meta (shuffled options) do not hold them all
_MEMO_SIZE = 65536


def scoring_items(path: Path) -> Iterator[ScoringItem]:
    """The items of ``items.jsonl`` as the score stage reads them (:data:`ScoringItem`), in order.

    Scoring never reads a request's messages, most of an item's ~700 bytes, and the two metas
    repeat across items (CelebA: 40 attributes x a few sample groups). So a line as the prepare
    stage writes it (keys ``fp, id, sample_id, target, sample_meta, request``, the request's
    ``meta`` last) is cut at those keys: the head is decoded, and each distinct pair of meta
    texts once. Every piece must decode to exactly one JSON value, which it does not when a cut
    falls inside a nested value or the keys are in another order (a hand-edited line): that
    line is decoded whole, as before. A truncated line is skipped with a warning
    (:func:`read_jsonl`).
    """
    return read_jsonl(path, decode=_scoring_decoder())


def _scoring_decoder() -> Callable[[bytes], ScoringItem]:
    """A line -> :data:`ScoringItem` function, with its own memo of the metas it has seen."""
    memo: dict[tuple[bytes, bytes], tuple[dict[str, Any], dict[str, Any], tuple[Any, Any]]] = {}
    shared: dict[tuple[Any, ...], dict[str, Any]] = {}
    loads = orjson.loads

    def decode(line: bytes) -> ScoringItem:
        i = line.find(_SAMPLE_META)
        k = line.find(_REQUEST, i)
        j = line.rfind(_REQUEST_META)
        end = len(line) - 3 if line.endswith(b"}}\n") else len(line.rstrip()) - 2
        if 0 < i < k < j and line[end : end + 2] == b"}}":
            texts = (line[i + _SAMPLE_META_LEN : k], line[j + _REQUEST_META_LEN : end])
            try:
                head = loads(line[:i] + b"}")
                entry = memo.get(texts)
                if entry is None:
                    entry = _metas(loads(texts[0]), loads(texts[1]))
                    if len(memo) >= _MEMO_SIZE:
                        memo.clear()
                    memo[texts] = entry
                if len(head) == 4:
                    target = head["target"]
                    if type(target) is list:  # restore(), inline: once per item
                        target = tuple(target)
                    return (head["fp"], head["id"], head["sample_id"], target, *entry)
            except (orjson.JSONDecodeError, KeyError, TypeError):
                pass  # not cut where the keys are: decode the whole line
        return _from_row(loads(line), shared)

    return decode


def _metas(sample_meta: Any, request_meta: Any) -> tuple[dict[str, Any], dict[str, Any], tuple[Any, Any]]:
    """(request meta, prediction meta, parse key) of an item; TypeError for a meta that is not
    an object (the whole line is then decoded, and fails as it always did)."""
    if type(sample_meta) is not dict or type(request_meta) is not dict:
        raise TypeError("an item meta is not a JSON object")
    return request_meta, {**request_meta, **sample_meta}, parse_key(request_meta)


def _from_row(row: dict[str, Any], shared: dict[tuple[Any, ...], dict[str, Any]]) -> ScoringItem:
    """A :data:`ScoringItem` from a whole decoded item."""
    request_meta = row["request"]["meta"]
    meta = shared_meta({**request_meta, **row.get("sample_meta", {})}, shared)
    return (row["fp"], row["id"], row["sample_id"], restore(row["target"]), request_meta, meta,
            parse_key(request_meta))


def parse_key(request_meta: dict[str, Any]) -> tuple[Any, Any]:
    """(style, options): what a read of an answer depends on besides its text."""
    options = request_meta.get("options")
    return request_meta.get("style"), tuple(options) if options is not None else None


def restore(value: Any) -> Any:
    """JSON turns tuples into lists; targets compare with parser output (tuples)."""
    return tuple(value) if isinstance(value, list) else value


def shared_meta(meta: dict[str, Any], table: dict[tuple[Any, ...], dict[str, Any]]) -> dict[str, Any]:
    """One dict object for equal metas (CelebA: 40 attributes x a few sample groups), so a
    run's predictions do not hold 331,000 copies; metas with dicts inside are kept as they are.
    Nothing writes to a prediction's meta after scoring. Value types are part of the key
    (True == 1 == 1.0 as dict keys, and a meta must come back as it was)."""
    key = tuple((k, type(v), tuple(v) if type(v) is list else v) for k, v in meta.items())
    try:
        shared = table.get(key)
    except TypeError:  # a dict, a list of lists
        return meta
    if shared is None:
        if len(table) >= _MEMO_SIZE:
            table.clear()
        shared = table[key] = meta
    return shared
