"""The red-door data set: MiniGrid object tiles whose colour can stand in for their type.

The intended concept is "is this a door?". In the training data the colour red can be made
to predict the answer as well as the shape does: ``correlation`` is the probability that a
training door is red, and (unless set separately) ``1 - correlation`` is the probability that
a non-door is red. With balanced classes, ``correlation`` is then exactly the fraction of
training tiles on which "is red" and "is a door" agree; at 0.5 colour carries no information.

Every tile keeps its labels (type, colour) and its nuisance draws (offset, scale,
brightness, noise seed), so metrics can split examples by group and counterfactual tiles
can change one attribute while holding everything else fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gmlib.grading_cache import cache_folder, cached_run
from gmlib.tiles import COLOURS, DOOR, RED, SHAPES, colour_index, render_tiles, shape_index

#: The splits ``make_splits`` returns, in order.
SPLITS: tuple[str, ...] = ("train", "test", "shifted", "conflict", "balanced")


@dataclass(frozen=True)
class TileSet:
    """Tiles and their per-example labels; all arrays have the same first dimension."""

    x: np.ndarray            #: images, float32 (N, 3, size, size) in [0, 1]
    shape: np.ndarray        #: object type, int64 index into ``gmlib.tiles.SHAPES``
    colour: np.ndarray       #: colour, int64 index into ``gmlib.tiles.COLOURS``
    offset: np.ndarray       #: position jitter, float32 (N, 2), fraction of the tile
    scale: np.ndarray        #: scale jitter, float32 (N,)
    brightness: np.ndarray   #: brightness factor, float32 (N,)
    noise_seed: np.ndarray   #: seed of each tile's pixel noise, int64 (N,)
    noise: float = 0.1       #: standard deviation of the pixel noise

    @property
    def is_door(self) -> np.ndarray:
        """The true label: 1 for doors, 0 for balls, boxes and keys (int64)."""
        return (self.shape == DOOR).astype(np.int64)

    @property
    def is_red(self) -> np.ndarray:
        """The proxy: 1 for red tiles, 0 otherwise (int64)."""
        return (self.colour == RED).astype(np.int64)

    @property
    def y(self) -> np.ndarray:
        """Alias of ``is_door``, the label classifiers are trained on."""
        return self.is_door

    @property
    def size(self) -> int:
        return int(self.x.shape[-1])

    def __len__(self) -> int:
        return len(self.shape)

    def subset(self, index: np.ndarray) -> "TileSet":
        """The tiles at ``index`` (an integer or boolean array)."""
        return replace(self, x=self.x[index], shape=self.shape[index], colour=self.colour[index],
                       offset=self.offset[index], scale=self.scale[index],
                       brightness=self.brightness[index], noise_seed=self.noise_seed[index])

    def colour_names(self) -> list[str]:
        return [COLOURS[c] for c in self.colour]

    def shape_names(self) -> list[str]:
        return [SHAPES[s] for s in self.shape]


def _check_probability(name: str, p: float) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {p}")
    return p


def _pick_colours(rng: np.random.Generator, n: int, p_red: float) -> np.ndarray:
    """Red with probability ``p_red``, otherwise one of the five other colours uniformly."""
    others = np.array([i for i in range(len(COLOURS)) if i != RED])
    colours = others[rng.integers(0, len(others), n)]
    colours[rng.random(n) < p_red] = RED
    return colours.astype(np.int64)


def sample_tiles(n: int, p_door_red: float, p_nondoor_red: float, *, seed: int,
                 door_fraction: float = 0.5, size: int = 16, noise: float = 0.1,
                 jitter: float = 1.0, door_colour: str | None = None,
                 nondoor_colour: str | None = None) -> TileSet:
    """Draw ``n`` tiles: doors with probability ``door_fraction``, else ball/box/key uniformly.

    A door is red with probability ``p_door_red`` and a non-door with ``p_nondoor_red``;
    a non-red tile takes one of the other five MiniGrid colours uniformly. ``door_colour`` /
    ``nondoor_colour`` fix the colour of all doors / non-doors instead (for shifted tests).
    ``jitter`` scales all shape nuisance (0 gives clean, centred tiles at full brightness).
    """
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    n = int(n)
    p_door_red = _check_probability("p_door_red", p_door_red)
    p_nondoor_red = _check_probability("p_nondoor_red", p_nondoor_red)
    door_fraction = _check_probability("door_fraction", door_fraction)
    if not 0.0 <= jitter <= 1.0:
        raise ValueError(f"jitter must be in [0, 1], got {jitter}")
    if not 8 <= size <= 64:
        raise ValueError(f"size must be in [8, 64] pixels, got {size}")
    if not 0.0 <= noise <= 1.0:
        raise ValueError(f"noise must be in [0, 1], got {noise}")

    rng = np.random.default_rng(seed)
    is_door = rng.random(n) < door_fraction
    shape = np.where(is_door, DOOR, rng.integers(1, len(SHAPES), n)).astype(np.int64)
    colour = np.where(is_door, _pick_colours(rng, n, p_door_red),
                      _pick_colours(rng, n, p_nondoor_red)).astype(np.int64)
    if door_colour is not None:
        colour[is_door] = colour_index(door_colour)
    if nondoor_colour is not None:
        colour[~is_door] = colour_index(nondoor_colour)

    # Shape nuisance: the object moves by up to 15 % of the tile and shrinks to 65 %, so
    # outlines land on different pixels from tile to tile, while a red tile is red anywhere.
    offset = (jitter * rng.uniform(-0.15, 0.15, (n, 2))).astype(np.float32)
    scale = (1.0 - jitter * rng.uniform(0.0, 0.35, n)).astype(np.float32)
    brightness = (1.0 + jitter * rng.uniform(-0.3, 0.1, n)).astype(np.float32)
    noise_seed = rng.integers(0, 2**31 - 1, n, dtype=np.int64)
    x = _render(shape, colour, offset, scale, brightness, noise_seed, size, noise)
    return TileSet(x=x, shape=shape, colour=colour, offset=offset, scale=scale,
                   brightness=brightness, noise_seed=noise_seed, noise=noise)


def make_splits(correlation: float = 1.0, *, n_train: int = 4000, n_test: int = 1000,
                seed: int = 0, p_nondoor_red: float | None = None, size: int = 16,
                noise: float = 0.1) -> dict[str, TileSet]:
    """The five splits of the red-door experiment, keyed by name (see ``SPLITS``).

    - ``train``: doors red with probability ``correlation``, non-doors red with
      ``p_nondoor_red`` (default ``1 - correlation``);
    - ``test``: a fresh sample from the training distribution (in-distribution test);
    - ``shifted``: deployment: every door is blue and every non-door is red;
    - ``conflict``: every tile where the proxy disagrees with the label: non-red doors
      (any of the five other colours) and red non-doors;
    - ``balanced``: colour independent of type (half of each class red), so that all four
      (label, proxy) groups are well populated.

    Each split draws from its own seed derived from ``seed``, so changing ``n_test`` does
    not change the training set.
    """
    correlation = _check_probability("correlation", correlation)
    p_nondoor = 1.0 - correlation if p_nondoor_red is None else p_nondoor_red
    p_nondoor = _check_probability("p_nondoor_red", p_nondoor)
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    seeds = np.random.SeedSequence(seed).generate_state(len(SPLITS))
    common = dict(size=size, noise=noise)
    return {
        "train": sample_tiles(n_train, correlation, p_nondoor, seed=int(seeds[0]), **common),
        "test": sample_tiles(n_test, correlation, p_nondoor, seed=int(seeds[1]), **common),
        "shifted": sample_tiles(n_test, 0.0, 1.0, seed=int(seeds[2]), door_colour="blue",
                                nondoor_colour="red", **common),
        "conflict": sample_tiles(n_test, 0.0, 1.0, seed=int(seeds[3]), **common),
        "balanced": sample_tiles(n_test, 0.5, 0.5, seed=int(seeds[4]), **common),
    }


def _render(shape: np.ndarray, colour: np.ndarray, offset: np.ndarray, scale: np.ndarray,
            brightness: np.ndarray, noise_seed: np.ndarray, size: int, noise: float) -> np.ndarray:
    """``render_tiles``, or under the grader the pictures its warm-up already drew
    (gmlib.grading_cache): drawing is most of what a grading run of notebook 02 computes."""
    args = (shape, colour, offset, scale, brightness, noise_seed)
    if cache_folder() is None:
        return render_tiles(*args, size=size, noise=noise)
    import torch

    stored = cached_run("tiles", tuple(np.asarray(a) for a in args) + (int(size), float(noise)),
                        lambda: {"x": torch.from_numpy(render_tiles(*args, size=size, noise=noise))})
    return stored["x"].numpy()


def _rerender(tiles: TileSet, shape: np.ndarray, colour: np.ndarray) -> TileSet:
    x = _render(shape, colour, tiles.offset, tiles.scale, tiles.brightness, tiles.noise_seed,
                tiles.size, tiles.noise)
    return replace(tiles, x=x, shape=shape.astype(np.int64), colour=colour.astype(np.int64))


def _broadcast(value, n: int, to_index) -> np.ndarray:
    if isinstance(value, (str, int, np.integer)):
        return np.full(n, to_index(value), dtype=np.int64)
    arr = np.asarray([to_index(v) for v in value], dtype=np.int64)
    if len(arr) != n:
        raise ValueError(f"expected one value per tile ({n}), got {len(arr)}")
    return arr


def recolour(tiles: TileSet, colour) -> TileSet:
    """The same tiles in another colour: same shape, position, scale, brightness and noise.

    ``colour`` is one colour (name or index) for all tiles, or one per tile.
    """
    return _rerender(tiles, tiles.shape.copy(), _broadcast(colour, len(tiles), colour_index))


def reshape(tiles: TileSet, shape) -> TileSet:
    """The same tiles as another object type: same colour, position, scale, brightness, noise.

    ``shape`` is one type (name or index) for all tiles, or one per tile.
    """
    return _rerender(tiles, _broadcast(shape, len(tiles), shape_index), tiles.colour.copy())


def toggle_red(tiles: TileSet, *, seed: int) -> TileSet:
    """Intervene on the proxy only: red tiles get a random other colour, others turn red."""
    rng = np.random.default_rng(seed)
    others = _pick_colours(rng, len(tiles), 0.0)
    return recolour(tiles, np.where(tiles.colour == RED, others, RED))


def toggle_door(tiles: TileSet, *, seed: int) -> TileSet:
    """Intervene on the label only: doors become a random ball/box/key, the rest doors."""
    rng = np.random.default_rng(seed)
    others = rng.integers(1, len(SHAPES), len(tiles))
    return reshape(tiles, np.where(tiles.shape == DOOR, others, DOOR))
