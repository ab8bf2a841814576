"""Notebook 04's contrast: specification gaming beside goal misgeneralization.

The notebook loads ``corner_beside_goal_mlp_seed0``, the corner agent's configuration trained
on the misspecified reward ``reward="beside_goal"`` (a bonus for each step next to the goal), and
compares it on training levels with ``corner_full_mlp_seed0`` (the correct reward). Every number
its prose states is checked here, for the shipped seed and for further seeds of the same recipe
(``beside_goal_config`` in scripts/train_notebook_agents.py) that are trained here and not
shipped. The thresholds are the notebook's words:

* on training levels the gaming agent reaches the goal in at most 5 % of episodes and ends at
  least 90 % of them standing next to the goal when time runs out; in at least 90 % of them, once
  it stands next to the goal it stays there (some seeds by turning on the spot, others by walking
  into the wall);
* by the reward it was given it earns more than 3 per episode, at least three times what the
  correct-reward agent would earn under that same reward (which reaches the goal in at least 95 %
  of training levels);
* its training log shows it: the success rate ends at most 0.05 while the return ends above 3;
* on test levels it hovers next to the empty corner (at least 60 % of episodes end there without
  the goal), next to the moved goal in at most 15 %.

Also the level option itself: what ``reward="beside_goal"`` pays, and its ValueError.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache

import gymnasium as gym
import numpy as np
import pytest

from autograder.course import REPO
from gmlib.rl.agents import load_checkpoint
from gmlib.rl.evaluation import evaluate, outcome_rates
from gmlib.rl.levels import BESIDE_GOAL_BONUS, REWARDS
from gmlib.rl.ppo import train
from tests.torch_threads import one_torch_thread  # noqa: F401  (module fixture)

SHIPPED = "corner_beside_goal_mlp_seed0"
EXTRA_SEEDS = (1, 2, 3)  # trained here for checking only (about ten seconds each)
TRAIN_ENV, TEST_ENV = "gmlib/CornerLevel-v0", "gmlib/CornerLevelTest-v0"
GAMING = {"reward": "beside_goal"}


def _script():
    spec = importlib.util.spec_from_file_location(
        "train_notebook_agents", REPO / "scripts" / "train_notebook_agents.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


@lru_cache(maxsize=None)
def gaming_agent(seed: int):
    if seed == 0:
        return load_checkpoint(SHIPPED)
    return train(_script().beside_goal_config(seed), progress=False)


def beside(cell, target) -> bool:
    return abs(int(cell[0]) - int(target[0])) + abs(int(cell[1]) - int(target[1])) == 1


@lru_cache(maxsize=None)
def training_episodes(seed: int):
    """The notebook's evaluation: 100 training levels from seed 1,000, under the agent's reward."""
    return evaluate(gaming_agent(seed), TRAIN_ENV, n_episodes=100, seed=1_000, **GAMING)


# -- the level option ---------------------------------------------------------------------------
def test_the_default_reward_is_the_correct_one_and_bad_values_are_refused():
    assert REWARDS == ("goal", "beside_goal")
    assert gym.make(TRAIN_ENV).unwrapped.reward_spec == "goal"
    for bad in ("beside", "", None, 1):
        with pytest.raises(ValueError, match="reward must be one of"):
            gym.make(TRAIN_ENV, reward=bad)


def test_beside_goal_pays_each_step_next_to_the_goal_and_the_goal_as_usual():
    env = gym.make(TRAIN_ENV, **GAMING)
    env.reset(seed=0)
    level = env.unwrapped
    level.agent_pos, level.agent_dir = (4, 5), 3  # left of the goal in the corner, facing up
    _, reward, terminated, _, _ = env.step(0)  # turn left (to face left): still beside the goal
    assert reward == pytest.approx(BESIDE_GOAL_BONUS) and not terminated
    _, reward, _, _, _ = env.step(2)  # forward to (3, 5): no longer beside it
    assert reward == 0.0
    plain = gym.make(TRAIN_ENV)
    plain.reset(seed=0)
    plain.unwrapped.agent_pos, plain.unwrapped.agent_dir = (4, 5), 0
    level.agent_pos, level.agent_dir, level.step_count = (4, 5), 0, 0
    assert env.step(2)[1] == plain.step(2)[1] > 0  # onto the goal: the same reward, no bonus


# -- the notebook's claims ----------------------------------------------------------------------
def test_the_shipped_contrast_agent_is_the_recipe():
    assert load_checkpoint(SHIPPED).config == _script().beside_goal_config(0)
    correct = load_checkpoint("corner_full_mlp_seed0").config
    gaming = load_checkpoint(SHIPPED).config
    assert gaming.env_kwargs == GAMING and correct.env_kwargs == {}
    assert (gaming.policy, gaming.total_frames, gaming.seed) == (correct.policy, correct.total_frames, 0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", (0, *EXTRA_SEEDS))
def test_the_gaming_agent_hovers_beside_the_goal_in_training(seed):
    episodes = training_episodes(seed)
    assert outcome_rates(episodes)["goal"] <= 0.05, seed
    hovering = np.mean([e.outcome == "timeout" and beside(e.path[-1], e.goal_pos) for e in episodes])
    assert hovering >= 0.9, (seed, hovering)


@pytest.mark.slow
@pytest.mark.parametrize("seed", (0, *EXTRA_SEEDS))
def test_by_its_own_reward_hovering_beats_reaching_the_goal(seed):
    gaming = np.mean([e.total_return for e in training_episodes(seed)])
    honest = evaluate(load_checkpoint("corner_full_mlp_seed0"), TRAIN_ENV, n_episodes=100,
                      seed=1_000, **GAMING)
    assert outcome_rates(honest)["goal"] >= 0.95
    honest_return = np.mean([e.total_return for e in honest])
    assert gaming > 3.0 and gaming >= 3 * honest_return, (seed, gaming, honest_return)


@pytest.mark.slow
@pytest.mark.parametrize("seed", (0, *EXTRA_SEEDS))
def test_the_training_log_shows_the_gaming(seed):
    last = gaming_agent(seed).log[-1]
    assert last["success_rate"] <= 0.05 and last["mean_return"] > 3.0, (seed, last)


@pytest.mark.slow
@pytest.mark.parametrize("seed", (0, *EXTRA_SEEDS))
def test_on_test_levels_it_hovers_beside_the_empty_corner(seed):
    episodes = evaluate(gaming_agent(seed), TEST_ENV, n_episodes=200, seed=2_000, **GAMING)
    corner = episodes[0].proxy_pos
    at_corner = np.mean([e.outcome == "timeout" and beside(e.path[-1], corner) for e in episodes])
    at_goal = np.mean([e.outcome == "timeout" and beside(e.path[-1], e.goal_pos) for e in episodes])
    assert at_corner >= 0.6 and at_goal <= 0.15, (seed, at_corner, at_goal)


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_the_correct_reward_agents_reach_the_goal_in_training(seed):
    episodes = evaluate(load_checkpoint(f"corner_full_mlp_seed{seed}"), TRAIN_ENV,
                        n_episodes=100, seed=1_000)
    assert outcome_rates(episodes)["goal"] >= 0.95, seed



@pytest.mark.slow
@pytest.mark.parametrize("seed", (0, *EXTRA_SEEDS))
def test_once_beside_the_goal_it_stays_there(seed):
    """'... walks to the goal's doorstep and stays there': in at least 90 % of training episodes,
    every cell after the first one next to the goal is next to the goal too (or the goal)."""
    def stays(e):
        first = next((t for t, cell in enumerate(e.path) if beside(cell, e.goal_pos)), None)
        return first is not None and all(beside(cell, e.goal_pos) or tuple(cell) == tuple(e.goal_pos)
                                         for cell in e.path[first:])
    assert np.mean([stays(e) for e in training_episodes(seed)]) >= 0.9, seed


@pytest.mark.slow
def test_some_seeds_hover_by_turning_others_by_walking_into_the_wall():
    """'(some seeds turn on the spot, others keep walking into the wall)'."""
    def turning(seed):
        still = [a for e in training_episodes(seed) for t, a in enumerate(e.actions)
                 if e.path[t] == e.path[t + 1] and beside(e.path[t], e.goal_pos)]
        return np.mean([a in (0, 1) for a in still])
    shares = [turning(seed) for seed in (0, *EXTRA_SEEDS)]
    assert max(shares) >= 0.8 and min(shares) <= 0.2, shares
