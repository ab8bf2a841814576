"""The pixel red-door maze (gmlib.rl.pixels): its observation, its door, and what notebook 06
says about the pixel agents, checked over every shipped seed with the notebook's thresholds.

The claims are evaluated on the notebook's own episodes (levels from seed 90,000, the agents'
sampled actions); the checkpoints load, nothing trains.
"""

from __future__ import annotations

from functools import lru_cache

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env
from minigrid.core.constants import COLORS
from minigrid.core.grid import Grid
from minigrid.core.world_object import Ball, Box, Door, Key

import gmlib.rl  # noqa: F401  (registers every gmlib/ id)
from gmlib.rl.agents import checkpoint_names, load_checkpoint
from gmlib.rl.evaluation import evaluate, outcome_rates
from gmlib.rl.pixels import (PIXEL_ENV_IDS, PIXEL_TILE, WALL_ENV_IDS, FilledDoor, PixelCNNPolicy,
                             RedDoorMazePixels, cell_picture, egocentric_pixels)
from gmlib.rl.plots import level_frame
from gmlib.rl.shortest_path import shortest_path_lengths
from tests.torch_threads import one_torch_thread  # noqa: F401  (module fixture)

MAZE = {"size": 6, "n_distractors": 1}
PIXEL_SEEDS = tuple(range(10))
EVAL_SEED = 90_000  # the notebook's levels
N = 100  # episodes per agent and kind of level, as the notebook plays them outside grading mode
TRAIN, TEST = "gmlib/RedDoorMazePixels-v0", "gmlib/RedDoorMazePixelsTest-v0"
BLUE_DOOR, RED_PAIR = "gmlib/RedDoorMazePixelsBlueDoor-v0", "gmlib/RedDoorMazePixelsRedPair-v0"




def colour_share(tile: np.ndarray, colour: str) -> float:
    """Share of a ``(h, w, 3)`` picture's pixels within 40 of ``colour`` on every channel."""
    return float(np.mean(np.all(np.abs(tile.astype(int) - COLORS[colour]) <= 40, axis=-1)))


# --------------------------------------------------------------------------------------------
# The observation and the levels.
# --------------------------------------------------------------------------------------------
def test_pixel_ids_register_on_import():
    assert set(PIXEL_ENV_IDS) <= set(gym.registry)
    for env_id, variant in PIXEL_ENV_IDS.items():
        assert gym.make(env_id).unwrapped.variant == variant


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("env_id", sorted(PIXEL_ENV_IDS))
def test_env_checker_passes(env_id):
    check_env(gym.make(env_id, **MAZE).unwrapped, skip_render_check=True)


def test_observation_is_a_56_pixel_rgb_image_of_the_view():
    env = gym.make(TEST, **MAZE)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, 7 * PIXEL_TILE, 7 * PIXEL_TILE) == (3, 56, 56) and obs.dtype == np.uint8
    assert env.observation_space.contains(obs)
    for _ in range(10):
        obs, *_ = env.step(2)
        assert env.observation_space.contains(obs)
    np.testing.assert_array_equal(obs, egocentric_pixels(env.unwrapped))
    assert gym.make(TEST, tile_size=4, **MAZE).reset(seed=0)[0].shape == (3, 28, 28)


def test_same_seed_same_pixels_and_seeds_differ():
    a, b = gym.make(TEST, **MAZE), gym.make(TEST, **MAZE)
    seen = set()
    for seed in range(6):
        obs_a, info_a = a.reset(seed=seed)
        obs_b, info_b = b.reset(seed=seed)
        np.testing.assert_array_equal(obs_a, obs_b)
        assert info_a == info_b
        for action in (2, 0, 2, 1):
            np.testing.assert_array_equal(a.step(action)[0], b.step(action)[0])
        seen.add(obs_a.tobytes())
    assert len(seen) > 1


def test_the_door_is_drawn_mostly_in_its_colour_unlike_minigrids():
    for colour in ("red", "blue"):
        filled = cell_picture(FilledDoor(colour), PIXEL_TILE)
        assert filled.shape == (PIXEL_TILE, PIXEL_TILE, 3) and colour_share(filled, colour) >= 0.8
        plain = Grid.render_tile(Door(colour), tile_size=PIXEL_TILE)
        assert colour_share(plain, colour) < 0.5  # MiniGrid's own door: a thin frame
    # Every red non-door covers less of its cell than the door does: the door is the reddest.
    door = colour_share(cell_picture(FilledDoor("red"), PIXEL_TILE), "red")
    for kind in (Ball, Box, Key):
        assert colour_share(cell_picture(kind("red"), PIXEL_TILE), "red") < door - 0.3


def test_the_observation_shows_the_filled_door_where_it_stands():
    env = RedDoorMazePixels(variant="train", **MAZE)
    shown = 0
    for seed in range(40):
        env.reset(seed=seed)
        grid, visible = env.gen_obs_grid()
        obs = env.gen_obs().transpose(1, 2, 0)
        for i in range(7):
            for j in range(7):
                if visible[i, j] and isinstance(grid.get(i, j), Door):
                    tile = obs[j * PIXEL_TILE:(j + 1) * PIXEL_TILE, i * PIXEL_TILE:(i + 1) * PIXEL_TILE]
                    assert colour_share(tile, "red") >= 0.8
                    shown += 1
    assert shown >= 10


