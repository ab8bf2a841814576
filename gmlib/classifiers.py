"""Two small tile classifiers, and the helpers to get predictions and hidden features.

Both models end in a linear layer over a hidden feature vector (``model.features(x)``), so
a linear probe can ask what those features encode, and last-layer retraining can replace
the head while keeping the features.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gmlib.threads import single_thread

ARCHITECTURES: tuple[str, ...] = ("mlp", "cnn")


class MLP(nn.Module):
    """Flatten the tile, two hidden layers of ReLU units, a linear head with two logits."""

    def __init__(self, size: int = 16, hidden: int = 64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(),
            nn.Linear(3 * size * size, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
        )
        self.head = nn.Linear(hidden, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class SmallCNN(nn.Module):
    """Two 3x3 convolutions, global average pooling, a linear head with two logits.

    Global pooling throws away *where* things are, which makes "how much red is there"
    especially cheap for this network to compute.
    """

    def __init__(self, size: int = 16, channels: int = 32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, channels // 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(channels // 2, channels, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(channels, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def make_classifier(arch: str = "mlp", *, size: int = 16, seed: int = 0) -> nn.Module:
    """A freshly initialised classifier; the same ``seed`` gives the same weights."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; allowed: {list(ARCHITECTURES)}")
    torch.manual_seed(seed)
    return MLP(size) if arch == "mlp" else SmallCNN(size)


def _batches(x: np.ndarray, batch_size: int):
    for i in range(0, len(x), batch_size):
        yield torch.as_tensor(x[i:i + batch_size], dtype=torch.float32)


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Predicted labels (int64 array of 0/1) for images ``x`` of shape (N, 3, H, W)."""
    model.eval()
    with single_thread():
        out = [model(b).argmax(dim=1) for b in _batches(x, batch_size)]
    return torch.cat(out).numpy().astype(np.int64) if out else np.zeros(0, np.int64)


@torch.no_grad()
def hidden_features(model: nn.Module, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The hidden feature vectors the head reads, float32 array (N, D)."""
    model.eval()
    with single_thread():
        out = [model.features(b) for b in _batches(x, batch_size)]
    return torch.cat(out).numpy() if out else np.zeros((0, model.head.in_features), np.float32)


def accuracy(model: nn.Module, tiles) -> float:
    """Plain accuracy of ``model`` on a ``TileSet`` (fraction of tiles labelled correctly)."""
    return float(np.mean(predict(model, tiles.x) == tiles.y))
