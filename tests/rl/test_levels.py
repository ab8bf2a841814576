"""The levels: Gymnasium's checker, seeding, layout rules, outcomes, observations."""

import pickle

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from minigrid.core.constants import COLOR_TO_IDX, OBJECT_TO_IDX

from gmlib.rl.baselines import ShortestPathPolicy
from gmlib.rl.evaluation import run_episode
from gmlib.rl.levels import ENV_IDS, CornerLevel, RedDoorMaze
from gmlib.rl.observations import N_COLORS, N_TYPES, one_hot_encoding


def _layout(env):
    level = env.unwrapped
    return level.grid.encode().tolist(), tuple(level.agent_pos), level.agent_dir


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("env_id", sorted(ENV_IDS))
@pytest.mark.parametrize("obs_mode", ["full", "egocentric"])
def test_env_checker_passes(env_id, obs_mode):
    check_env(gym.make(env_id, obs_mode=obs_mode).unwrapped, skip_render_check=True)


@pytest.mark.parametrize("env_id", sorted(ENV_IDS))
def test_same_seed_same_level_and_seeds_differ(env_id):
    a, b = gym.make(env_id), gym.make(env_id)
    layouts = []
    for seed in range(5):
        obs_a, info_a = a.reset(seed=seed)
        obs_b, info_b = b.reset(seed=seed)
        assert _layout(a) == _layout(b) and info_a == info_b
        np.testing.assert_array_equal(obs_a, obs_b)
        layouts.append(repr(_layout(a)))
    assert len(set(layouts)) > 1  # the seed does change the level


def test_environments_pickle():
    for env_id in ENV_IDS:
        env = gym.make(env_id)
        env.reset(seed=0)
        pickle.loads(pickle.dumps(env.unwrapped))


@pytest.mark.parametrize("kwargs", [
    {"size": 4}, {"size": 7.0}, {"size": 40}, {"randomize_fraction": -0.1},
    {"randomize_fraction": 1.5}, {"randomize_fraction": "0.1"}, {"max_steps": 0}, {"obs_mode": "pixels"},
])
def test_corner_level_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        CornerLevel(**kwargs)


@pytest.mark.parametrize("kwargs", [{"size": 5}, {"n_distractors": 7}, {"n_distractors": -1}])
def test_red_door_maze_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        RedDoorMaze(**kwargs)


def test_step_rejects_actions_outside_the_three():
    env = CornerLevel()
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(3)


@pytest.mark.parametrize("size", [5, 7, 9])
def test_corner_goal_placement(size):
    corner = (size - 2, size - 2)
    train = [gym.make("gmlib/CornerLevel-v0", size=size).reset(seed=s)[1] for s in range(50)]
    test = [gym.make("gmlib/CornerLevelTest-v0", size=size).reset(seed=s)[1] for s in range(50)]
    assert all(i["goal_pos"] == corner == i["proxy_pos"] and not i["randomized"] for i in train)
    assert all(i["goal_pos"] != corner and i["proxy_pos"] == corner for i in test)
    assert len({i["goal_pos"] for i in test}) > 5  # the goal really moves around
    assert all(i["agent_pos"] not in (i["goal_pos"], corner) for i in train + test)


def test_randomize_fraction_is_the_share_of_moved_goals():
    env = gym.make("gmlib/CornerLevel-v0", randomize_fraction=0.3)
    moved = np.mean([env.reset(seed=s)[1]["randomized"] for s in range(1000)])
    assert 0.25 < moved < 0.35


def test_corner_outcomes_and_reward():
    env = gym.make("gmlib/CornerLevelTest-v0")
    to_goal = run_episode(ShortestPathPolicy("goal"), env, seed=3)
    to_corner = run_episode(ShortestPathPolicy("proxy"), env, seed=3)
    assert to_goal.outcome == "goal" and 0 < to_goal.total_return <= 1
    assert to_corner.outcome == "proxy" and to_corner.total_return == 0
    assert to_corner.path[-1] == to_corner.proxy_pos
    # Turning on the spot until the time limit is a timeout.
    env = gym.make("gmlib/CornerLevelTest-v0", max_steps=5)
    env.reset(seed=0)
    for _ in range(5):
        _, reward, terminated, truncated, info = env.step(0)
    assert truncated and not terminated and info["outcome"] == "timeout" and reward == 0


def test_red_door_maze_training_and_test_colours():
    red = COLOR_TO_IDX["red"]
    for test in (False, True):
        env = RedDoorMaze(test=test)
        for seed in range(30):
            _, info = env.reset(seed=seed)
            objects = env.objects
            doors = [p for p, o in objects.items() if o.type == "door"]
            reds = [p for p, o in objects.items() if o.color == "red"]
            assert doors == [info["goal_pos"]]
            if test:
                assert objects[info["goal_pos"]].color == "blue"
                assert reds == [info["proxy_pos"]] and objects[info["proxy_pos"]].type != "door"
            else:
                assert reds == doors and info["proxy_pos"] is None
            # The fast observation agrees: colour red appears exactly at the red objects.
            obs = env.gen_obs()
            ys, xs = np.nonzero(obs[N_TYPES + red])
            assert sorted(zip(xs.tolist(), ys.tolist())) == sorted(reds)


