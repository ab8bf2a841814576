"""A seeded, deterministic training loop for the tile classifiers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from gmlib.classifiers import make_classifier
from gmlib.threads import single_thread
from gmlib.grading_cache import cache_folder, cached_run


@dataclass
class TrainResult:
    model: nn.Module
    losses: list[float] = field(default_factory=list)   #: training loss of every step
    epoch_losses: list[float] = field(default_factory=list)  #: mean loss of every epoch


def train_classifier(tiles, arch: str = "mlp", *, epochs: int = 5, lr: float = 1e-3,
                     batch_size: int = 64, seed: int = 0, sample_weight: np.ndarray | None = None,
                     model: nn.Module | None = None, progress: bool = True) -> TrainResult:
    """Train a classifier to predict ``tiles.y`` (is it a door?) with Adam and cross-entropy.

    The same ``seed`` gives the same initial weights and the same order of mini-batches, so
    the same model. ``sample_weight`` (one non-negative number per tile) weights each
    tile's loss, for group reweighting; ``model`` continues training an existing model
    instead of making a new one of type ``arch``.
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    if lr <= 0:
        raise ValueError(f"lr must be > 0, got {lr}")
    n = len(tiles)
    if n == 0:
        raise ValueError("cannot train on an empty TileSet")
    if sample_weight is None:
        weight = torch.ones(n)
    else:
        weight = torch.as_tensor(np.asarray(sample_weight, dtype=np.float32))
        if weight.shape != (n,) or (weight < 0).any():
            raise ValueError(f"sample_weight must be {n} non-negative numbers, "
                             f"got shape {tuple(weight.shape)}")
    if model is None:
        if cache_folder() is not None:  # under the grader: a run it has already made is loaded
            return _cached(tiles, arch, weight, epochs, lr, batch_size, seed, progress)
        model = make_classifier(arch, size=tiles.size, seed=seed)
    return _train(tiles, model, weight, epochs, lr, batch_size, seed, progress)


def _cached(tiles, arch: str, weight: torch.Tensor, epochs: int, lr: float, batch_size: int,
            seed: int, progress: bool) -> TrainResult:
    def run() -> dict:
        result = _train(tiles, make_classifier(arch, size=tiles.size, seed=seed), weight,
                        epochs, lr, batch_size, seed, progress)
        return {"state": result.model.state_dict(), "losses": result.losses,
                "epoch_losses": result.epoch_losses}

    parts = (tiles.x, tiles.y, arch, tiles.size, epochs, lr, batch_size, seed, weight.numpy())
    found = cached_run("classifier", parts, run)
    model = make_classifier(arch, size=tiles.size, seed=seed)
    model.load_state_dict(found["state"])
    model.eval()
    return TrainResult(model, list(found["losses"]), list(found["epoch_losses"]))


def _train(tiles, model: nn.Module, weight: torch.Tensor, epochs: int, lr: float,
           batch_size: int, seed: int, progress: bool) -> TrainResult:
    n = len(tiles)
    x = torch.as_tensor(tiles.x)
    y = torch.as_tensor(tiles.y)
    result = TrainResult(model)

    steps = epochs * ((n + batch_size - 1) // batch_size)
    bar = tqdm(total=steps, desc=f"training {type(model).__name__}", disable=not progress,
               leave=False)
    with single_thread():
        _run_epochs(model, x, y, weight, epochs, batch_size, lr, seed, result, bar)
    bar.close()
    model.eval()
    return result


def _run_epochs(model: nn.Module, x: torch.Tensor, y: torch.Tensor, weight: torch.Tensor,
                epochs: int, batch_size: int, lr: float, seed: int, result: TrainResult,
                bar) -> None:
    n = len(x)
    order = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=order)
        epoch = []
        for i in range(0, n, batch_size):
            idx = perm[i:i + batch_size]
            w = weight[idx]
            loss = (loss_fn(model(x[idx]), y[idx]) * w).sum() / w.sum().clamp_min(1e-12)
            opt.zero_grad()
            loss.backward()
            opt.step()
            result.losses.append(loss.item())
            epoch.append(result.losses[-1])
            bar.update(1)
        result.epoch_losses.append(float(np.mean(epoch)))
        bar.set_postfix(loss=f"{result.epoch_losses[-1]:.3f}")
