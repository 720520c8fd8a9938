"""The schema of a task definition (``tasks/<name>.yaml``).

A benchmark is mostly data: which loader reads the official layout, which prompt styles exist
(template + parser), which kind of scoring applies and which metrics to report. Validation with
pydantic turns a misspelt key into an error naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from facebench.errors import ConfigError


class StyleConfig(BaseModel):
    """One way of asking: a prompt template, the parser that reads the answer, decoding budget."""

    model_config = ConfigDict(extra="forbid")

    #: None for a style that only groups other styles (each question names its own)
    template: str | None = None
    parser: str
    #: shuffle multiple-choice options per sample (seeded, recorded in the request)
    shuffle_options: bool = False
    max_new_tokens: int = 64
    #: answer space shown to the random adapter: "options" (letters), "classes", "yes_no", "age"
    answer_space: Literal["options", "classes", "yes_no", "age", "au", "attributes", "free"] = (
        "classes"
    )
    #: one request per sample ("sample") or one yes/no question per class / AU ("per_class")
    expand: Literal["sample", "per_class"] = "sample"
    description: str = ""
    #: named switches of the parser (``facebench.parsing.options``), e.g. a protocol reading
    #: answers as its paper does: ``{negative_sentences: drop, unmentioned: absent}``
    parser_options: dict[str, Any] = Field(default_factory=dict)
    #: frames per video: ``fixed`` (the task's ``num_frames``) or ``at_least_1fps`` (Face-LLaVA
    #: App. G.2 for baselines: ``num_frames`` or one per second, whichever is more)
    frame_count: Literal["fixed", "at_least_1fps"] = "fixed"

    @model_validator(mode="after")
    def _check_parser_options(self) -> StyleConfig:
        from facebench.parsing.options import check_parser_options

        check_parser_options(self.parser, self.parser_options)
        return self


class SampleRule(BaseModel):
    """How many samples a protocol evaluates: the paper's number stands on a definite set.

    Applied by :func:`facebench.tasks.selection.apply_rule` (the rules are in its module)."""

    model_config = ConfigDict(extra="forbid")

    #: the number of samples the paper evaluates (LFWA: the 6,880 test images)
    count: int = Field(gt=0)
    #: a dataset with more samples: "error" (an official split must give exactly ``count``) or
    #: "draw" (a seeded random subset of ``count``, for a paper that drew an unpublished one)
    larger: Literal["error", "draw"] = "error"
    #: seed of the draw; fixed by the protocol, so the subset does not move with ``--seed``
    seed: int = 0
    #: what the count is and how to get it, shown in the error
    hint: str = ""


class SliceSpec(BaseModel):
    """One fairness slice: the group a prediction belongs to."""

    model_config = ConfigDict(extra="forbid")

    #: ``meta.<key>`` (a sample's metadata, e.g. ``meta.gender``) or ``target`` (e.g. the age)
    of: str
    #: bin edges for a number, ``[0, 20, 40]`` -> groups ``0-19``, ``20-39``, ``40+``
    bins: list[float] | None = None


class TaskConfig(BaseModel):
    """A task definition, as written in YAML."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: str
    #: default sub-folder under ``--data-root`` (and under the demo data)
    data_dir: str
    #: ``rafdb`` (-> ``facebench.loaders.rafdb:load``) or ``package.module:function``
    loader: str
    loader_options: dict[str, Any] = Field(default_factory=dict)
    modality: Literal["image", "video"] = "image"
    #: the scoring kind: how items are formed from samples and how metrics are aggregated
    kind: str = "classification"
    classes: list[str] = Field(default_factory=list)
    #: display names of classes in prompts, when they differ from the canonical names
    class_names: dict[str, str] = Field(default_factory=dict)
    #: short definitions shown in per-class yes/no questions (e.g. FACS descriptions)
    class_descriptions: dict[str, str] = Field(default_factory=dict)
    synonyms: str | None = None
    au_codes: list[int] = Field(default_factory=list)
    default_style: str
    styles: dict[str, StyleConfig]
    metrics: list[str]
    primary_metric: str
    #: metrics where lower is better (e.g. mae) so leaderboards sort correctly
    lower_is_better: list[str] = Field(default_factory=list)
    #: meta key that splits the test set into folds (e.g. "fold"); metrics per fold and mean
    fold_key: str | None = None
    protocol: str = ""
    num_frames: int = 8
    #: crop the face (square, 256x256, as Face-LLaVA) before the model sees it; off for
    #: datasets that ship aligned faces. ``--face-crop/--no-face-crop`` overrides it per run.
    face_crop: bool = False
    #: how a face is cropped when ``face_crop`` is on: ``facebench`` (square of 1.4x the box,
    #: centred) or ``face-llava`` (the official tools/crop_face.py geometry); see
    #: :mod:`facebench.media.face_crop`
    face_crop_rule: Literal["facebench", "face-llava"] = "facebench"
    #: which ``num_frames`` frames a video shows: ``round`` (``linspace(0, n-1, k)`` rounded) or
    #: ``floor`` (``linspace(0, n-1, k, dtype=int)``, the official Face-LLaVA/Video-LLaVA rule)
    frame_index_rule: Literal["round", "floor"] = "round"
    kind_options: dict[str, Any] = Field(default_factory=dict)
    #: fairness slices: name -> where a sample's group comes from (``meta.<key>`` or ``target``)
    #: and optional ``bins`` for numbers; the headline metric and its CI are reported per group
    slices: dict[str, SliceSpec] = Field(default_factory=dict)
    #: None: every sample the loader yields; else the protocol's count rule (e.g. Face-MLLM's
    #: 2,000 EmotioNet images)
    samples: SampleRule | None = None

    @model_validator(mode="after")
    def _check(self) -> TaskConfig:
        if self.default_style not in self.styles:
            raise ValueError(
                f"default_style {self.default_style!r} is not one of the styles "
                f"{sorted(self.styles)}"
            )
        return self

    def identity(self) -> dict[str, Any]:
        """The definition as the task fingerprint hashes it (the response cache key).

        Settings added after results were cached are left out while they hold their default,
        so adding an option does not re-ask every cached question of every existing task.
        """
        out = self.model_dump(mode="json")
        out.pop("slices", None)  # how results are broken down never changes an answer
        for key, default in _LATE_DEFAULTS.items():
            if out.get(key) == default:
                out.pop(key)
        for style in out["styles"].values():
            if not style.get("parser_options"):
                style.pop("parser_options", None)
            if style.get("frame_count") == "fixed":
                style.pop("frame_count", None)
        return out