def test_frames_for_people_show_the_filled_door_even_after_minigrids_door():
    # MiniGrid caches tiles by encoding, which the two doors share: the pixel level must not
    # pick up the picture of the symbolic maze's door drawn before it.
    symbolic = gym.make("gmlib/RedDoorMaze-v0", **MAZE)
    symbolic.reset(seed=3)
    level_frame(symbolic, tile_size=PIXEL_TILE)
    env = gym.make(TRAIN, **MAZE)
    env.reset(seed=3)
    frame = level_frame(env, tile_size=PIXEL_TILE)
    x, y = env.unwrapped.goal_pos
    tile = frame[y * PIXEL_TILE:(y + 1) * PIXEL_TILE, x * PIXEL_TILE:(x + 1) * PIXEL_TILE]
    assert colour_share(tile, "red") >= 0.8


def test_variants_are_the_symbolic_test_level_changed_in_one_thing():
    for seed in range(30):
        symbolic = gym.make("gmlib/RedDoorMazeTest-v0", **MAZE)
        _, info = symbolic.reset(seed=seed)
        base = symbolic.unwrapped.objects
        levels = {}
        for env_id, variant in PIXEL_ENV_IDS.items():
            if variant != "train":
                env = gym.make(env_id, **MAZE)
                env.reset(seed=seed)
                levels[variant] = env.unwrapped
        door, proxy = info["goal_pos"], info["proxy_pos"]
        for variant, level in levels.items():
            assert tuple(level.agent_pos) == info["agent_pos"] and level.goal_pos == door
            assert isinstance(level.objects[door], FilledDoor)
            others = {p: (o.type, o.color) for p, o in level.objects.items() if p not in (door, proxy)}
            assert others == {p: (o.type, o.color) for p, o in base.items() if p not in (door, proxy)}
        assert levels["test"].objects[door].color == "blue" and levels["test"].proxy_pos == proxy
        assert levels["blue_door"].proxy_pos is None and proxy not in levels["blue_door"].objects
        assert not any(o.color == "red" for o in levels["blue_door"].objects.values())
        assert levels["red_pair"].objects[door].color == "red"
        assert levels["red_pair"].objects[proxy].color == "red" and levels["red_pair"].objects[proxy].type != "door"


def test_training_levels_have_one_red_thing_the_door():
    env = RedDoorMazePixels(variant="train", **MAZE)
    for seed in range(30):
        _, info = env.reset(seed=seed)
        reds = [p for p, o in env.objects.items() if o.color == "red"]
        assert reds == [info["goal_pos"]] and env.objects[reds[0]].type == "door"


def test_symbolic_views_of_the_pixel_level_match_the_symbolic_maze():
    pixel = RedDoorMazePixels(variant="train", obs_mode="egocentric", **MAZE)
    symbolic = gym.make("gmlib/RedDoorMaze-v0", obs_mode="egocentric", **MAZE)
    for seed in range(5):
        np.testing.assert_array_equal(pixel.reset(seed=seed)[0], symbolic.reset(seed=seed)[0])


@pytest.mark.parametrize("kwargs", [{"variant": "holdout"}, {"tile_size": 2}, {"tile_size": 8.0},
                                    {"tile_size": True}, {"test": True}, {"obs_mode": "rgb"}])
def test_bad_arguments_raise_value_errors(kwargs):
    with pytest.raises(ValueError):
        RedDoorMazePixels(**kwargs)


VARIANTS_DOOR = {"train": "red", "test": "blue", "blue_door": "blue", "red_pair": "red"}


def test_objects_in_wall_sets_every_object_into_the_wall_reachable():
    """The probe variant: every object in a non-corner cell of the outer wall, the wall whole,
    the room empty but for the agent, every object reachable; the variants as before."""
    for env_id, variant in WALL_ENV_IDS.items():
        env = gym.make(env_id, **MAZE)
        assert env.unwrapped.variant == variant and env.unwrapped.objects_in_wall
        for seed in range(30):
            _, info = env.reset(seed=seed)
            level, side = env.unwrapped, MAZE["size"]
            border = {(x, y) for x in range(side) for y in range(side) if x in (0, side - 1) or y in (0, side - 1)}
            for pos in level.objects:
                assert pos in border and (pos[0] in (0, side - 1)) != (pos[1] in (0, side - 1))
            for x, y in np.ndindex(side, side):
                assert (level.grid.get(x, y) is not None) == ((x, y) in border)
            assert None not in shortest_path_lengths(env).values()
            door = level.objects[info["goal_pos"]]
            assert isinstance(door, FilledDoor) and door.color == VARIANTS_DOOR[variant]
            reds = [p for p, o in level.objects.items() if o.color == "red" and o.type != "door"]
            assert reds == ([info["proxy_pos"]] if variant in ("test", "red_pair") else [])
            assert len(level.objects) == MAZE["n_distractors"] + 1 + len(reds)


