"""Report figures, drawn with matplotlib's Agg backend and returned as PNG bytes.

matplotlib is imported inside :func:`_plt` only, so the rest of facebench (and ``facebench
leaderboard``) never needs it; the backend is forced to Agg so a headless machine works. Each
function takes plain numbers (already read from the result files) and returns one figure.
Legends sit outside the axes, so they never hide a bar.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


def _legend_outside(ax: Any) -> None:
    """The legend to the right of the axes (never over the bars)."""
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


@dataclass
class Headline:
    """One task's headline metric for one model: value, 95% interval (or None) and floor."""

    task: str
    metric: str
    model: str
    value: float | None
    low: float | None = None
    high: float | None = None
    floor: float | None = None
    lower_is_better: bool = False


def headline_chart(entries: Sequence[Headline], ncols: int = 3) -> bytes:
    """One panel per task: a horizontal bar per model with its 95% interval, and the floor.

    Panels have their own x scale (accuracy and MAE in years share no axis); a lower-is-better
    metric says so in its panel title, and a model without a value (unanswered, needs a judge)
    is written as "no value" instead of a bar at 0.
    """
    plt = _plt()
    tasks = list(dict.fromkeys(e.task for e in entries))
    models = list(dict.fromkeys(e.model for e in entries))
    colours = {m: plt.cm.tab10(i % 10) for i, m in enumerate(models)}
    ncols = max(1, min(ncols, len(tasks)))
    nrows = max(1, math.ceil(len(tasks) / ncols))
    panel_h = 0.32 * len(models) + 1.1
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, panel_h * nrows), squeeze=False)
    for ax in axes.flat[len(tasks):]:
        ax.set_visible(False)
    for ax, task in zip(axes.flat, tasks):
        rows = {e.model: e for e in entries if e.task == task}
        first = next(iter(rows.values()))
        shown = [m for m in models if m in rows]  # the models that ran this task, in one order
        ys = list(range(len(shown)))
        top = 0.0
        for y, m in zip(ys, shown):
            e = rows[m]
            if e.value is None:
                ax.text(0.02, y, "no value (unanswered, or waits for a judge)", va="center",
                        transform=ax.get_yaxis_transform(), fontsize=7, color="#888")
                continue
            err = None
            if e.low is not None and e.high is not None:
                err = [[max(0.0, e.value - e.low)], [max(0.0, e.high - e.value)]]
                top = max(top, e.high)
            ax.barh(y, e.value, color=colours[m], height=0.6, xerr=err, capsize=3,
                    error_kw={"elinewidth": 1, "ecolor": "#333"})
            ax.text(e.value, y + 0.33, f" {e.value:.3g}", va="bottom", fontsize=6.5, color="#333")
            top = max(top, e.value)
        floors = [e.floor for e in rows.values() if e.floor is not None]
        if floors:
            ax.axvline(floors[0], color="#c0392b", linestyle="--", linewidth=1.2, label="floor")
            top = max(top, floors[0])
        ax.set_yticks(ys, shown, fontsize=7)
        ax.set_ylim(len(shown) - 0.5, -0.5)  # first model on top, also when no bar is drawn
        ax.set_xlim(0, (1.0 if top <= 1.0 and not first.lower_is_better else top * 1.15) or 1.0)
        arrow = "  \u2193 lower is better" if first.lower_is_better else ""
        ax.set_title(f"{task}: {first.metric}{arrow}", fontsize=9,
                     color="#8e44ad" if first.lower_is_better else "black")
        ax.tick_params(axis="x", labelsize=7)
    handles = [plt.Line2D([], [], color="#c0392b", linestyle="--", label="floor (majority class)"),
               plt.Line2D([], [], color="#333", marker="|", linestyle="-", label="95% bootstrap interval")]
    fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=8, frameon=False,
               bbox_to_anchor=(0.5, 1.0 + 0.25 / (panel_h * nrows)))
    fig.tight_layout()
    return _png(fig)


def confusion_matrix(labels: Sequence[str], columns: Sequence[str], matrix: Sequence[Sequence[int]],
                     title: str) -> bytes:
    """Row-normalised (each true class sums to 1), rows = true class, columns = predicted
    class (plus ``invalid``); each cell shows the share and the count, with a colour bar."""
    plt = _plt()
    shares = [[v / sum(row) if sum(row) else 0.0 for v in row] for row in matrix]
    fig, ax = plt.subplots(figsize=(0.7 * len(columns) + 3.2, 0.55 * len(labels) + 1.8))
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label("share of the true class", fontsize=8)
    ax.set_xticks(range(len(columns)), columns, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), [f"{lab} (n={sum(row)})" for lab, row in zip(labels, matrix)])
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(j, i, f"{shares[i][j]:.2f}\n{v}", ha="center", va="center", fontsize=6.5,
                        color="white" if shares[i][j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    return _png(fig)


def grouped_bars(values: Mapping[str, Mapping[str, float | None]], title: str, ylabel: str,
                 ylim: tuple[float, float] | None = None) -> bytes:
    """One group per category, one bar per series: ``values[series][category]``.

    Up to 12 categories stand as columns; more (CelebA's 40 attributes) lie as rows, so the
    names stay readable. The legend sits outside the axes. A ``None`` value (no answered
    sample, an undefined F1) draws no bar, never a bar at 0.
    """
    plt = _plt()
    series = list(values)
    categories = list(dict.fromkeys(c for s in values.values() for c in s))
    width = 0.8 / max(1, len(series))
    horizontal = len(categories) > 12
    if horizontal:
        fig, ax = plt.subplots(figsize=(6.5, 0.16 * len(categories) * max(1, len(series)) ** 0.5 + 1.2))
    else:
        fig, ax = plt.subplots(figsize=(max(5.0, 0.55 * len(categories) * max(1, len(series)) ** 0.5 + 2), 3.4))
    for k, name in enumerate(series):
        bars = [(i + k * width - 0.4 + width / 2, values[name].get(c)) for i, c in enumerate(categories)]
        defined = [(x, float(y)) for x, y in bars if y is not None]
        draw = ax.barh if horizontal else ax.bar
        # bar(x, height, width) and barh(y, width, height): the third is the bar's thickness
        draw([x for x, _ in defined], [y for _, y in defined], width, label=name)
    if horizontal:
        ax.set_yticks(range(len(categories)), categories, fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        if ylim:
            ax.set_xlim(*ylim)
    else:
        ax.set_xticks(range(len(categories)), categories, rotation=30, ha="right")
        ax.set_ylabel(ylabel)
        if ylim:
            ax.set_ylim(*ylim)
    ax.set_title(title, fontsize=9)
    if len(series) > 1:
        _legend_outside(ax)
    return _png(fig)


def age_scatter(points: Mapping[str, Sequence[tuple[float, float]]], title: str) -> bytes:
    """Predicted (y) against true (x) age, one colour per model, with the diagonal y = x."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 4.0))
    every = [v for pts in points.values() for p in pts for v in p]
    lo, hi = (min(every), max(every)) if every else (0.0, 100.0)
    for name, pts in points.items():
        ax.scatter([t for t, _ in pts], [p for _, p in pts], s=14, alpha=0.75, label=f"{name} (n={len(pts)})")
    ax.plot([lo, hi], [lo, hi], color="#555", linestyle=":", linewidth=1, label="predicted = true")
    ax.set_xlabel("true age")
    ax.set_ylabel("predicted age")
    ax.set_title(title, fontsize=9)
    _legend_outside(ax)
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
