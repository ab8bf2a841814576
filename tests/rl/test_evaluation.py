"""Shortest paths, baselines and the evaluation harness."""

import numpy as np
import pytest

from gmlib.rl.baselines import RandomPolicy, ShortestPathPolicy
from gmlib.rl.evaluation import evaluate, outcome_rates, summarize
from gmlib.rl.levels import CornerLevel
from gmlib.rl.shortest_path import shortest_path_actions, shortest_path_lengths


def test_shortest_path_by_hand():
    env = CornerLevel()  # 7x7: corner at (5, 5)
    env.reset(seed=0)
    env.agent_pos, env.agent_dir = (1, 5), 0  # bottom-left, facing right (east)
    env.place_goal((1, 1))
    # To the corner: 4 steps forward along the bottom row. To the goal at (1, 1): turn left
    # (face north), then 4 forward.
    assert shortest_path_lengths(env) == {"proxy": 4, "goal": 5}
    assert shortest_path_actions(env, (5, 5)) == [2, 2, 2, 2]
    assert shortest_path_actions(env, (1, 1)) == [0, 2, 2, 2, 2]


def test_records_are_deterministic_and_complete():
    a = evaluate(RandomPolicy(), "gmlib/CornerLevelTest-v0", 20, seed=7)
    b = evaluate(RandomPolicy(), "gmlib/CornerLevelTest-v0", 20, seed=7)
    assert [r.to_dict() for r in a] == [r.to_dict() for r in b]
    for r in a:
        assert r.steps == len(r.actions) == len(r.path) - 1
        assert r.path[0] == r.start_pos
        assert set(r.shortest) == set(r.targets) == {"goal", "proxy"}
    c = evaluate(RandomPolicy(), "gmlib/CornerLevelTest-v0", 20, seed=8)
    assert [r.to_dict() for r in a] != [r.to_dict() for r in c]


@pytest.mark.parametrize("env_id", ["gmlib/CornerLevelTest-v0", "gmlib/RedDoorMazeTest-v0", "gmlib/RedDoorMaze-v0"])
def test_scripted_baseline_is_perfect_and_random_is_not(env_id):
    scripted = evaluate(ShortestPathPolicy(), env_id, 50, seed=0)
    assert all(r.outcome == "goal" and r.steps == r.shortest["goal"] for r in scripted)
    rates = outcome_rates(evaluate(RandomPolicy(), env_id, 50, seed=0))
    assert rates["goal"] < 0.5
    assert sum(rates.values()) == pytest.approx(1.0)


def test_summary():
    summary = summarize(evaluate(ShortestPathPolicy("proxy"), "gmlib/CornerLevelTest-v0", 30))
    assert summary["proxy"] == 1.0 and summary["mean_excess_steps"] == 0.0


def test_bad_arguments():
    with pytest.raises(ValueError):
        evaluate(RandomPolicy(), "gmlib/CornerLevelTest-v0", 0)
    with pytest.raises(ValueError):
        evaluate(ShortestPathPolicy("treasure"), "gmlib/CornerLevelTest-v0", 1)
    with pytest.raises(ValueError):
        ShortestPathPolicy().act(np.zeros(1))


def test_goal_on_the_way_by_hand():
    from gmlib.rl.shortest_path import on_a_shortest_path
    env = CornerLevel(corner_ends_episode=False)  # 7x7: corner at (5, 5)
    env.reset(seed=0)
    env.agent_pos, env.agent_dir = (1, 5), 0  # bottom row, facing the corner (east)
    assert on_a_shortest_path(env, (3, 5), (5, 5))  # straight ahead on the bottom row
    assert not on_a_shortest_path(env, (3, 4), (5, 5))  # a detour costs two turns
    env.agent_dir = 3  # facing north: one turn, then four steps; or up first and two turns
    assert on_a_shortest_path(env, (3, 5), (5, 5)) and not on_a_shortest_path(env, (1, 1), (5, 5))


def test_leaving_out_levels_with_the_goal_on_the_way():
    from gmlib.rl.evaluation import goal_on_way
    kwargs = {"corner_ends_episode": False}
    every = evaluate(ShortestPathPolicy("proxy"), "gmlib/CornerLevelTest-v0", 60, seed=0, **kwargs)
    assert every.left_out == [] and {r.goal_on_way for r in every} == {True, False}
    kept = evaluate(ShortestPathPolicy("proxy"), "gmlib/CornerLevelTest-v0", 60, seed=0,
                    leave_out_goal_on_way=True, **kwargs)
    assert len(kept) == 60 and not any(r.goal_on_way for r in kept)
    assert kept.left_out == [r.seed for r in every if r.goal_on_way] + kept.left_out[
        len([r for r in every if r.goal_on_way]):]  # the same levels, then later ones
    assert summarize(kept)["left_out"] == len(kept.left_out) > 0
    from gmlib.rl.levels import CornerLevelTest
    env = CornerLevelTest(corner_ends_episode=False)
    env.reset(seed=kept.left_out[0])
    assert goal_on_way(env) is True
    assert all(r.seed not in kept.left_out for r in kept)
    assert evaluate(ShortestPathPolicy("goal"), "gmlib/CornerLevel-v0", 5, seed=0)[0].goal_on_way is None
