"""A protocol's count rule (``samples:`` of a task definition): which samples a paper's number
stands on.

- The dataset gives exactly ``count`` samples: all of them are evaluated.
- It gives more and ``larger: draw``: a seeded random subset of ``count``, kept in dataset
  order (the same draw as ``--limit count --seed seed``). This is for a paper that drew a subset
  and did not publish it (Face-MLLM: "we randomly select 2,000 images from the EmotionNet
  dataset"); each drawn sample's meta records the pool size (``drawn_from``), so the result
  says it is a draw. A manifest of exactly ``count`` rows is taken as the user's own selection.
- Any other count (fewer; more with ``larger: error``) is refused before a request is made,
  naming the dataset folder and the rule's ``hint``: an official split that yields another
  count is read from the wrong copy (LFWA without its partition file gives every image, not
  the 6,880 test images), and its number would not be the paper's.

The embedded demo data has a handful of images per task, to show the pipeline: no count rule
can hold there, so on it a mismatch is a warning and the demo is evaluated as it is (its
``metrics.json`` still says how many samples it stands on).
"""

from __future__ import annotations

import random
import warnings
from dataclasses import replace
from pathlib import Path

from facebench.errors import DatasetError
from facebench.loaders.filenames import DatasetWarning
from facebench.resources import demo_root
from facebench.tasks.config import SampleRule
from facebench.types import Sample


def _is_demo(root: Path) -> bool:
    try:
        return Path(root).resolve().is_relative_to(demo_root().resolve())
    except OSError:
        return False


def apply_rule(
    samples: list[Sample], rule: SampleRule | None, root: Path, task: str
) -> list[Sample]:
    """The samples the rule evaluates (see the module docstring); ``samples`` when no rule."""
    n = len(samples)
    if rule is None or n == rule.count:
        return samples
    if n > rule.count and rule.larger == "draw":
        chosen = set(random.Random(rule.seed).sample(range(n), rule.count))
        return [
            replace(s, meta={**s.meta, "drawn_from": n})
            for i, s in enumerate(samples)
            if i in chosen
        ]
    if _is_demo(root):
        warnings.warn(
            f"task {task}: the embedded demo data gives {n:,} samples, not the protocol's "
            f"{rule.count:,}; evaluated as it is (a demo, not a reproduction)",
            DatasetWarning,
            stacklevel=2,
        )
        return samples
    wanted = f"{rule.count:,}" + ("" if rule.larger == "error" else ", drawn from at least as many")
    hint = f" ({rule.hint})" if rule.hint else ""
    raise DatasetError(
        f"task {task}: the dataset gives {n:,} samples; the protocol evaluates {wanted}{hint}", root
    )
