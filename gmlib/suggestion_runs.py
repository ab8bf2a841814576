"""Notebook 09's comparison: models trained on several data recipes, seed by seed, and a plot.

    runs = train_runs({"0 % wrong": lambda seed: make_prompts(50_000, seed=seed)}, [0, 1, 2])
    plot_deference({key: deference_rate_of(model) for key, model in runs.items()})

A *recipe* is a function from a seed to the training prompts; each (recipe, seed) pair trains
one model with that seed (``gmlib.tiny_lm.train_lm``), so the same seed means the same questions
and the same initial weights across recipes, and only the recipe differs.
"""

from __future__ import annotations

from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
from tqdm.auto import tqdm

from gmlib.suggestions import Prompts
from gmlib.tiny_lm import TinyTransformer, train_lm


def train_runs(recipes: dict[str, Callable[[int], Prompts]], seeds: list[int], *,
               steps: int = 600, progress: bool = True) -> dict[tuple[str, int], TinyTransformer]:
    """One trained model per (recipe name, seed), recipes in their order, seeds within."""
    if not recipes or not seeds:
        raise ValueError("need at least one recipe and one seed")
    keys = [(name, seed) for name in recipes for seed in seeds]
    runs = {}
    for name, seed in tqdm(keys, desc="training models", disable=not progress):
        runs[name, seed] = train_lm(recipes[name](seed), steps=steps, seed=seed,
                                    progress=False).model
    return runs


def plot_deference(rates: dict[tuple[str, int], float], ax=None):
    """Each seed's deference rate (a dot), by recipe (a column), with the recipe's mean (a bar)."""
    if not rates:
        raise ValueError("no deference rates to plot")
    names = list(dict.fromkeys(name for name, _ in rates))
    seeds = sorted({seed for _, seed in rates})
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(names) + 2.5, 3.4))
    for i, name in enumerate(names):
        values = [rates[name, s] for s in seeds if (name, s) in rates]
        ax.bar(i, np.mean(values), width=0.6, color="0.85", zorder=1,
               label="mean over seeds" if i == 0 else None)
        for j, s in enumerate(seeds):
            if (name, s) in rates:
                ax.scatter(i + 0.12 * (j - (len(seeds) - 1) / 2), rates[name, s], s=30, zorder=2,
                           color=f"C{j % 10}", label=f"seed {s}" if i == 0 else None)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("deference rate")
    ax.set_xlabel("training data")
    ax.set_title("share of questions it answers right alone,\nanswered the wrong user's way")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.figure.tight_layout()
    return ax
