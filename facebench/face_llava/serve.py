"""``facebench serve face-llava DIR``: vLLM's OpenAI-compatible server on a converted folder.

    facebench serve face-llava /models/face-llava-vllm --tensor-parallel-size 2 --port 8000

runs (and prints) ``python -m vllm.entrypoints.openai.api_server`` with the settings Face-LLaVA
needs: ``--served-model-name face-llava``, one image or one video per prompt, the llava_v1 chat
template with OpenAI-style content, and ``max_model_len`` 4096. vLLM finds the model class
through the ``vllm.general_plugins`` entry point that facebench installs. Extra arguments after
``--`` go to vLLM unchanged.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
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
) -> list[str]:
    return [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
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


def main(
    model_dir: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    tensor_parallel_size: int = 1,
    dtype: str = "auto",
    max_model_len: int = 4096,
    served_model_name: str = "face-llava",
    extra: Sequence[str] = (),
    dry_run: bool = False,
) -> int:
    """Entry point for ``facebench serve face-llava``; returns the server's exit code."""
    cmd = command(model_dir, host, port, tensor_parallel_size, dtype, max_model_len,
                  served_model_name, extra)
    print("[serve] " + " ".join(shlex.quote(c) for c in cmd), file=sys.stderr, flush=True)
    if dry_run:
        return 0
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    if os.name == "posix":  # become the server, so signals (Ctrl-C, kill) reach vLLM itself
        os.execve(cmd[0], cmd, env)
    return subprocess.call(cmd, env=env)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model_dir")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--tensor-parallel-size", type=int, default=1)
    ap.add_argument("--dtype", default="auto")
    ap.add_argument("--max-model-len", type=int, default=4096)
    ap.add_argument("--served-model-name", default="face-llava")
    ap.add_argument("--dry-run", action="store_true")
    a, rest = ap.parse_known_args()
    sys.exit(main(a.model_dir, a.host, a.port, a.tensor_parallel_size, a.dtype, a.max_model_len,
                  a.served_model_name, [r for r in rest if r != "--"], a.dry_run))
