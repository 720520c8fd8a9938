"""``lm-eval``: run any lm-evaluation-harness model (``hf-multimodal``, ``vllm-vlm``, ...) as a
facebench adapter, so users keep the model arguments they already tuned for lm-eval.

Each request becomes an lm-eval ``generate_until`` Instance whose context carries lm-eval's
``<image>`` placeholder where each image sits, with the images as PIL objects under
``"visual"``; lm-eval swaps the placeholder for the model's own image token, applies the
model's chat template when asked, and batches (by its own ``batch_size``). lm-eval models
take images only, so a video goes in as ``num_frames`` sampled frames.

The user's lm-eval model args are passed as given: a ``batch_size`` or ``device`` written there
is lm-eval's, and facebench's own settings of those names fill in only what they leave out (lm-eval
builds the model with ``cls(**model_args, **extra)``, so a key in both would be a duplicate
keyword). A model class without its own ``apply_chat_template`` (lm-eval's base class has one
that only raises ``NotImplementedError``) gets the plain-text prompt.

lm-eval reports no token counts, so responses carry none.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from lm_eval.api.instance import Instance
from lm_eval.api.model import LM
from lm_eval.api.registry import get_model
from lm_eval.utils import simple_parse_args_string
from pydantic import Field

from facebench.adapters.base import Adapter, AdapterSettings, Emit, Key
from facebench.media import load_image, sample_frames
from facebench.media.prefetch import MediaPrefetcher
from facebench.types import GenerationSettings, Request, Response

log = logging.getLogger(__name__)

#: lm-eval's model-agnostic image marker (``DEFAULT_IMAGE_PLACEHOLDER`` in its VLM wrappers)
IMAGE_PLACEHOLDER = "<image>"


class LMEvalSettings(AdapterSettings):
    #: the lm-eval model name, as in ``lm_eval --model ...``
    model_type: str = "hf-multimodal"
    #: passed to lm-eval as ``pretrained=`` (override with ``--model-arg model=/local/path``)
    model: str | None = None
    #: the rest of lm-eval's ``--model_args``: a mapping or the usual ``k=v,k2=v2`` string
    model_args: dict[str, Any] | str = Field(default_factory=dict)
    apply_chat_template: bool = True
    device: str | None = None
    batch_size: int = Field(default=8, gt=0)


class LMEvalAdapter(Adapter):
    name = "lm-eval"
    Settings = LMEvalSettings
    accepts_video = False

    def __init__(self, settings: AdapterSettings | None = None, **overrides: Any) -> None:
        super().__init__(settings, **overrides)
        self._lm: Any = None

    def _model_args(self) -> dict[str, Any]:
        s: LMEvalSettings = self.settings  # type: ignore[assignment]
        args = (
            simple_parse_args_string(s.model_args)
            if isinstance(s.model_args, str)
            else dict(s.model_args)
        )
        if s.model is not None:
            args["pretrained"] = s.model
        if "pretrained" not in args:
            raise ValueError("lm-eval adapter needs `model` (or `pretrained` in model_args)")
        return args

    def _extra(self, args: dict[str, Any]) -> dict[str, Any]:
        """facebench's ``batch_size`` and ``device`` for lm-eval, minus those the model args set."""
        s: LMEvalSettings = self.settings  # type: ignore[assignment]
        extra = {"batch_size": s.batch_size, "device": s.device}
        return {k: v for k, v in extra.items() if k not in args}

    def _load(self) -> Any:
        """Build the lm-eval model on first use (a cached run never loads it)."""
        if self._lm is None:
            s: LMEvalSettings = self.settings  # type: ignore[assignment]
            cls = get_model(s.model_type)
            args = self._model_args()
            self._lm = cls.create_from_arg_obj(args, self._extra(args))
        return self._lm

    def _templated(self) -> bool:
        """Whether to apply the model's chat template: asked for, and the model class has one of
        its own (``LM.apply_chat_template`` exists on every model and only raises)."""
        if not self.settings.apply_chat_template:  # type: ignore[attr-defined]
            return False
        own = getattr(type(self._lm), "apply_chat_template", None)
        return own is not None and own is not LM.apply_chat_template

    # -- request conversion ----------------------------------------------------------------

    def _context(self, request: Request) -> tuple[str, list[Any]]:
        """The prompt with ``<image>`` markers, and the images in marker order."""
        lm = self._lm
        templated = self._templated()
        images: list[Any] = []
        history: list[dict[str, Any]] = []
        for m in request.messages:
            pieces: list[str] = []
            for p in m.content:
                if p.type == "text":
                    pieces.append(p.value)
                elif p.type == "image":
                    images.append(load_image(p.value))
                    pieces.append(IMAGE_PLACEHOLDER)
                else:
                    frames = sample_frames(p.value, request.generation.num_frames)
                    images.extend(frames)
                    pieces.extend(IMAGE_PLACEHOLDER for _ in frames)
            # With a chat template, lm-eval splits the text at each marker into typed parts
            # and the template adds its own separators (as for ``hf``); without, the
            # prompt is plain text and the LLaVA convention puts a newline after an image.
            history.append({"role": m.role, "content": ("" if templated else "\n").join(pieces)})
        if templated:
            # lm-eval rewrites the history in place; keep ours intact for error messages.
            return lm.apply_chat_template(
                copy.deepcopy(history), add_generation_prompt=True
            ), images
        return "\n".join(h["content"] for h in history), images

    @staticmethod
    def _gen_kwargs(g: GenerationSettings) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"until": [], "max_gen_toks": g.max_new_tokens}
        if g.temperature > 0:
            kwargs.update(do_sample=True, temperature=g.temperature, top_p=g.top_p)
        else:
            kwargs.update(do_sample=False, temperature=0.0)
        return kwargs

    def _instance(self, i: int, request: Request) -> Instance:
        context, images = self._context(request)
        return Instance(
            request_type="generate_until",
            doc={"key": request.key},
            arguments=(context, self._gen_kwargs(request.generation), {"visual": images}),
            idx=i,
        )

    # -- generation ------------------------------------------------------------------------

    def generate_each(self, requests: Iterable[tuple[Key, Request]], emit: Emit) -> None:
        """As :meth:`Adapter.generate_each`, with the media of the next batch decoded in worker
        threads while this one runs (:mod:`facebench.media.prefetch`)."""
        with MediaPrefetcher(workers=self.settings.media_workers, ahead=self.settings.batch_size) as media:
            super().generate_each(media.stream(requests), media.emitter(emit))

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        self._load()
        results: list[Response | None] = [None] * len(requests)
        ready: list[tuple[int, Instance]] = []
        for i, r in enumerate(requests):
            try:
                ready.append((i, self._instance(i, r)))
            except Exception as exc:  # noqa: BLE001 - one request's failure of any kind becomes its error row
                results[i] = _error(r, exc)
        for i, resp in zip(
            [i for i, _ in ready], self._run([x for _, x in ready], requests), strict=True
        ):
            results[i] = resp
        return [r if r is not None else Response(error="internal: no response") for r in results]

    def _run(self, instances: list[Instance], requests: Sequence[Request]) -> list[Response]:
        """All at once (lm-eval batches and reorders internally); one by one if that fails."""
        if not instances:
            return []
        try:
            texts = self._lm.generate_until(instances, disable_tqdm=True)
            return [Response(text=t.strip()) for t in texts]
        except Exception as exc:  # noqa: BLE001 - one request's failure of any kind becomes its error row
            if len(instances) == 1:
                return [_error(requests[instances[0].idx], exc)]
            log.warning("lm-eval batch of %d failed (%s); retrying one by one", len(instances), exc)
            return [self._run([x], requests)[0] for x in instances]

    def close(self) -> None:
        self._lm = None


def _error(request: Request, exc: BaseException) -> Response:
    return Response(error=f"{request.key}: {type(exc).__name__}: {exc}")
