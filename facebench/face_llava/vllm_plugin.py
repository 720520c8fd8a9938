"""vLLM plugin: registers Face-LLaVA as an out-of-tree vLLM model.

Registered through the ``vllm.general_plugins`` entry point (``face_llava =
facebench.face_llava.vllm_plugin:register``), which vLLM runs in every process it starts
(API server, engine core, workers). ``register`` is cheap and idempotent: the model class lives
in :mod:`facebench.face_llava.vllm_model` and is imported by vLLM only when a folder with
``architectures: [FaceLlavaForConditionalGeneration]`` is loaded.

Inputs, per prompt (see :mod:`facebench.face_llava.vllm_model`):

- ``multi_modal_data={"image": PIL}`` with one ``<image>`` id in the prompt, or
  ``{"video": (T, H, W, 3) uint8 frames}`` with one ``<video>`` id (expanded to the official
  8 frame markers with their separators);
- optional landmarks through ``mm_processor_kwargs={"image_landmarks": [[136 floats], ...]}``
  or ``{"video_landmarks": [[[136 floats] x T], ...]}`` (one entry per item of that modality).
"""

from __future__ import annotations

import logging

from facebench.errors import FacebenchError
from facebench.face_llava import ARCHITECTURE

log = logging.getLogger(__name__)

MODEL_PATH = "facebench.face_llava.vllm_model:FaceLlavaForConditionalGeneration"
#: the first vLLM release with every API the model class uses (read in the released wheels):
#: 0.30 lacks the ``BaseMultiModalProcessor._call_hf_processor(hf_data, hf_kwargs)`` hook,
#: 0.28 ``_postprocess_prompt``, 0.15 ``SupportsMultiModal.configure_mm_token_handling``, 0.11
#: ``embed_multimodal``; 0.6 had another processor API altogether. 0.31 runs the parity test.
MIN_VLLM = (0, 31)


class VLLMVersionError(FacebenchError, ImportError):
    """The installed vLLM is older than :data:`MIN_VLLM` (one line; the CLI prints it as is)."""


def require_vllm(version: str | None = None) -> str:
    """The vLLM version, or :class:`VLLMVersionError` when it predates :data:`MIN_VLLM`.

    ``version`` defaults to the installed ``vllm.__version__``; a dev or local build
    (``0.31.0.dev12+g...``, ``0.32.0+cpu``) counts as its release.
    """
    if version is None:
        import vllm

        version = str(getattr(vllm, "__version__", "0"))
    from packaging.version import InvalidVersion, Version

    try:
        release = Version(version).release
    except InvalidVersion:
        release = ()
    if tuple(release[:2]) < MIN_VLLM:
        need = ".".join(map(str, MIN_VLLM))
        raise VLLMVersionError(
            f"facebench's Face-LLaVA vLLM plugin needs vllm>={need} (found {version}): "
            f"pip install 'vllm>={need}' (or 'facebench[vllm]')"
        )
    return version


def register() -> None:
    """Make vLLM's model registry aware of Face-LLaVA (safe to call many times).

    On a vLLM older than :data:`MIN_VLLM` it logs one error line and registers nothing (vLLM
    runs this for every model it loads, so raising here would break unrelated models).
    """
    try:
        require_vllm()
    except VLLMVersionError as exc:
        log.error("%s", exc)
        return
    from vllm import ModelRegistry

    if ARCHITECTURE not in ModelRegistry.get_supported_archs():
        ModelRegistry.register_model(ARCHITECTURE, MODEL_PATH)


def __getattr__(name: str):
    if name == "FaceLlavaForConditionalGeneration":
        from facebench.face_llava.vllm_model import FaceLlavaForConditionalGeneration

        return FaceLlavaForConditionalGeneration
    raise AttributeError(name)
