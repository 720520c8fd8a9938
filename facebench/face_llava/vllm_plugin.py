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

from facebench.face_llava import ARCHITECTURE

MODEL_PATH = "facebench.face_llava.vllm_model:FaceLlavaForConditionalGeneration"


def register() -> None:
    """Make vLLM's model registry aware of Face-LLaVA (safe to call many times)."""
    from vllm import ModelRegistry

    if ARCHITECTURE not in ModelRegistry.get_supported_archs():
        ModelRegistry.register_model(ARCHITECTURE, MODEL_PATH)


def __getattr__(name: str):
    if name == "FaceLlavaForConditionalGeneration":
        from facebench.face_llava.vllm_model import FaceLlavaForConditionalGeneration

        return FaceLlavaForConditionalGeneration
    raise AttributeError(name)
