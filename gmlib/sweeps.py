"""Train one classifier per (training correlation, seed) and record metrics of each.

The metrics are a function the notebook passes in, ``metrics_fn(model, splits) -> dict``,
so notebook 2 can sweep with the metric functions the students wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
from torch import nn
from tqdm.auto import tqdm

from gmlib.tile_data import TileSet, make_splits
from gmlib.train_classifier import train_classifier

# Sweeping two architectures over the same correlations should not draw the same tiles twice.
@lru_cache(maxsize=8)
def _splits(correlation: float, n_train: int, n_test: int, seed: int) -> dict[str, TileSet]:
    return make_splits(correlation, n_train=n_train, n_test=n_test, seed=seed)


MetricsFn = Callable[[nn.Module, dict[str, TileSet]], dict[str, float]]


@dataclass
class SweepResult:
    correlations: list[float]
    seeds: list[int]
    arch: str
    #: (correlation, seed) -> {metric name: value}
    metrics: dict[tuple[float, int], dict[str, float]] = field(default_factory=dict)
    #: (correlation, seed) -> the trained model, for looking at its predictions later
    models: dict[tuple[float, int], nn.Module] = field(default_factory=dict)

    def metric_names(self) -> list[str]:
        names: list[str] = []
        for row in self.metrics.values():
            names += [k for k in row if k not in names]
        return names

    def table(self, metric: str) -> np.ndarray:
        """Values of one metric, array (len(correlations), len(seeds)); NaN where missing."""
        return np.array([[self.metrics[(c, s)].get(metric, np.nan) for s in self.seeds]
                         for c in self.correlations], dtype=float)

    def mean(self, correlation: float) -> dict[str, float]:
        """Each metric averaged over seeds at one training correlation."""
        rows = [self.metrics[(correlation, s)] for s in self.seeds]
        return {k: float(np.nanmean([r.get(k, np.nan) for r in rows])) for k in self.metric_names()}


def correlation_sweep(correlations: Sequence[float], metrics_fn: MetricsFn, *,
                      arch: str = "mlp", seeds: Sequence[int] = (0,), n_train: int = 4000,
                      n_test: int = 500, epochs: int = 5, progress: bool = True) -> SweepResult:
    """For every correlation and seed: make the splits, train, and call ``metrics_fn``.

    Data seed and training seed are the same number, so seed ``s`` at correlation ``c`` is
    reproducible on its own.
    """
    if len(correlations) == 0 or len(seeds) == 0:
        raise ValueError("need at least one correlation and one seed")
    result = SweepResult([float(c) for c in correlations], [int(s) for s in seeds], arch)
    runs = [(c, s) for c in result.correlations for s in result.seeds]
    for c, s in tqdm(runs, desc=f"sweep ({arch})", disable=not progress):
        splits = _splits(c, n_train, n_test, s)
        model = train_classifier(splits["train"], arch, epochs=epochs, seed=s,
                                 progress=False).model
        result.models[(c, s)] = model
        result.metrics[(c, s)] = {k: float(v) for k, v in metrics_fn(model, splits).items()
                                  if v is not None}
    return result
