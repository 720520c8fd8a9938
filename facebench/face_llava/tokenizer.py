"""Face-LLaVA's tokenizer as the official environment runs it, on the sentencepiece model itself.

The official code loads ``AutoTokenizer.from_pretrained(model_path, use_fast=False)``
(``facellava/model/builder.py``): the slow, sentencepiece-backed ``LlamaTokenizer`` of
transformers 4.31 (``transformers==4.31.0``, ``sentencepiece==0.1.99`` in its pyproject.toml).
transformers 5 has no slow tokenizer: it converts ``tokenizer.model`` into a ``tokenizers``
pipeline that encodes some text differently, notably a chunk that starts with a space, such
as the ``" "`` between two frame markers of a video prompt (4.31: ``sp.encode(" ")``, the
dummy-prefix ``▁`` plus the space's ``▁``; transformers 5: one ``▁``, or none). facebench
therefore tokenises prompts with :class:`OfficialTokenizer`, which reproduces 4.31's
``tokenizer(text).input_ids`` from the ``.model`` file:

- the text is split at special and added tokens (``<s>``, ``</s>``, ``<unk>``, ...), which
  become their ids; every other piece is ``SentencePieceProcessor.encode`` (dummy prefix
  included);
- ``legacy=False`` (from ``tokenizer_config.json``; 4.31's default is ``True``) changes only
  what follows a special token: ``text = "▁" + text.replace("▁", " ")`` first, and a piece
  after a special token loses the ``▁`` sentencepiece put before it;
- ``add_bos_token`` (default True) puts ``<s>`` first, ``add_eos_token`` (default False)
  ``</s>`` last.

``decode`` is 4.31's ``decode(ids, skip_special_tokens=True)``: the special ids dropped, the
rest ``SentencePieceProcessor.decode``-d as one sequence.

``convert`` keeps the checkpoint's ``tokenizer.model``, ``tokenizer_config.json`` and
``special_tokens_map.json`` in ``official_tokenizer/`` of the converted folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the converted folder's sub-folder holding the checkpoint's own tokenizer files
FOLDER = "official_tokenizer"
#: what ``convert`` copies there (the first is required)
FILES = ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json")
SPIECE_UNDERLINE = "\u2581"
SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token")
#: LlamaTokenizer's defaults, as ``AddedToken(lstrip=False, rstrip=False)``
DEFAULT_SPECIALS: dict[str, Any] = {
    "bos_token": {"content": "<s>"}, "eos_token": {"content": "</s>"},
    "unk_token": {"content": "<unk>"}, "pad_token": None,
}


@dataclass(frozen=True)
class _Encoding:
    input_ids: list[int]


@dataclass(frozen=True)
class _Split:
    """A token the text is split at. 4.31 strips whitespace around a plain added token and, for
    an ``AddedToken`` (every special token of LlamaTokenizer), only as ``lstrip``/``rstrip`` say."""

    content: str
    id: int
    lstrip: bool
    rstrip: bool


def _content(value: Any) -> tuple[str | None, bool, bool]:
    """``(content, lstrip, rstrip)`` of a special token as a config file gives it: an
    ``AddedToken`` dict keeps its flags; a plain string strips both sides (4.31, measured)."""
    if value is None:
        return None, False, False
    if isinstance(value, dict):
        return value.get("content"), bool(value.get("lstrip")), bool(value.get("rstrip"))
    return str(value), True, True


class OfficialTokenizer:
    """transformers 4.31's slow ``LlamaTokenizer`` (encode and decode), on sentencepiece."""

    def __init__(
        self,
        model_file: str | Path,
        *,
        legacy: bool = True,
        add_bos_token: bool = True,
        add_eos_token: bool = False,
        special_tokens: dict[str, Any] | None = None,
        added_tokens: dict[str, int] | None = None,
    ) -> None:
        import sentencepiece as spm

        self.model_file = str(model_file)
        self.sp = spm.SentencePieceProcessor(model_file=self.model_file)
        self.legacy = legacy
        self.add_bos_token = add_bos_token
        self.add_eos_token = add_eos_token
        specials = {**DEFAULT_SPECIALS, **(special_tokens or {})}
        splits: dict[str, _Split] = {}
        self.special_ids: set[int] = set()
        ids: dict[str, int | None] = {}
        for key in SPECIAL_KEYS:
            content, lstrip, rstrip = _content(specials.get(key))
            if content is None:
                ids[key] = None
                continue
            tid = (added_tokens or {}).get(content, self.sp.piece_to_id(content))
            ids[key] = tid
            self.special_ids.add(tid)
            splits[content] = _Split(content, tid, lstrip, rstrip)
        for content, tid in (added_tokens or {}).items():
            # a plain (non-AddedToken) added token: 4.31 strips the whitespace on both sides
            splits.setdefault(content, _Split(content, tid, True, True))
        self.bos_token_id = ids["bos_token"]
        self.eos_token_id = ids["eos_token"]
        self.unk_token_id = ids["unk_token"]
        self.pad_token_id = ids["pad_token"]
        self._splits = splits
        self._pattern = (
            re.compile("|".join(re.escape(s) for s in sorted(splits, key=len, reverse=True)))
            if splits else None
        )

    @classmethod
    def from_folder(cls, folder: str | Path) -> OfficialTokenizer:
        """From a checkpoint folder, or a converted one (its ``official_tokenizer/``)."""
        folder = Path(folder)
        if (folder / FOLDER / FILES[0]).is_file():
            folder = folder / FOLDER
        model = folder / FILES[0]
        if not model.is_file():
            raise FileNotFoundError(
                f"{folder}: no {FILES[0]} (a folder converted by an older facebench: run "
                "`facebench convert face-llava` again)"
            )

        def read(name: str) -> dict[str, Any]:
            p = folder / name
            return json.loads(p.read_text()) if p.is_file() else {}

        config, special_map, added = read(FILES[1]), read(FILES[2]), read(FILES[3])
        specials = {k: special_map[k] for k in SPECIAL_KEYS if k in special_map}
        # tokenizer_config.json wins over special_tokens_map.json (4.31's from_pretrained)
        specials.update({k: config[k] for k in SPECIAL_KEYS if k in config})
        return cls(
            model,
            legacy=bool(config.get("legacy", True)),
            add_bos_token=bool(config.get("add_bos_token", True)),
            add_eos_token=bool(config.get("add_eos_token", False)),
            special_tokens=specials,
            added_tokens={str(k): int(v) for k, v in added.items()},
        )

    # -- encode -----------------------------------------------------------------------------

    def _segments(self, text: str) -> list[tuple[str, _Split | None]]:
        """4.31's ``tokens_trie.split`` and the whitespace stripping around split tokens."""
        if self._pattern is None:
            return [(text, None)]
        parts: list[list[Any]] = []
        pos = 0
        for m in self._pattern.finditer(text):
            parts.append([text[pos : m.start()], None])
            parts.append([m.group(), self._splits[m.group()]])
            pos = m.end()
        parts.append([text[pos:], None])
        for i, (_, split) in enumerate(parts):
            if split is None:
                continue
            if split.rstrip and i + 1 < len(parts) and parts[i + 1][1] is None:
                parts[i + 1][0] = parts[i + 1][0].lstrip()
            if split.lstrip and i > 0 and parts[i - 1][1] is None:
                parts[i - 1][0] = parts[i - 1][0].rstrip()
        return [(s, split) for s, split in parts if s]

    def _tokenize(self, text: str) -> list[str]:
        """4.31's ``LlamaTokenizer._tokenize`` (a piece of text between split tokens)."""
        is_first = False
        if not self.legacy:
            is_first = text.startswith(SPIECE_UNDERLINE)
            if is_first:
                text = text[1:]
        pieces = self.sp.encode(text, out_type=str)
        if (not self.legacy and not is_first and not text.startswith(" ") and pieces
                and pieces[0].startswith(SPIECE_UNDERLINE)):
            pieces = ([pieces[0][1:]] if len(pieces[0]) > 1 else []) + pieces[1:]
        return pieces

    def encode(self, text: str) -> list[int]:
        """``tokenizer(text).input_ids`` of the official environment."""
        if not self.legacy:
            text = SPIECE_UNDERLINE + text.replace(SPIECE_UNDERLINE, " ")
        ids: list[int] = []
        for segment, split in self._segments(text):
            if split is not None:
                ids.append(split.id)
            else:
                ids.extend(self.sp.piece_to_id(p) for p in self._tokenize(segment))
        if self.add_bos_token and self.bos_token_id is not None:
            ids.insert(0, self.bos_token_id)
        if self.add_eos_token and self.eos_token_id is not None:
            ids.append(self.eos_token_id)
        return ids

    def __call__(self, text: str) -> _Encoding:
        return _Encoding(self.encode(text))

    # -- decode -----------------------------------------------------------------------------

    def decode(self, ids: Sequence[int]) -> str:
        """``tokenizer.decode(ids, skip_special_tokens=True)`` of the official environment
        (ids outside the sentencepiece vocabulary, e.g. ``<image>``, are dropped too)."""
        size = self.sp.get_piece_size()
        keep = [int(i) for i in ids if int(i) not in self.special_ids and 0 <= int(i) < size]
        return self.sp.decode(keep)


def copy_files(checkpoint: str | Path, out: str | Path) -> Path:
    """Copy the checkpoint's tokenizer files into ``out/official_tokenizer/``."""
    import shutil

    src, dst = Path(checkpoint), Path(out) / FOLDER
    if not (src / FILES[0]).is_file():
        raise FileNotFoundError(f"{src}: no {FILES[0]} (the sentencepiece model of the checkpoint)")
    dst.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if (src / name).is_file():
            shutil.copy(src / name, dst / name)
    return dst
