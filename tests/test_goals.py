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


def test_check_diagnostic_set_accepts_a_habit_proof_set_and_names_each_broken_rule():
    from gmlib.goals import check_diagnostic_set

    up = {"agent": (1, 5), "direction": 3, "goal": (1, 1)}       # goal: forward, corner: right
    along = {"agent": (1, 5), "direction": 0, "goal": (1, 1)}    # goal: left, corner: forward
    down = {"agent": (5, 1), "direction": 1, "goal": (1, 1)}     # goal: right, corner: forward
    assert check_diagnostic_set([up, along, down]) == ""
    assert "exactly 3" in check_diagnostic_set([up, along])
    assert "the same level" in check_diagnostic_set([up, along, dict(along)])
    # Forward is the goal's best first move in all three: a forward habit passes for the goal.
    same_way = [up, {"agent": (2, 5), "direction": 3, "goal": (2, 1)},
                {"agent": (3, 5), "direction": 3, "goal": (3, 2)}]
    assert "for the goal in every design" in check_diagnostic_set(same_way)
    # Goal right ahead of the corner along the bottom row: forward serves both.
    assert "design 2" in check_diagnostic_set([up, along, {"agent": (1, 5), "direction": 0, "goal": (3, 5)}])


def test_the_06_spec_reads_the_size_off_the_keys_set():
    import importlib

    spec = importlib.import_module("autograder.checks.06_which_goal")
    key = [{"agent": (1, 7), "direction": 3, "goal": (1, 1)},
           {"agent": (1, 7), "direction": 0, "goal": (1, 1)},
           {"agent": (7, 1), "direction": 1, "goal": (1, 1)}]  # size 9
    small = [{"agent": (1, 5), "direction": 3, "goal": (1, 1)},
             {"agent": (1, 5), "direction": 0, "goal": (1, 1)},
             {"agent": (5, 1), "direction": 1, "goal": (1, 1)}]  # the key's set for size 7
    assert spec.is_diagnostic_set(key, key) and spec.is_diagnostic_set(small, small)
    assert not spec.is_diagnostic_set(small, key)  # (1, 7) lies outside a room of side 7


def test_check_decision_level_says_what_is_wrong_with_non_integer_designs_and_never_raises():
    from gmlib.goals import check_decision_level

    for bad in ({"agent": (1, 5), "direction": float("inf"), "goal": (1, 1)},
                {"agent": (1.7, 5), "direction": 3, "goal": (1, 1)},
                {"agent": (1, 5), "direction": True, "goal": (1, 1)},
                {"agent": "15", "direction": 3, "goal": (1, 1)}):
        assert "of ints" in check_decision_level(bad), bad
    assert check_decision_level({"agent": (np.int64(1), 5), "direction": np.int32(3), "goal": [1, 1]}) == ""
