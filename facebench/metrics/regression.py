"""Mean absolute error (age estimation), with invalid answers made visible.

An unparsed age cannot be "wrong by some amount" without inventing a number, so the policy is
explicit (``invalid=``):

* ``"exclude"`` (default, imputes nothing): MAE over the valid answers only. Always read it
  with ``n_invalid``/``format_valid_rate`` (:func:`mae_report` returns them together): a model
  that refuses hard faces would otherwise look better.
* ``"worst"``: an invalid answer costs the largest error possible inside ``bounds`` (default
  1-100, Face-MLLM's answer range), i.e. it counts as fully wrong.
* a number: an invalid answer is read as that age (e.g. the training-set mean), for comparison
  with protocols that impute.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def _errors(
    y_true: Sequence[float],
    y_pred: Sequence[float | None],
    invalid: str | float,
    bounds: tuple[float, float],
) -> np.ndarray:
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items but y_pred has {len(y_pred)}")
    t = np.asarray(y_true, dtype=float)
    valid = np.array([p is not None for p in y_pred], dtype=bool)
    p = np.array([p if p is not None else np.nan for p in y_pred], dtype=float)
    err = np.abs(p - t)
    if invalid == "exclude":
        return err[valid]
    if invalid == "worst":
        lo, hi = bounds
        err[~valid] = np.maximum(np.abs(t[~valid] - lo), np.abs(hi - t[~valid]))
        return err
    if isinstance(invalid, (int, float)) and not isinstance(invalid, bool):
        err[~valid] = np.abs(float(invalid) - t[~valid])
        return err
    raise ValueError(f"invalid must be 'exclude', 'worst' or a number, not {invalid!r}")


def mae(
    y_true: Sequence[float],
    y_pred: Sequence[float | None],
    invalid: str | float = "exclude",
    bounds: tuple[float, float] = (1.0, 100.0),
) -> float | None:
    """Mean absolute error under the ``invalid`` policy; ``None`` when nothing is left."""
    err = _errors(y_true, y_pred, invalid, bounds)
    return float(err.mean()) if err.size else None


def absolute_errors(
    y_true: Sequence[float],
    y_pred: Sequence[float | None],
    invalid: str | float = "exclude",
    bounds: tuple[float, float] = (1.0, 100.0),
) -> np.ndarray:
    """Per-sample absolute errors under the policy (input to the bootstrap)."""
    return _errors(y_true, y_pred, invalid, bounds)


def mae_report(
    y_true: Sequence[float], y_pred: Sequence[float | None], invalid: str | float = "exclude"
) -> dict[str, Any]:
    """``mae`` together with ``n_valid``, ``n_invalid`` and ``format_valid_rate``."""
    n_invalid = sum(p is None for p in y_pred)
    n = len(y_pred)
    return {
        "mae": mae(y_true, y_pred, invalid),
        "n_valid": n - n_invalid,
        "n_invalid": n_invalid,
        "format_valid_rate": (n - n_invalid) / n if n else None,
    }
