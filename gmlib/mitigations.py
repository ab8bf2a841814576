"""Machinery for notebook 03: ways to stop a classifier from relying on the colour proxy.

Everything here is plumbing the notebook needs around the two graded exercises (the
group-balancing weights and the last-layer fit live in the notebook, never here):

- ``concat_tiles`` and ``mix_decorrelated``: a training set in which a fraction of the tiles
  comes from a distribution where colour says nothing about type;
- ``permute_colour_channels`` and ``colour_augmented``: colour augmentation by shuffling the
  red, green and blue channels of each tile (a red door can come out green or blue);
- ``standardize`` and ``install_linear_head``: the glue for last-layer retraining, which
  fits a logistic regression on a model's (standardized) hidden features and writes it back
  into the model's head;
- ``plot_tradeoff``: in-distribution accuracy against conflict accuracy, one point per run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from gmlib.tile_data import TileSet, sample_tiles

#: The six orderings of the (R, G, B) channels; the first is the identity.
CHANNEL_PERMUTATIONS = np.array([[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1],
                                 [2, 1, 0]])

_FIELDS = ("x", "shape", "colour", "offset", "scale", "brightness", "noise_seed")


def concat_tiles(*sets: TileSet) -> TileSet:
    """One ``TileSet`` holding the tiles of all ``sets``, in order."""
    if not sets:
        raise ValueError("concat_tiles needs at least one TileSet")
    sizes = {s.size for s in sets}
    noises = {s.noise for s in sets}
    if len(sizes) > 1 or len(noises) > 1:
        raise ValueError(f"tile sets differ in tile size {sorted(sizes)} or noise "
                         f"{sorted(noises)}; draw them with the same settings")
    return TileSet(**{f: np.concatenate([getattr(s, f) for s in sets]) for f in _FIELDS},
                   noise=sets[0].noise)


def mix_decorrelated(train: TileSet, fraction: float, *, seed: int) -> TileSet:
    """``train`` with a ``fraction`` of its tiles replaced by decorrelated ones.

    The new tiles come from the balanced distribution (half of the doors red, half of the
    other objects red), so that colour carries no information about type in them. The
    result has as many tiles as ``train``: the last ``round(fraction * len(train))`` tiles
    are dropped and the new ones appended.
    """
    fraction = float(fraction)
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    n_new = int(round(fraction * len(train)))
    if n_new == 0:
        return train
    new = sample_tiles(n_new, 0.5, 0.5, seed=seed, size=train.size, noise=train.noise)
    return concat_tiles(train.subset(np.arange(len(train) - n_new)), new)


def permute_colour_channels(x: np.ndarray, *, seed: int) -> np.ndarray:
    """Each image of ``x`` (N, 3, H, W) with its colour channels in a random order.

    Every one of the six orders (the identity included) is equally likely. A red object
    comes out red, green or blue; shape, position and noise are untouched.
    """
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"expected images of shape (N, 3, H, W), got {x.shape}")
    rng = np.random.default_rng(seed)
    perms = CHANNEL_PERMUTATIONS[rng.integers(0, len(CHANNEL_PERMUTATIONS), len(x))]
    return np.take_along_axis(x, perms[:, :, None, None], axis=1)


def colour_augmented(tiles: TileSet, *, copies: int = 1, seed: int) -> TileSet:
    """``copies`` colour-augmented copies of ``tiles``, one after another.

    The images are channel-permuted (``permute_colour_channels``); the other fields are
    those of the original tiles, so ``colour`` (and ``is_red``) describe the tile *before*
    augmentation. Train on the result; measure on un-augmented tiles.
    """
    if copies < 1:
        raise ValueError(f"copies must be >= 1, got {copies}")
    rng = np.random.default_rng(seed)
    parts = [replace(tiles, x=permute_colour_channels(tiles.x, seed=int(s)))
             for s in rng.integers(0, 2**31 - 1, copies)]
    return parts[0] if copies == 1 else concat_tiles(*parts)


def standardize(features: np.ndarray, mean: np.ndarray | None = None,
                std: np.ndarray | None = None, *, min_std: float = 1e-2):
    """``(features - mean) / std`` and the ``mean`` and ``std`` used.

    Without ``mean``/``std`` they are computed from ``features`` (per column); a column that
    barely varies (a unit that is almost never active) gets ``min_std`` instead of its tiny
    standard deviation, so that it cannot blow up on new inputs.
    """
    features = np.asarray(features, dtype=np.float64)
    if mean is None:
        mean = features.mean(axis=0)
    if std is None:
        std = np.maximum(features.std(axis=0), min_std)
    return (features - mean) / std, mean, std


def linear_logits(features: np.ndarray, coef: np.ndarray, intercept: float) -> np.ndarray:
    """Scores ``features @ coef + intercept`` of a binary logistic model (positive: door)."""
    return np.asarray(features, dtype=np.float64) @ np.asarray(coef, dtype=np.float64) \
        + float(intercept)


@torch.no_grad()
def install_linear_head(model: torch.nn.Module, coef: np.ndarray, intercept: float,
                        mean: np.ndarray, std: np.ndarray) -> torch.nn.Module:
    """Replace ``model.head`` (two logits) by a binary logistic model fitted on standardized
    features: the door logit minus the non-door logit becomes
    ``((features - mean) / std) @ coef + intercept``. Returns the model (changed in place).
    """
    coef = np.asarray(coef, dtype=np.float64)
    head = model.head
    if coef.shape != (head.in_features,):
        raise ValueError(f"coef must have one entry per hidden feature ({head.in_features}), "
                         f"got shape {coef.shape}")
    w = coef / np.asarray(std, dtype=np.float64)
    b = float(intercept) - float(np.dot(w, np.asarray(mean, dtype=np.float64)))
    head.weight.zero_()
    head.bias.zero_()
    head.weight[1] = torch.as_tensor(w, dtype=head.weight.dtype)
    head.bias[1] = b
    return model


def plot_tradeoff(results: Mapping[str, Sequence[tuple[float, float]]], *, ax=None,
                  title: str = "What each fix buys, and what it costs"):
    """Scatter in-distribution accuracy (x) against conflict accuracy (y).

    ``results`` maps a method name to its runs, each run an (in-distribution accuracy,
    conflict accuracy) pair; each method gets one colour, small dots for runs and a large
    marker for the mean. Returns the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    for i, (name, runs) in enumerate(results.items()):
        runs = np.asarray(runs, dtype=float).reshape(-1, 2)
        colour = f"C{i % 10}"
        ax.scatter(runs[:, 0], runs[:, 1], s=18, alpha=0.5, color=colour)
        ax.scatter(*runs.mean(axis=0), s=140, marker="*", color=colour, edgecolor="black",
                   label=f"{name} (mean of {len(runs)})")
    ax.plot([0, 1], [0, 1], color="grey", lw=0.5, ls=":")
    ax.axhline(0.5, color="grey", lw=0.5, ls="--")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("in-distribution accuracy (test tiles like the training tiles)")
    ax.set_ylabel("conflict accuracy (colour and type disagree)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower left")
    return ax


