"""A task: a dataset loader, prompt styles (template + parser), a scoring kind and metrics.

One generic class serves every benchmark; what differs between benchmarks is data (the YAML
definition) plus two small named pieces of code: the loader for the dataset's official layout
(``facebench/loaders``) and the scoring kind (``facebench/tasks/kinds``).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from facebench.errors import ConfigError
from facebench.media.refs import with_crop, with_sampling
from facebench.parsing import load_synonyms
from facebench.parsing import parse as run_parser
from facebench.parsing.context import Mode, ParseContext
from facebench.prompts import render, template_dirs_for, template_hash, template_variables
from facebench.tasks.config import StyleConfig, TaskConfig
from facebench.tasks.selection import apply_rule
from facebench.types import GenerationSettings, Message, ParseResult, Part, Request, Sample

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: ``face_crop_rule`` -> the crop mode of a media reference (:mod:`facebench.media.refs`)
CROP_MODE = {"facebench": "face", "face-llava": "face-llava"}
Loader = Callable[..., Iterable[Sample]]


@dataclass(frozen=True)
class Item:
    """One question asked about a sample (most tasks ask one; CelebA QA asks 40)."""

    key: str
    target: Any
    #: extra template variables, e.g. the attribute a yes/no question is about
    variables: dict[str, Any]
    #: media of this question when it differs from the sample's (e.g. one FF++ 3-second chunk)
    media: tuple[str, ...] | None = None
    #: the prompt style of this question when it differs from the run's (multi-question tasks
    #: ask each question with its own template, parser and answer space)
    style: str | None = None
    #: the answer options of this question when it has its own (FaceXBench, Face-Human-Bench:
    #: option texts that differ per question), in the order shown as A, B, C...; they replace
    #: the task's ``classes`` as the parser's options and the letters of the answer space
    options: tuple[str, ...] | None = None


@lru_cache(maxsize=4096)
def _media_content(
    media: tuple[str, ...], video: bool, crop: str | None, sampling: str
) -> tuple[tuple[str, ...], tuple[Part, ...]]:
    """(the media references as shown, their message parts), with the crop step and the
    frame-index rule (other than the default ``round``) written into each reference. The
    questions about one sample (CelebA: 40) share them; parts are immutable."""
    if crop is not None:
        media = tuple(with_crop(m, crop) for m in media)
    if video and sampling != "round":
        media = tuple(with_sampling(m, sampling) for m in media)
    part = Part.video if video else Part.image
    return media, tuple(part(m) for m in media)


@lru_cache(maxsize=8192)
def _text_part(text: str) -> Part:
    """The text part of a prompt: CelebA asks 40 distinct questions 331,000 times."""
    return Part.text(text)


@lru_cache(maxsize=256)
def _generation(max_new_tokens: int, num_frames: int) -> GenerationSettings:
    """One (immutable) settings object per distinct value, not one per request."""
    return GenerationSettings(max_new_tokens=max_new_tokens, num_frames=num_frames)


class Task:
    """A benchmark defined by a :class:`TaskConfig`."""

    def __init__(self, config: TaskConfig, source: Path | None = None) -> None:
        self.config = config
        self.source = source
        self._template_dirs = template_dirs_for(source) if source else ()
        #: rendered prompts by (template, the values it reads): CelebA asks 40 distinct
        #: questions 331,000 times; see :meth:`_render`
        self._rendered: dict[tuple[Any, ...], str] = {}
        #: template -> the variables its renderings are cached by (:meth:`_key_names`)
        self._cache_keys: dict[str, list[str] | None] = {}

    @property
    def name(self) -> str:
        return self.config.name

    def with_overrides(self, overrides: dict[str, Any]) -> Task:
        """This task with ``overrides`` merged into its definition, key by key, as ``include:``
        merges (a protocol's ``task:`` block, ``--task-option``); raises pydantic's
        ValidationError for a key or value the schema refuses."""
        from facebench.tasks.config import merge_mappings

        merged = merge_mappings(self.config.model_dump(mode="json"), overrides)
        return Task(TaskConfig.model_validate(merged), self.source)

    @cached_property
    def kind(self):  # -> TaskKind (import here: kinds import metrics, which import this module's types)
        from facebench.tasks.kinds import get_kind

        return get_kind(self.config.kind)

    @cached_property
    def loader(self) -> Loader:
        spec = self.config.loader
        module_name, _, func = spec.partition(":")
        if not func:
            module_name, func = f"facebench.loaders.{spec}", "load"
        try:
            return getattr(importlib.import_module(module_name), func)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"task {self.name}: cannot import loader {spec!r}: {exc}") from exc

    @cached_property
    def synonyms(self) -> dict[str, tuple[str, ...]]:
        if not self.config.synonyms:
            return {}
        table = load_synonyms(self.config.synonyms)
        return {c: table[c] for c in self.config.classes if c in table}

    def style(self, name: str | None) -> tuple[str, StyleConfig]:
        name = name or self.config.default_style
        if name not in self.config.styles:
            raise ConfigError(
                f"task {self.name} has no prompt style {name!r}; choose one of "
                f"{', '.join(sorted(self.config.styles))}"
            )
        return name, self.config.styles[name]

    # -- stage 0: data -----------------------------------------------------------------------
    def load_samples(self, root: Path) -> list[Sample]:
        """Read the test samples from a dataset tree in its official layout, then apply the
        definition's count rule (``samples``: a protocol's split size or seeded draw)."""
        samples = list(self.loader(Path(root), **self.config.loader_options))
        seen: set[str] = set()
        for s in samples:
            if s.id in seen:
                raise ConfigError(f"task {self.name}: loader returned sample id {s.id!r} twice")
            seen.add(s.id)
        return apply_rule(samples, self.config.samples, Path(root), self.name)

    # -- stage 1: requests ---------------------------------------------------------------------
    def display(self, cls: str) -> str:
        return self.config.class_names.get(cls, cls.replace("_", " "))

    @cached_property
    def _class_display(self) -> tuple[str, ...]:
        return tuple(self.display(c) for c in self.config.classes)

    @cached_property
    def _lettered_classes(self) -> tuple[tuple[str, str], ...]:
        return tuple(zip(LETTERS, self._class_display))

    def _lettered(self, options: tuple[str, ...]) -> list[tuple[str, str]]:
        """(letter, shown name) of each option; the unshuffled class list is built once."""
        if options == self.config_classes:
            return list(self._lettered_classes)
        return list(zip(LETTERS, (self.display(c) for c in options)))

    @cached_property
    def config_classes(self) -> tuple[str, ...]:
        return tuple(self.config.classes)

    #: template variables that are the same for every request of a task (part of the Task)
    _TASK_CONSTANT = frozenset({"task", "classes"})
    #: variables that differ per sample in ways a cache key cannot capture cheaply
    _PER_SAMPLE = frozenset({"sample", "meta"})
    _RENDER_CACHE_SIZE = 8192

    def _render(self, template: str, variables: dict[str, Any]) -> str:
        """``render`` with a cache keyed by the values the template actually reads.

        Templates that read ``sample`` or ``meta``, choose an include at render time, or read a
        value that cannot be a dict key, are rendered every time. The cache is cleared when it
        fills, so tasks whose every prompt differs (FaceXBench) do not hold them all.
        """
        names = self._key_names(template)
        if names is None:
            return render(template, variables, self._template_dirs)
        key = [template]
        for name in names:
            value = variables.get(name)
            if isinstance(value, list):
                value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
            key.append((name, value))
        k = tuple(key)
        try:
            text = self._rendered.get(k)
        except TypeError:  # a value that cannot be a dict key
            return render(template, variables, self._template_dirs)
        if text is None:
            if len(self._rendered) >= self._RENDER_CACHE_SIZE:
                self._rendered.clear()
            text = self._rendered[k] = render(template, variables, self._template_dirs)
        return text

    def _key_names(self, template: str) -> list[str] | None:
        """The variables a rendering of ``template`` is cached by, sorted; None: not cached."""
        if template not in self._cache_keys:
            names = template_variables(template, self._template_dirs)
            self._cache_keys[template] = (
                None if names is None or names & self._PER_SAMPLE else sorted(names - self._TASK_CONSTANT)
            )
        return self._cache_keys[template]

    def build_requests(
        self,
        samples: Iterable[Sample],
        style: str | None = None,
        seed: int = 0,
        face_crop: bool | None = None,
    ) -> list[tuple[Request, Any, Sample]]:
        """Every (request, target, sample) of the chosen prompt style, in a stable order.

        ``face_crop`` (None: the task's default) marks every media part with a crop step
        (``#crop=face``, or ``#crop=face-llava`` under ``face_crop_rule: face-llava``); a video
        part under ``frame_index_rule: floor`` also carries ``#sampling=floor``. The crop and
        the frame choice happen lazily when the adapter reads the pixels (crops cached on disk).
        """
        return list(self.iter_requests(samples, style, seed, face_crop))

    def iter_requests(
        self,
        samples: Iterable[Sample],
        style: str | None = None,
        seed: int = 0,
        face_crop: bool | None = None,
    ) -> Iterator[tuple[Request, Any, Sample]]:
        """:meth:`build_requests` one at a time (the engine streams them to ``items.jsonl``)."""
        crop = self.config.face_crop if face_crop is None else face_crop
        style_name, st = self.style(style)
        for sample in samples:
            for item in self.kind.items(self, sample, st):
                item_style = self.style(item.style) if item.style else (style_name, st)
                yield self._request(sample, item, *item_style, seed, crop), item.target, sample

    def _request(
        self, sample: Sample, item: Item, style_name: str, st: StyleConfig, seed: int, crop: bool
    ) -> Request:
        if st.template is None:
            raise ConfigError(f"task {self.name}: prompt style {style_name!r} has no template")
        shown = self.config_classes if item.options is None else item.options
        # a list only where it is shuffled or recorded (40 names per CelebA question otherwise)
        options: Sequence[str] = shown
        if st.shuffle_options or st.answer_space == "options":
            options = list(shown)
        if st.shuffle_options:
            # seeded by (seed, task, item) so the order is the same on every rerun and machine
            random.Random(f"{seed}:{self.name}:{item.key}").shuffle(options)  # type: ignore[arg-type]
        text = self._render(st.template, self._variables(st.template, sample, item, options))
        media = item.media if item.media is not None else sample.media
        media, media_parts = _media_content(
            tuple(media), sample.modality == "video", CROP_MODE[self.config.face_crop_rule] if crop else None,
            self.config.frame_index_rule if sample.modality == "video" else "round",
        )
        meta: dict[str, Any] = {
            k: v for k, v in item.variables.items() if isinstance(v, (str, int, float))
        }
        meta["style"] = style_name  # the parser of this style reads the answer
        if st.answer_space == "options":
            meta["options"] = options
        return Request(
            task=self.name,
            key=item.key,
            sample_id=sample.id,
            messages=(Message("user", media_parts + (_text_part(text),)),),
            generation=_generation(st.max_new_tokens, self._num_frames(st, media, sample)),
            choices=self._answer_space(st, options, sample),
            meta=meta,
        )

    def _variables(self, template: str, sample: Sample, item: Item, options: Sequence[str]) -> dict[str, Any]:
        """The template's variables. The class and option lists (40 names for each CelebA
        question) are built only when the template, or one it includes, reads them."""
        reads = template_variables(template, self._template_dirs)  # None: may read anything
        variables: dict[str, Any] = {"task": self.config, "sample": sample, "meta": sample.meta}
        if reads is None or "classes" in reads:
            variables["classes"] = list(self._class_display)
        if reads is None or "options" in reads:
            variables["options"] = self._lettered(tuple(options))  # >26 classes: no letters
        variables["modality"] = sample.modality
        variables.update(item.variables)
        return variables

    def _num_frames(self, st: StyleConfig, media: tuple[str, ...], sample: Sample) -> int:
        """The task's ``num_frames``, or under ``frame_count: at_least_1fps`` one frame per second
        of the clip (or segment) when that is more. A clip whose length cannot be read keeps
        ``num_frames`` (the media check then names the fault)."""
        k = self.config.num_frames
        if st.frame_count == "fixed" or sample.modality != "video" or not media:
            return k
        import math

        from facebench.media.frames import probe
        from facebench.media.refs import parse_ref

        try:
            ref = parse_ref(media[0])
            if ref.start is not None and ref.end is not None:
                seconds = ref.end - ref.start
            elif Path(ref.path).is_file():
                seconds = probe(ref.path).duration
            else:
                return k  # a folder of frames has no clock
        except Exception:  # noqa: BLE001 - an unreadable clip is the media check's to report
            return k
        return max(k, math.ceil(seconds - 1e-9))

    def _answer_space(self, st: StyleConfig, options: Sequence[str], sample: Sample | None = None) -> tuple[str, ...]:
        """What a valid answer looks like (the random adapter draws from it: the chance floor).
        A sample that carries its own ``options`` (zero-shot questions) is answered from those,
        not from every class of the task."""
        space = st.answer_space
        own = sample.meta.get("options") if sample is not None else None
        if space == "classes" and isinstance(own, (list, tuple)) and own:
            return tuple(self.display(str(c)) for c in own)
        if space == "options":
            return tuple(LETTERS[: len(options)])
        if space == "yes_no":
            return ("Yes", "No")
        if space == "age":
            return tuple(str(a) for a in range(1, 101))
        if space == "au":
            return tuple(f"AU{c}" for c in self.config.au_codes)
        if space == "free":
            return ()
        return self._class_display

    # -- stage 2: parse -----------------------------------------------------------------------
    def parse(self, text: str, request_meta: dict[str, Any], mode: Mode = "strict") -> ParseResult:
        """Read one answer with the style's parser, against this task's answer space."""
        _, st = self.style(request_meta.get("style"))
        classes = self.config_classes
        ctx = ParseContext(
            classes=classes,
            options=tuple(request_meta.get("options", classes)),
            synonyms=self.synonyms,
            au_codes=tuple(self.config.au_codes),
            mode=mode,
            extra={"class_names": self.config.class_names, **st.parser_options},
        )
        return run_parser(st.parser, text, ctx)

    # -- identity -------------------------------------------------------------------------------
    def fingerprint(self, style: str | None = None) -> str:
        """Hash of the task definition and the chosen template's source."""
        style_name, st = self.style(style)
        payload = json.dumps(
            {
                "config": self.config.identity(),
                "style": style_name,
                "template": template_hash(st.template, self._template_dirs) if st.template else None,
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """One line for ``facebench list tasks``."""
        return (
            f"{self.config.title} | metrics: {', '.join(self.config.metrics)} | "
            f"styles: {', '.join(self.config.styles)} | {self.config.protocol}"
        )
