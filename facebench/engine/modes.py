"""How many cached answers the ``strict`` and ``reference`` parsing modes read differently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facebench.engine.runner import load_run


def compare_modes(folder: Path) -> dict[str, Any]:
    _, _, strict = load_run(folder, "strict")
    _, _, reference = load_run(folder, "reference")
    answered = [(s, r) for s, r in zip(strict, reference) if s.error is None]
    different = [(s, r) for s, r in answered if s.parsed != r.parsed]
    return {
        "n": len(answered),
        "n_different": len(different),
        "examples": [{"id": s.id, "strict": s.parsed, "reference": r.parsed} for s, r in different[:5]],
    }
