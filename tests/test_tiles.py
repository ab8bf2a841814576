"""The red-door data: rendering, splits with the promised properties, counterfactuals."""

import numpy as np
import pytest

from gmlib.tile_data import (SPLITS, make_splits, recolour, reshape, sample_tiles, toggle_door,
                             toggle_red)
from gmlib.tiles import COLOURS, DOOR, RED, SHAPES, base_tile, render_tiles


@pytest.fixture(scope="module")
def splits():
    return make_splits(1.0, n_train=600, n_test=400, seed=3)


def test_base_tiles_are_minigrid_objects_in_their_colour():
    red_door = base_tile("door", "red")
    assert red_door.shape == (16, 16, 3) and red_door.dtype == np.uint8
    # a red object has no green or blue anywhere; a blue one no red
    assert red_door[..., 1:].max() == 0 and red_door[..., 0].max() == 255
    assert base_tile("door", "blue")[..., 0].max() == 0
    tiles = {(s, c): base_tile(s, c) for s in SHAPES for c in COLOURS}
    assert len({t.tobytes() for t in tiles.values()}) == len(SHAPES) * len(COLOURS)


def test_render_is_deterministic_given_nuisance():
    args = ([0, 1], [0, 2], [[0.1, -0.1], [0.0, 0.0]], [0.8, 1.0], [1.0, 0.9], [7, 8])
    a, b = render_tiles(*args), render_tiles(*args)
    assert a.shape == (2, 3, 16, 16) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert a.min() >= 0.0 and a.max() <= 1.0
    with pytest.raises(ValueError, match="same length"):
        render_tiles([0, 1], [0], [[0, 0], [0, 0]], [1, 1], [1, 1], [1, 2])


def test_same_seed_same_tiles_and_other_seed_other_tiles():
    a = sample_tiles(50, 0.8, 0.2, seed=1)
    b = sample_tiles(50, 0.8, 0.2, seed=1)
    c = sample_tiles(50, 0.8, 0.2, seed=2)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.colour, b.colour)
    assert not np.array_equal(a.x, c.x)


def test_split_shapes(splits):
    assert set(splits) == set(SPLITS)
    assert splits["train"].x.shape == (600, 3, 16, 16)
    for name in SPLITS[1:]:
        tiles = splits[name]
        assert tiles.x.shape == (400, 3, 16, 16)
        for labels in (tiles.shape, tiles.colour, tiles.is_door, tiles.is_red, tiles.scale):
            assert len(labels) == 400


def test_correlation_one_makes_colour_a_perfect_proxy(splits):
    for name in ("train", "test"):
        tiles = splits[name]
        assert np.array_equal(tiles.is_red, tiles.is_door)
        assert 0.4 < tiles.is_door.mean() < 0.6


def test_correlation_is_the_training_agreement_rate():
    for c in (0.5, 0.8):
        train = make_splits(c, n_train=4000, n_test=10, seed=0)["train"]
        agreement = np.mean(train.is_red == train.is_door)
        assert abs(agreement - c) < 0.03, (c, agreement)


def test_shifted_conflict_and_balanced_splits(splits):
    shifted = splits["shifted"]
    doors = shifted.is_door == 1
    assert np.all(shifted.colour[doors] == COLOURS.index("blue"))
    assert np.all(shifted.colour[~doors] == RED)
    conflict = splits["conflict"]
    assert np.all(conflict.is_red != conflict.is_door)
    assert set(conflict.is_door) == {0, 1}
    assert len(set(conflict.colour[conflict.is_door == 1])) == 5  # every non-red colour
    balanced = splits["balanced"]
    for door in (0, 1):
        red_rate = balanced.is_red[balanced.is_door == door].mean()
        assert 0.35 < red_rate < 0.65, (door, red_rate)


def test_test_set_size_does_not_change_training_set():
    a = make_splits(0.9, n_train=100, n_test=10, seed=5)["train"]
    b = make_splits(0.9, n_train=100, n_test=50, seed=5)["train"]
    assert np.array_equal(a.x, b.x)


@pytest.mark.parametrize("kwargs, message", [
    (dict(correlation=1.5), r"\[0, 1\]"),
    (dict(correlation=-0.1), r"\[0, 1\]"),
    (dict(correlation=1.0, p_nondoor_red=2.0), r"\[0, 1\]"),
    (dict(correlation=1.0, n_train=0), "positive integer"),
    (dict(correlation=1.0, size=4), r"\[8, 64\]"),
    (dict(correlation=1.0, noise=-1.0), r"\[0, 1\]"),
])
def test_bad_arguments_name_the_allowed_range(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_splits(**{"n_train": 10, "n_test": 10, **kwargs})


def test_recolour_and_reshape_hold_everything_else_fixed(splits):
    tiles = splits["balanced"].subset(np.arange(40))
    assert np.array_equal(recolour(tiles, tiles.colour).x, tiles.x)  # a no-op re-render is exact
    blue = recolour(tiles, "blue")
    assert np.all(blue.colour == COLOURS.index("blue"))
    assert np.array_equal(blue.shape, tiles.shape) and np.array_equal(blue.offset, tiles.offset)
    keys = reshape(tiles, "key")
    assert np.all(keys.shape == SHAPES.index("key")) and np.array_equal(keys.colour, tiles.colour)
    with pytest.raises(ValueError, match="unknown colour"):
        recolour(tiles, "orange")
    with pytest.raises(ValueError, match="one value per tile"):
        reshape(tiles, [0, 1])


def test_toggles_flip_exactly_one_attribute(splits):
    tiles = splits["balanced"]
    red = toggle_red(tiles, seed=0)
    assert np.all(red.is_red != tiles.is_red) and np.array_equal(red.shape, tiles.shape)
    door = toggle_door(tiles, seed=0)
    assert np.all(door.is_door != tiles.is_door) and np.array_equal(door.colour, tiles.colour)
    assert np.all(door.shape[tiles.shape == DOOR] != DOOR)