#: The methods ``compare_mitigations`` runs, in order.
METHODS: tuple[str, ...] = ("plain training", "decorrelated data", "group reweighting",
                            "last-layer retraining", "colour augmentation")


def compare_mitigations(seed: int, metrics_fn: Callable, *, group_weights: Callable,
                        fit_last_layer: Callable, arch: str = "mlp", correlation: float = 1.0,
                        n_train: int = 2000, n_test: int = 500, n_extra: int = 200,
                        epochs: int = 5, augment_copies: int = 1) -> dict[str, dict]:
    """Train the baseline and every fix on one seed; ``{method: metrics_fn(model, splits)}``.

    The baseline trains on ``n_train`` tiles at ``correlation``. The fixes that need data in
    which colour and type disagree all get the same budget of ``n_extra`` decorrelated,
    group-labelled tiles:

    - *decorrelated data*: they replace ``n_extra`` training tiles; plain training;
    - *group reweighting*: the same training set, each tile weighted by
      ``group_weights(labels, proxies)`` (the notebook's exercise);
    - *last-layer retraining*: the baseline's body is kept; a new head is fitted on the
      standardized hidden features of the ``n_extra`` tiles with
      ``fit_last_layer(features, labels, weights)`` (the notebook's exercise), the weights
      again from ``group_weights``;
    - *colour augmentation* needs no extra data: the training tiles with their colour
      channels shuffled (``augment_copies`` copies).
    """
    from gmlib.classifiers import hidden_features
    from gmlib.tile_data import make_splits
    from gmlib.train_classifier import train_classifier

    splits = make_splits(correlation, n_train=n_train, n_test=n_test, seed=seed)
    train = splits["train"]
    extra_seed, balanced_seed = np.random.SeedSequence([seed, 3]).generate_state(2)

    def fit(tiles, weight=None):
        return train_classifier(tiles, arch, epochs=epochs, seed=seed, sample_weight=weight,
                                progress=False).model

    out = {}
    base = fit(train)
    out["plain training"] = metrics_fn(base, splits)
    mixed = mix_decorrelated(train, n_extra / n_train, seed=int(extra_seed))
    out["decorrelated data"] = metrics_fn(fit(mixed), splits)
    weight = np.asarray(group_weights(mixed.is_door, mixed.is_red), dtype=np.float64)
    out["group reweighting"] = metrics_fn(fit(mixed, weight), splits)
    extra = sample_tiles(n_extra, 0.5, 0.5, seed=int(balanced_seed), size=train.size,
                         noise=train.noise)
    z, mean, std = standardize(hidden_features(base, extra.x))
    coef, intercept = fit_last_layer(z, extra.is_door,
                                     group_weights(extra.is_door, extra.is_red))
    out["last-layer retraining"] = metrics_fn(
        install_linear_head(base, coef, intercept, mean, std), splits)
    augmented = colour_augmented(train, copies=augment_copies, seed=seed)
    out["colour augmentation"] = metrics_fn(fit(augmented), splits)
    return out