#: TaskConfig keys added after the first cached results, with their defaults (see ``identity``)
_LATE_DEFAULTS: dict[str, Any] = {
    "face_crop_rule": "facebench",
    "frame_index_rule": "round",
    "samples": None,
}


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read task definition: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a task definition must be a YAML mapping")
    return raw


def merge_mappings(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` on top of ``base``: mappings merge key by key, anything else is replaced.

    Used for ``include:`` and for a protocol's overrides of a task definition."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_mappings(out[key], value)
        else:
            out[key] = value
    return out


_merge = merge_mappings


def _with_includes(
    path: Path, raw: dict[str, Any], seen: tuple[Path, ...] = (), shared_dir: Path | None = None
) -> dict[str, Any]:
    """Resolve ``include: name`` (or a list): ``shared/<name>.yaml`` beside the task file.

    Tasks that share an answer space (the expression tasks, the AU tasks, CelebA/LFWA) keep
    the shared part (prompt styles, class definitions) in one file instead of copies.
    """
    names = raw.pop("include", None)
    if names is None:
        return raw
    shared_dir = shared_dir or path.parent / "shared"
    merged: dict[str, Any] = {}
    for name in [names] if isinstance(names, str) else list(names):
        shared = shared_dir / f"{name}.yaml"
        if not shared.is_file():
            # a task YAML copied out of facebench still finds the shipped shared definitions
            from facebench.resources import data_path

            builtin = data_path("tasks", "shared", f"{name}.yaml")
            if not builtin.is_file():
                raise ConfigError(f"{path}: include {name!r}: no file {shared} (nor a built-in {builtin.name})")
            shared = builtin
        if shared in seen:
            raise ConfigError(f"{path}: include cycle through {shared}")
        merged = _merge(
            merged, _with_includes(shared, _read_mapping(shared), (*seen, shared), shared_dir)
        )
    return _merge(merged, raw)


def load_task_config(path: Path) -> TaskConfig:
    """Read and validate a task YAML file; errors name the file and the offending key."""
    raw = _with_includes(path, _read_mapping(path))
    try:
        return TaskConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"{path}: invalid task definition: {problems}") from exc
