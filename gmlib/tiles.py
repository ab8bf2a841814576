"""Object tiles drawn with MiniGrid's own renderer.

The red-door data set is made of single MiniGrid objects (door, ball, box, key) in the six
MiniGrid colours. We draw them with MiniGrid's ``WorldObj.render`` so that they look exactly
like the objects an agent sees in a MiniGrid level, then add nuisance variation (position,
scale, brightness, pixel noise) that makes *shape* harder to read than *colour*.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from minigrid.core.constants import COLOR_NAMES
from minigrid.core.world_object import Ball, Box, Door, Key, WorldObj
from minigrid.utils.rendering import downsample

from gmlib.threads import single_thread

#: Object types, in the order used for the integer ``shape`` labels.
SHAPES: tuple[str, ...] = ("door", "ball", "box", "key")
#: MiniGrid's colours in its ``COLOR_NAMES`` order (alphabetical: red is index 4), used for
#: ``colour`` labels.
COLOURS: tuple[str, ...] = tuple(COLOR_NAMES)
DOOR = SHAPES.index("door")
RED = COLOURS.index("red")

# Objects are drawn at _DRAW pixels per output pixel and averaged down (anti-aliasing, as
# MiniGrid does); moving and scaling happens at _OVERSAMPLE pixels per output pixel, a
# trade-off between smooth jitter and speed.
_DRAW = 4
_OVERSAMPLE = 2
_CHUNK = 512


def shape_index(shape: str | int) -> int:
    """Index of an object type in ``SHAPES`` (accepts the name or the index)."""
    return _index(shape, SHAPES, "shape")


def colour_index(colour: str | int) -> int:
    """Index of a colour in ``COLOURS`` (accepts the name or the index)."""
    return _index(colour, COLOURS, "colour")


def _index(value: str | int, names: tuple[str, ...], what: str) -> int:
    if isinstance(value, str):
        if value not in names:
            raise ValueError(f"unknown {what} {value!r}; allowed: {list(names)}")
        return names.index(value)
    idx = int(value)
    if not 0 <= idx < len(names):
        raise ValueError(f"{what} index must be in [0, {len(names) - 1}], got {idx}")
    return idx


def world_object(shape: str | int, colour: str | int) -> WorldObj:
    """The MiniGrid object for a shape and colour (doors are closed and unlocked)."""
    name, col = SHAPES[shape_index(shape)], COLOURS[colour_index(colour)]
    if name == "door":
        return Door(col, is_open=False, is_locked=False)
    return {"ball": Ball, "box": Box, "key": Key}[name](col)


def base_tile(shape: str | int, colour: str | int, size: int = 16) -> np.ndarray:
    """A clean tile, ``size`` x ``size`` x 3 uint8, drawn by MiniGrid (black background).

    Unlike ``Grid.render_tile`` we leave out the grid lines: they are the same on every
    tile and would only add a constant border.
    """
    if size < 4:
        raise ValueError(f"tile size must be at least 4 pixels, got {size}")
    return _base_hi(shape_index(shape), colour_index(colour), size, _DRAW).copy()


def render_tiles(shapes: np.ndarray, colours: np.ndarray, offsets: np.ndarray,
                 scales: np.ndarray, brightness: np.ndarray, noise_seeds: np.ndarray,
                 size: int = 16, noise: float = 0.1) -> np.ndarray:
    """Render a batch of tiles with nuisance variation; float32 array (N, 3, size, size).

    ``offsets`` (N, 2) shift the object by a fraction of the tile; ``scales`` (N,) shrink or
    grow it about the centre; ``brightness`` (N,) multiplies all pixel values; each tile gets
    Gaussian pixel noise of standard deviation ``noise`` from its own ``noise_seeds`` entry,
    so re-rendering one tile with another colour keeps the very same noise (a clean
    counterfactual). Values are clipped to [0, 1].
    """
    shapes, colours = np.asarray(shapes), np.asarray(colours)
    n = len(shapes)
    offsets = np.asarray(offsets, dtype=np.float32).reshape(n, 2)
    scales = np.asarray(scales, dtype=np.float32).reshape(n)
    brightness = np.asarray(brightness, dtype=np.float32).reshape(n)
    noise_seeds = np.asarray(noise_seeds).reshape(n)
    if len(colours) != n:
        raise ValueError(f"shapes and colours must have the same length, got {n} and {len(colours)}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    if n == 0:
        return np.zeros((0, 3, size, size), dtype=np.float32)

    # Geometry in chunks, so that memory stays flat however many tiles are asked for.
    small = np.concatenate([
        _place(shapes[i:i + _CHUNK], colours[i:i + _CHUNK], offsets[i:i + _CHUNK],
               scales[i:i + _CHUNK], size)
        for i in range(0, n, _CHUNK)])

    small *= brightness[:, None, None, None]
    if noise > 0:
        small += np.stack([np.random.default_rng(int(s)).normal(0.0, noise, (3, size, size))
                           for s in noise_seeds]).astype(np.float32)
    return np.clip(small, 0.0, 1.0).astype(np.float32)


def _place(shapes: np.ndarray, colours: np.ndarray, offsets: np.ndarray,
           scales: np.ndarray, size: int) -> np.ndarray:
    """Scale and shift clean tiles, then average down to ``size`` pixels (N, 3, size, size)."""
    n, hi = len(shapes), size * _OVERSAMPLE
    base = np.stack([_base_hi(int(s), int(c), size, _DRAW // _OVERSAMPLE)
                     for s, c in zip(shapes, colours)])
    base_t = torch.from_numpy(base).permute(0, 3, 1, 2).float() / 255.0
    # Affine map from output to input coordinates (normalised to [-1, 1]): scaling the
    # object by s and moving it by t means sampling the input at (p - t) / s.
    shift = 2.0 * torch.from_numpy(offsets)
    inv = 1.0 / torch.from_numpy(scales)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = inv
    theta[:, 1, 1] = inv
    theta[:, :, 2] = -shift * inv[:, None]
    with single_thread():  # see gmlib.threads: faster on a busy machine
        grid = F.affine_grid(theta, [n, 3, hi, hi], align_corners=False)
        moved = F.grid_sample(base_t, grid, mode="bilinear", padding_mode="zeros",
                              align_corners=False)
        return F.avg_pool2d(moved, _OVERSAMPLE).numpy()


@lru_cache(maxsize=None)
def _base_hi(shape: int, colour: int, size: int, factor: int) -> np.ndarray:
    """A clean tile drawn at ``size * _DRAW`` pixels, averaged down by ``factor`` (cached)."""
    px = size * _DRAW
    img = np.zeros((px, px, 3), dtype=np.uint8)
    world_object(shape, colour).render(img)
    img = downsample(img, factor).astype(np.uint8) if factor > 1 else img
    img.setflags(write=False)  # cached: callers must not modify it
    return img
