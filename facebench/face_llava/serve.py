"""The vLLM server command for a converted Face-LLaVA folder, used by ``facebench serve``:

    facebench serve face-llava /models/face-llava-vllm --tensor-parallel-size 2 --port 8000

runs ``python -m vllm.entrypoints.openai.api_server`` with the settings Face-LLaVA needs:
``--served-model-name face-llava``, one image or one video per prompt, the llava_v1 chat
template with OpenAI-style content, and ``max_model_len`` 4096. vLLM finds the model class
through the ``vllm.general_plugins`` entry point that facebench installs. Other engine
arguments come from the card (``engine_kwargs``, or ``--model-arg``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence


def command(
    model_dir: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    tensor_parallel_size: int = 1,
    dtype: str = "auto",
    max_model_len: int = 4096,
    served_model_name: str = "face-llava",
    extra: Sequence[str] = (),
    server_module: str = "vllm.entrypoints.openai.api_server",
) -> list[str]:
    return [
        sys.executable, "-m", server_module,
        "--model", model_dir,
        "--served-model-name", served_model_name,
        "--host", host, "--port", str(port),
        "--tensor-parallel-size", str(tensor_parallel_size),
        "--dtype", dtype,
        "--max-model-len", str(max_model_len),
        "--limit-mm-per-prompt", json.dumps({"image": 1, "video": 1}),
        "--chat-template-content-format", "openai",
        # landmarks travel as per-request mm_processor_kwargs (a local, trusted client)
        "--trust-request-mm-kwargs",
        *extra,
    ]
