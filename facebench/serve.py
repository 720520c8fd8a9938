"""``facebench serve CARD``: start one OpenAI-compatible vLLM server for a model card and print
the ``openai`` card that talks to it.

Why: an in-process ``vllm`` or ``hf`` card loads the model in every ``facebench run``; a server
loads it once, and any number of runs (other tasks, other machines, the judge) share the GPU.
The server command is built from the same card settings the in-process adapter would use, so
the served model is the one the card describes (dtype, context length, media limits, remote
code, revision, processor options, extra engine arguments).

The server is started as ``python -m vllm.entrypoints.openai.api_server`` rather than through
the ``vllm`` console script, which is missing or broken on some builds. vLLM started without
``--api-key`` accepts any key, so the printed card has ``api_key_env: null`` (the openai adapter
then sends a placeholder key).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from facebench.adapters.base import AdapterSettings
from facebench.adapters.hf import HFSettings
from facebench.adapters.registry import ModelCard
from facebench.adapters.vllm_local import VLLMSettings
from facebench.errors import ConfigError

SERVER_MODULE = "vllm.entrypoints.openai.api_server"
#: the openai adapter sends a video as ``num_frames`` images (8 in every video task), so an
#: hf card's server must accept that many images per prompt
FRAMES_AS_IMAGES = 8

@dataclass(frozen=True)
class ServePlan:
    """What ``serve`` runs and what it prints: the server command and the client card."""

    command: list[str]
    card: ModelCard
    notes: tuple[str, ...] = ()

    def card_yaml(self) -> str:
        """The client card as YAML, headed by comments saying how its server was started."""
        head = ["# Talks to the server started with:", f"#   {shlex.join(self.command)}"]
        head += [f"# {n}" for n in self.notes]
        body = yaml.safe_dump(
            self.card.model_dump(), sort_keys=False, allow_unicode=True, width=1000
        )
        return "\n".join(head) + "\n" + body


def _flags(args: dict[str, Any]) -> list[str]:
    """``{"max_model_len": 4096, "enforce_eager": True}`` -> ``--max-model-len 4096 --enforce-eager``.

    None and False are left out (vLLM's defaults); dicts and lists go as JSON, as vLLM parses them.
    """
    out: list[str] = []
    for key, value in args.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            out.append(flag)
        elif isinstance(value, (dict, list)):
            out += [flag, json.dumps(value)]
        else:
            out += [flag, str(value)]
    return out


def _validate(model: type[AdapterSettings], card: ModelCard, overrides: dict[str, Any]) -> Any:
    try:
        return model.model_validate({**card.settings, **overrides})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"model card {card.name!r} (adapter {card.adapter}): {problems}") from exc


def _vllm_args(card: ModelCard, overrides: dict[str, Any]) -> tuple[dict[str, Any], int]:
    s: VLLMSettings = _validate(VLLMSettings, card, overrides)
    args = {
        "model": s.model,
        "dtype": s.dtype,
        "tensor_parallel_size": s.tensor_parallel_size,
        "max_model_len": s.max_model_len,
        "limit_mm_per_prompt": s.limit_mm_per_prompt,
        "gpu_memory_utilization": s.gpu_memory_utilization,
        "enforce_eager": s.enforce_eager,
        "trust_remote_code": s.trust_remote_code,
        "revision": s.revision,
        "seed": s.seed,
        "mm_processor_kwargs": s.mm_processor_kwargs or None,
        # on by default in vLLM: only a card that turns it off gets a flag
        "no_enable_prefix_caching": not s.enable_prefix_caching,
    }
    merged = {**args, **s.engine_kwargs}  # as the adapter: engine_kwargs win
    if merged.get("enable_prefix_caching") is False:
        merged.pop("enable_prefix_caching")
        merged["no_enable_prefix_caching"] = True
    return merged, s.batch_size


def _hf_args(card: ModelCard, overrides: dict[str, Any]) -> tuple[dict[str, Any], int]:
    s: HFSettings = _validate(HFSettings, card, overrides)
    args = {
        "model": s.model,
        "dtype": s.dtype,
        "limit_mm_per_prompt": {"image": FRAMES_AS_IMAGES},
        "trust_remote_code": s.trust_remote_code,
        "revision": s.revision,
        "chat_template": s.chat_template,
        "mm_processor_kwargs": s.processor_kwargs or None,
    }
    return args, s.batch_size


#: adapter name -> (server arguments, concurrency) from a card of that adapter
BUILDERS: dict[str, Callable[[ModelCard, dict[str, Any]], tuple[dict[str, Any], int]]] = {
    "vllm": _vllm_args,
    "hf": _hf_args,
}


def client_host(host: str) -> str:
    """The address clients use: a server bound to every interface is reached by host name."""
    return socket.gethostname() if host in ("0.0.0.0", "::", "") else host


def plan(
    card: ModelCard,
    host: str = "127.0.0.1",
    port: int = 8000,
    overrides: dict[str, Any] | None = None,
    server_module: str = SERVER_MODULE,
) -> ServePlan:
    """The server command for ``card`` and the ``openai`` card pointing at it."""
    overrides = overrides or {}
    if card.adapter == "face-llava-vllm":
        return _face_llava_plan(card, host, port, overrides, server_module)
    builder = BUILDERS.get(card.adapter)
    if builder is None:
        raise ConfigError(
            f"model card {card.name!r} uses adapter {card.adapter!r}; facebench serve starts "
            f"a vLLM server for cards of adapter {', '.join(sorted(BUILDERS))} or face-llava-vllm"
        )
    args, concurrency = builder(card, overrides)
    model = args.pop("model")
    head = {"model": model, "served_model_name": card.name, "host": host, "port": port}
    command = [sys.executable, "-m", server_module, *_flags({**head, **args})]
    notes = ["vLLM started without --api-key accepts any key: api_key_env null sends a placeholder."]
    images = (args.get("limit_mm_per_prompt") or {}).get("image", 1)
    if images < FRAMES_AS_IMAGES:
        notes.append(
            f"Video tasks send {FRAMES_AS_IMAGES} frames as images; this server takes {images} "
            f"image(s) per prompt (raise limit_mm_per_prompt.image in the card to run them)."
        )
    return ServePlan(command, _client_card(card, "openai", host, port, concurrency), tuple(notes))


def with_data_parallel(plan_: ServePlan, size: int) -> ServePlan:
    """The plan with vLLM's own data parallelism: ``size`` engine replicas on this node behind
    the one server (``--data-parallel-size``, each replica with the card's tensor parallel GPUs);
    the printed card keeps ``size`` times the requests in flight, so every replica stays busy."""
    if size < 1:
        raise ConfigError(f"--data-parallel-size must be at least 1, got {size}")
    if size == 1:
        return plan_
    settings = dict(plan_.card.settings)
    settings["concurrency"] = settings["batch_size"] = settings["concurrency"] * size
    return replace(
        plan_,
        command=[*plan_.command, "--data-parallel-size", str(size)],
        card=plan_.card.model_copy(update={"settings": settings}),
    )


def _client_card(
    card: ModelCard, adapter: str, host: str, port: int, concurrency: int, **settings: Any
) -> ModelCard:
    """The card a client uses to reach the server started for ``card``."""
    return ModelCard(
        name=f"{card.name}-server",
        adapter=adapter,
        description=f"{card.name} behind `facebench serve {card.name}` (vLLM, OpenAI-compatible).",
        settings={
            "model": card.name,
            "base_url": f"http://{client_host(host)}:{port}/v1",
            "api_key_env": None,
            "concurrency": concurrency,
            "batch_size": concurrency,
            **settings,
        },
    )


def _face_llava_plan(
    card: ModelCard, host: str, port: int, overrides: dict[str, Any], server_module: str
) -> ServePlan:
    """Face-LLaVA needs its own server flags (chat template format, per-request landmarks) and
    its own client adapter (videos as one video_url): both live in ``facebench.face_llava``."""
    from facebench.face_llava import serve as fl_serve
    from facebench.face_llava.vllm_adapter import FaceLlavaVLLMSettings

    s = _validate(FaceLlavaVLLMSettings, card, overrides)
    extra = _flags({
        "gpu_memory_utilization": s.gpu_memory_utilization,
        "enforce_eager": s.enforce_eager,
        "seed": s.seed,
        **s.engine_kwargs,
    })
    command = fl_serve.command(
        s.model, host, port, s.tensor_parallel_size, s.dtype, s.max_model_len or 4096,
        card.name, extra, server_module,
    )
    client = _client_card(card, "face-llava-openai", host, port, s.batch_size,
                          face=s.face.model_dump())
    return ServePlan(command, client, ("vLLM started without --api-key accepts any key.",))


def check_server(command: list[str]) -> None:
    """Fail before printing anything if the server package is missing (found without importing
    it: importing vLLM takes seconds)."""
    package = command[2].split(".")[0]
    if importlib.util.find_spec(package) is None:
        raise ConfigError(
            f"cannot start the server: {package} is not installed (pip install 'facebench[vllm]')"
        )


def launch(command: list[str]) -> int:
    """Become the server (POSIX ``exec``), so Ctrl-C and ``kill`` reach vLLM itself and no
    orphaned GPU server outlives this process; elsewhere run it and wait."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(command[0], command)
    return subprocess.call(command)


def write_card(plan_: ServePlan, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(plan_.card_yaml(), encoding="utf-8")