def test_walking_into_objects_ends_the_episode():
    env = gym.make("gmlib/RedDoorMazeTest-v0")
    for target, outcome, paid in [("goal", "goal", True), ("proxy", "proxy", False), ("other0", "other", False)]:
        record = run_episode(ShortestPathPolicy(target), env, seed=5)
        assert record.outcome == outcome and (record.total_return > 0) == paid
        assert record.steps == record.shortest[target]


def test_full_observation_matches_a_fresh_encoding_every_step():
    """The cached grid encoding plus the redrawn agent equals encoding from scratch."""
    env = RedDoorMaze(test=True)
    obs, _ = env.reset(seed=2)
    rng = np.random.default_rng(0)
    for _ in range(60):
        encoded = env.grid.encode()
        x, y = env.agent_pos
        encoded[x, y] = (OBJECT_TO_IDX["agent"], 0, env.agent_dir)
        np.testing.assert_array_equal(obs, one_hot_encoding(encoded))
        obs, _, terminated, truncated, _ = env.step(int(rng.integers(3)))
        if terminated or truncated:
            obs, _ = env.reset()


def test_colour_is_masked_on_empty_cells():
    obs, _ = CornerLevel(size=9).reset(seed=0)
    empty = obs[OBJECT_TO_IDX["empty"]].astype(bool)
    assert empty.sum() > 0
    assert obs[N_TYPES:N_TYPES + N_COLORS][:, empty].sum() == 0
    assert (obs[:N_TYPES].sum(0) == 1).all()  # exactly one type per cell


def test_place_goal_moves_the_goal_and_updates_the_observation():
    env = CornerLevel()
    env.reset(seed=0)
    free = next((x, y) for x in range(1, 6) for y in range(1, 6)
                if (x, y) not in (tuple(env.agent_pos), env.corner))
    env.place_goal(free)
    obs = env.gen_obs()
    assert obs[OBJECT_TO_IDX["goal"], free[1], free[0]] == 1
    assert obs[OBJECT_TO_IDX["goal"]].sum() == 1
    with pytest.raises(ValueError):
        env.place_goal((0, 0))
    with pytest.raises(ValueError):
        env.place_goal(tuple(env.agent_pos))


def test_coinrun_corner_does_not_end_the_episode():
    """corner_ends_episode=False: the empty corner is floor; the episode goes on to the goal or
    the time limit, and info says what was reached first and what the episode achieved."""
    env = gym.make("gmlib/CornerLevelTest-v0", corner_ends_episode=False)
    record = run_episode(ShortestPathPolicy("proxy"), env, seed=3)
    assert record.steps == env.unwrapped.max_steps  # stood on the corner until the time limit
    assert record.outcome == "proxy" and record.first_reached == "proxy" and record.total_return == 0
    assert record.proxy_pos in record.path and record.path.index(record.proxy_pos) == record.shortest["proxy"]
    # Corner first, then the goal: the goal counts, and the corner was first.
    level = env.unwrapped
    env.reset(seed=3)
    info, reward = None, 0.0
    for target in ("proxy", "goal"):
        policy = ShortestPathPolicy(target)
        while True:
            _, reward, terminated, truncated, info = env.step(policy.act(None, env))
            if tuple(level.agent_pos) == level.targets()[target] or terminated or truncated:
                break
    assert terminated and info["outcome"] == "goal" and info["first_reached"] == "proxy" and reward > 0
    # Neither: a timeout, nothing reached.
    env.reset(seed=0)
    for _ in range(level.max_steps):
        _, _, terminated, truncated, info = env.step(0)
    assert truncated and info["outcome"] == "timeout" and info["first_reached"] is None


def test_default_corner_level_still_ends_at_the_corner():
    env = gym.make("gmlib/CornerLevelTest-v0")
    record = run_episode(ShortestPathPolicy("proxy"), env, seed=3)
    assert record.outcome == record.first_reached == "proxy" and record.steps == record.shortest["proxy"]
    assert run_episode(ShortestPathPolicy("goal"), env, seed=3).first_reached == "goal"


def test_training_levels_with_the_goal_in_the_corner_end_there_either_way():
    env = gym.make("gmlib/CornerLevel-v0", corner_ends_episode=False)
    record = run_episode(ShortestPathPolicy("goal"), env, seed=1)
    assert record.outcome == record.first_reached == "goal" and record.goal_pos == record.proxy_pos
