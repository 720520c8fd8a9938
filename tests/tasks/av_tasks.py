"""Helpers of the AU and video task tests: hand-computed metrics and wiring probes.

The metrics are recomputed here from first principles (counts of TP/FP/FN, recalls), not with
facebench.metrics, so a test fails when the library and the hand computation disagree.
"""

from __future__ import annotations

from collections.abc import Iterable



def f1(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    """F1 of (truth, decision) pairs; None when there is no positive truth or decision."""
    tp = fp = fn = 0
    for truth, guess in pairs:
        tp += truth and guess
        fp += (not truth) and guess
        fn += truth and not guess
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None


def mean(values: Iterable[float | None]) -> float:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals)


def fold_mean_f1(decisions: dict[int, dict[str, list[tuple[bool, bool]]]]) -> tuple[float, dict[int, float]]:
    """fold -> AU -> (truth, decision) pairs  =>  (mean over folds of mean F1, per-fold mean F1)."""
    per_fold = {fold: mean(f1(p) for p in by_au.values()) for fold, by_au in decisions.items()}
    return mean(per_fold.values()), per_fold


def recalls(pairs: list[tuple[str, str | None]]) -> tuple[float, float]:
    """(UAR, WAR) of (truth, prediction) pairs; None predictions are wrong."""
    classes = sorted({t for t, _ in pairs})
    per = [sum(p == c for t, p in pairs if t == c) / sum(t == c for t, _ in pairs) for c in classes]
    war = sum(t == p for t, p in pairs) / len(pairs)
    return sum(per) / len(per), war