def test_objects_in_wall_variants_share_a_layout_and_default_is_unchanged():
    for seed in range(20):
        levels = {}
        for env_id, variant in WALL_ENV_IDS.items():
            env = gym.make(env_id, **MAZE)
            env.reset(seed=seed)
            levels[variant] = env.unwrapped
        test = levels["test"]
        for variant in ("blue_door", "red_pair"):
            level = levels[variant]
            assert tuple(level.agent_pos) == tuple(test.agent_pos) and level.goal_pos == test.goal_pos
            assert ({p: o.type for p, o in level.objects.items() if p != test.proxy_pos}
                    == {p: o.type for p, o in test.objects.items() if p != test.proxy_pos})
        # objects_in_wall=False is the default: the same levels and pixels as the shipped ids.
        for env_id, variant in PIXEL_ENV_IDS.items():
            a, b = gym.make(env_id, **MAZE), RedDoorMazePixels(variant=variant, objects_in_wall=False, **MAZE)
            obs_a, info_a = a.reset(seed=seed)
            obs_b, info_b = b.reset(seed=seed)
            assert info_a == info_b and not a.unwrapped.objects_in_wall
            np.testing.assert_array_equal(obs_a, obs_b)
    with pytest.raises(ValueError):
        RedDoorMazePixels(objects_in_wall="yes")


def test_pixel_policy_shapes_and_bad_inputs():
    net = PixelCNNPolicy((3, 56, 56), n_actions=3, hidden=64)
    logits, value = net(torch.zeros(5, 3, 56, 56))
    assert logits.shape == (5, 3) and value.shape == (5,)
    for shape in ((3, 50, 56), (1, 56, 56), (56, 56)):
        with pytest.raises(ValueError):
            PixelCNNPolicy(shape, n_actions=3)


# --------------------------------------------------------------------------------------------
# What notebook 06 says about the shipped pixel agents (its episodes: 100 per kind of level).
# --------------------------------------------------------------------------------------------
KINDS = {"training": TRAIN, "test": TEST, "blue door": BLUE_DOOR, "red pair": RED_PAIR}


@lru_cache(maxsize=None)
def pixel_rates(seed: int, kind: str) -> dict[str, float]:
    agent = load_checkpoint(f"maze_pixels_seed{seed}")
    return outcome_rates(evaluate(agent, KINDS[kind], n_episodes=N, seed=EVAL_SEED, **MAZE))


def test_ten_pixel_seeds_ship_small():
    names = [f"maze_pixels_seed{seed}" for seed in PIXEL_SEEDS]
    assert set(names) <= set(checkpoint_names())
    for name in names:
        agent = load_checkpoint(name)
        assert agent.config.policy == "pixel_cnn" and agent.config.env_id == TRAIN
        assert agent.config.env_kwargs == MAZE and agent.obs_shape == (3, 56, 56)
    from gmlib.rl.agents import NAMED_DIR
    assert max((NAMED_DIR / f"{name}.pt").stat().st_size for name in names) < 150_000


@pytest.mark.parametrize("seed", PIXEL_SEEDS)
def test_pixel_agent_learns_the_maze(seed):
    """'Every pixel seed reaches the red door in at least 95 % of its training levels.'"""
    assert pixel_rates(seed, "training")["goal"] >= 0.95


@pytest.mark.parametrize("seed", PIXEL_SEEDS)
def test_pixel_agent_wants_neither_the_door_nor_the_colour_alone(seed):
    """Test levels: the blue door in at most 2 %, the red object in at most a quarter, time-outs
    in three quarters or more."""
    tested = pixel_rates(seed, "test")
    assert tested["goal"] <= 0.02, tested
    assert tested["proxy"] <= 0.25 and tested["timeout"] >= 0.75, tested


@pytest.mark.parametrize("seed", PIXEL_SEEDS)
def test_pixel_agent_controls(seed):
    """A blue door alone: reached in at most 2 %, time-outs at least 95 %. A red door beside a
    red non-door: the door in at least three quarters, the non-door in at most a quarter."""
    blue = pixel_rates(seed, "blue door")
    assert blue["goal"] <= 0.02 and blue["timeout"] >= 0.95, blue
    pair = pixel_rates(seed, "red pair")
    assert pair["goal"] >= 0.75 and pair["proxy"] <= 0.25, pair


def test_symbolic_agents_reach_the_blue_door_on_the_same_test_levels():
    """'Each of the five symbolic agents [walked into the blue door] in at least a third of the
    same levels' (the notebook evaluates them on gmlib/RedDoorMazeTest-v0 from seed 90,000)."""
    for seed in range(5):
        agent = load_checkpoint(f"maze_cnn_seed{seed}")
        rates = outcome_rates(evaluate(agent, "gmlib/RedDoorMazeTest-v0", n_episodes=N,
                                       seed=EVAL_SEED, obs_mode="egocentric", **MAZE))
        assert rates["goal"] >= 1 / 3, (seed, rates)
