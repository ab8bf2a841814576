"""Rules a door classifier might follow, and test sets that tell them apart (notebook 02).

At training correlation 1.0 every door is red and nothing else is, so several rules fit the
training data perfectly: "door if red" (colour), "door if door-shaped" (shape), "door if a
red door" (both), "door if door-shaped or red" (either). A *telling set* is a list of tiles,
each a ``(shape, colour)`` pair, on which the rules give pairwise different answers: showing
it to a model says which rule the model follows.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from gmlib.tile_data import TileSet, recolour, reshape, sample_tiles
from gmlib.tiles import COLOURS, SHAPES

RULES: dict[str, Callable[[str, str], bool]] = {
    "colour (door if red)": lambda shape, colour: colour == "red",
    "shape (door if door-shaped)": lambda shape, colour: shape == "door",
    "both (door if a red door)": lambda shape, colour: shape == "door" and colour == "red",
    "either (door if door-shaped or red)": lambda shape, colour: shape == "door" or colour == "red",
}


def answers(tiles: list[tuple[str, str]]) -> dict[str, tuple[int, ...]]:
    """Each rule's answers (1 door, 0 not) on ``tiles``, in order."""
    return {name: tuple(int(rule(s, c)) for s, c in tiles) for name, rule in RULES.items()}


def check_telling_set(tiles: Any, max_tiles: int = 3) -> str:
    """'' when ``tiles`` (at most ``max_tiles`` ``(shape, colour)`` pairs) tells every two
    rules of ``RULES`` apart; otherwise why not."""
    if not isinstance(tiles, (list, tuple)) or not tiles:
        return "return a non-empty list of (shape, colour) pairs"
    if len(tiles) > max_tiles:
        return f"at most {max_tiles} tiles: this set has {len(tiles)}"
    pairs = []
    for tile in tiles:
        if not isinstance(tile, (list, tuple)) or len(tile) != 2 or \
                not all(isinstance(v, str) for v in tile):
            return f"each tile is a (shape, colour) pair of strings, got {tile!r}"
        shape, colour = tile
        if shape not in SHAPES:
            return f"unknown shape {shape!r}; shapes are {', '.join(SHAPES)}"
        if colour not in COLOURS:
            return f"unknown colour {colour!r}; colours are {', '.join(COLOURS)}"
        pairs.append((shape, colour))
    given = answers(pairs)
    names = list(given)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if given[a] == given[b]:
                return (f"the rules '{a}' and '{b}' give the same answers on these tiles "
                        f"({list(given[a])}): add or change a tile where they differ")
    return ""


def render(tiles: list[tuple[str, str]], n_each: int = 50, *, seed: int = 0) -> TileSet:
    """``n_each`` rendered instances of every ``(shape, colour)`` tile (position, scale,
    brightness and noise jittered as in training), grouped tile by tile."""
    shapes = np.repeat([SHAPES.index(s) for s, _ in tiles], n_each)
    colours = np.repeat([COLOURS.index(c) for _, c in tiles], n_each)
    base = sample_tiles(len(shapes), 0.5, 0.5, seed=seed)
    return recolour(reshape(base, shapes), colours)


def rule_agreement(predictions: np.ndarray, tiles: list[tuple[str, str]],
                   n_each: int) -> dict[str, float]:
    """Fraction of ``predictions`` (on ``render(tiles, n_each)``) that each rule agrees with."""
    predictions = np.asarray(predictions)
    return {name: float(np.mean(predictions == np.repeat(answer, n_each)))
            for name, answer in answers(list(tiles)).items()}
