"""``random``: answers uniformly at random from the task's answer space (the chance floor).

Seeded per request (seed, task, key), so the answers do not depend on batching or order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from facebench.adapters.base import Adapter, AdapterSettings
from facebench.types import Request, Response


class RandomSettings(AdapterSettings):
    seed: int = 0
    batch_size: int = 256


class RandomAdapter(Adapter):
    """Uniform random answers from the task's answer space: the chance floor."""

    name = "random"
    Settings = RandomSettings
    accepts_video = True

    def generate(self, requests: Sequence[Request]) -> list[Response]:
        out = []
        for r in requests:
            rng = random.Random(f"{self.settings.seed}:{r.task}:{r.key}")
            text = rng.choice(r.choices) if r.choices else "I cannot tell."
            out.append(Response(text=text, prompt_tokens=0, completion_tokens=1))
        return out
