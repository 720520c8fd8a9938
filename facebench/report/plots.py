"""Report figures, drawn with matplotlib's Agg backend and returned as PNG bytes.

matplotlib is imported inside :func:`_plt` only, so the rest of facebench (and ``facebench
leaderboard``) never needs it; the backend is forced to Agg so a headless machine works. Each
function takes plain numbers (already read from the result files) and returns one figure.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _plt().close(fig)
    return buf.getvalue()


def confusion_matrix(labels: Sequence[str], columns: Sequence[str], matrix: Sequence[Sequence[int]],
                     title: str) -> bytes:
    """Counts, rows = true class, columns = predicted class (plus ``invalid``)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(0.6 * len(columns) + 2.5, 0.5 * len(labels) + 1.8))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    top = max((max(r) for r in matrix if r), default=0)
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8,
                    color="white" if top and v > top / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    return _png(fig)


def grouped_bars(values: Mapping[str, Mapping[str, float | None]], title: str, ylabel: str,
                 ylim: tuple[float, float] | None = None) -> bytes:
    """One group per category (x), one bar per series (legend): ``values[series][category]``.

    A ``None`` value (no answered sample, an undefined F1) draws no bar, never a bar at 0.
    """
    plt = _plt()
    series = list(values)
    categories = list(dict.fromkeys(c for s in values.values() for c in s))
    width = 0.8 / max(1, len(series))
    fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(categories) * max(1, len(series)) ** 0.5 + 2), 3.4))
    for k, name in enumerate(series):
        bars = [(i + k * width - 0.4 + width / 2, values[name].get(c))
                for i, c in enumerate(categories)]
        defined = [(x, float(y)) for x, y in bars if y is not None]
        ax.bar([x for x, _ in defined], [y for _, y in defined], width=width, label=name)
    ax.set_xticks(range(len(categories)), categories, rotation=30, ha="right")
    ax.set_ylabel(ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    if len(series) > 1:
        ax.legend(fontsize=7, ncol=2)
    return _png(fig)


def sorted_bars(values: Mapping[str, float], title: str, ylabel: str, percent: bool = True) -> bytes:
    """Models sorted from lowest to highest (Face-MLLM Fig. 4 style)."""
    plt = _plt()
    items = sorted(values.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(max(4.0, 0.8 * len(items) + 1.5), 3.2))
    scale = 100.0 if percent else 1.0
    bars = ax.bar([k for k, _ in items], [v * scale for _, v in items],
                  color=[plt.cm.tab10(i % 10) for i in range(len(items))])
    for bar, (_, v) in zip(bars, items):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height(), f"{v * scale:.1f}",
                ha="center", va="bottom", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 105 if percent else None)
    ax.set_title(title)
    ax.tick_params(axis="x", rotation=30)
    return _png(fig)
