"""Plots for the red-door notebooks: tiles with predictions, metric bars, sweep curves."""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np

from gmlib.tiles import COLOURS, SHAPES

_GOOD, _BAD = "#1b9e77", "#d95f02"


def show_tiles(tiles, predictions: np.ndarray | None = None, *, n: int = 16, ncols: int = 8,
               title: str | None = None):
    """The first ``n`` tiles, labelled with type and colour; with ``predictions`` (0/1 per
    tile), each tile also shows the prediction, framed green when right and orange when wrong.
    """
    n = min(n, len(tiles))
    if n == 0:
        raise ValueError("no tiles to show")
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 2.0 * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.axis("off")
            continue
        ax.imshow(tiles.x[i].transpose(1, 2, 0), interpolation="nearest")
        label = f"{COLOURS[tiles.colour[i]]}\n{SHAPES[tiles.shape[i]]}"
        if predictions is not None:
            said = "door" if predictions[i] == 1 else "not door"
            ok = predictions[i] == tiles.y[i]
            label += f"\n→ {said}"
            for spine in ax.spines.values():
                spine.set_edgecolor(_GOOD if ok else _BAD)
                spine.set_linewidth(3)
        ax.set_title(label, fontsize=7)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def metric_bars(metrics: dict[str, float], *, title: str | None = None, ax=None,
                chance: float | None = 0.5):
    """One bar per metric on a 0-1 scale, with its value written on it."""
    if ax is None:
        _, ax = plt.subplots(figsize=(1.2 + 1.1 * len(metrics), 3))
    names, values = list(metrics), [metrics[k] for k in metrics]
    bars = ax.bar(names, values, color="#7570b3")
    for bar, v in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, min(v, 0.92) + 0.02, f"{v:.2f}",
                ha="center", fontsize=9)
    if chance is not None:
        ax.axhline(chance, color="grey", linestyle=":", linewidth=1)
    ax.set_ylim(0, 1.05)
    ax.tick_params(axis="x", labelrotation=20)
    if title:
        ax.set_title(title)
    return ax


MAX_CURVES = 4  # per axis: more than this and curves hide one another


def metric_curves(sweep, metrics: Sequence[str] | None = None, *, ax=None,
                  title: str | None = None):
    """Each metric against the training correlation: mean over seeds as a line, every
    seed as a dot (so the spread between seeds stays visible). More than four metrics on
    a figure of its own are drawn on side-by-side panels of at most four curves each."""
    own_figure = ax is None
    metrics = list(metrics or sweep.metric_names())
    if own_figure and len(metrics) > MAX_CURVES:
        n_panels = -(-len(metrics) // MAX_CURVES)
        per = -(-len(metrics) // n_panels)
        _, axes = plt.subplots(1, n_panels, figsize=(5.2 * n_panels, 3.6), squeeze=False)
        for k, panel in enumerate(axes[0]):
            metric_curves(sweep, metrics[k * per:(k + 1) * per], ax=panel, title=title)
            panel.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
        plt.tight_layout()
        return axes[0][0]
    if own_figure:
        _, ax = plt.subplots(figsize=(7.5, 3.5))
    xs = np.array(sweep.correlations)
    for name in metrics:
        table = sweep.table(name)
        line, = ax.plot(xs, np.nanmean(table, axis=1), marker="o", label=name)
        for j in range(table.shape[1]):
            ax.scatter(xs, table[:, j], color=line.get_color(), s=10, alpha=0.4)
    ax.set_xlabel("training correlation (P[door is red] = P[non-door is not red])")
    ax.set_ylim(-0.02, 1.05)
    if own_figure:  # room to the right: keep the legend off the curves
        ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    else:           # the caller's axes may have neighbours on the right
        ax.legend(fontsize=8)
    ax.set_title(title or f"{sweep.arch.upper()}, {len(sweep.seeds)} seed(s) per point")
    return ax


def loss_curve(losses: Sequence[float], *, ax=None, title: str = "training loss"):
    """Training loss per step."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 2.5))
    ax.plot(losses, linewidth=1)
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy")
    ax.set_title(title)
    return ax
