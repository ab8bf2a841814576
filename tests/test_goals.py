"""gmlib.goals: Q-values agree with the breadth-first search, decision squares, diagnostic levels."""

from __future__ import annotations

import numpy as np
import pytest

from gmlib.goals import (agent_state, best_actions, decision_states, diagnostic_level, q_values,
                         start_q_values, trajectory_states)
from gmlib.rl.baselines import ShortestPathPolicy
from gmlib.rl.evaluation import evaluate, make_env
from gmlib.rl.shortest_path import shortest_path_lengths


@pytest.mark.parametrize("seed", range(10))
def test_best_q_value_is_minus_the_shortest_path(seed):
    env = make_env("gmlib/CornerLevelTest-v0")
    env.reset(seed=seed)
    level = env.unwrapped
    lengths = shortest_path_lengths(env)
    start = agent_state(level)
    for name, target in level.targets().items():
        assert q_values(level, target)[start].max() == -lengths[name]
        assert np.allclose(start_q_values(level)[name], q_values(level, target)[start])


def test_walking_into_the_other_target_is_a_failure():
    env = make_env("gmlib/CornerLevelTest-v0")
    env.reset(seed=0)
    level = env.unwrapped
    q = q_values(level, level.goal_pos)
    x, y = level.corner
    facing_corner = (x - 1, y, 0)  # left of the corner, facing east (into it)
    assert q[facing_corner][2] == -(1 + level.max_steps)


def test_scripted_trajectories_only_take_best_actions():
    env = make_env("gmlib/CornerLevelTest-v0")
    for record in evaluate(ShortestPathPolicy("goal"), env, n_episodes=10, seed=0):
        r = record.to_dict()
        env.reset(seed=r["seed"])
        q = q_values(env.unwrapped, r["goal_pos"])
        for state, action in zip(trajectory_states(r), r["actions"]):
            assert action in best_actions(q[state])


def test_diagnostic_levels_start_on_a_decision_square():
    env = make_env("gmlib/CornerLevelTest-v0")
    found = [d for d in (diagnostic_level(env, s) for s in range(10)) if d is not None]
    assert len(found) >= 8
    for d in found:
        assert not d["goal_actions"] & d["proxy_actions"]
    level = env.unwrapped
    assert agent_state(level) in decision_states(q_values(level, level.goal_pos), q_values(level, level.corner))
