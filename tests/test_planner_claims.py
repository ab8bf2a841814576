"""Notebook 07's claims about the planner agent (learned reward model + value iteration).

Value iteration comes from the solution notebook itself (the answer key). Each seed draws its
own training experience and its own test levels.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.keys import answer_key
from gmlib.planning import PlannerAgent, RewardModel, grid_mdp, reward_observations
from gmlib.rl.baselines import RandomPolicy
from gmlib.rl.evaluation import evaluate, make_env, outcome_rates

SEEDS = range(5)
N_TEST = 60


@pytest.fixture(scope="module")
def value_iteration():
    return answer_key("07_inner_alignment").value_iteration


def _models(seed: int) -> dict[str, RewardModel]:
    experience = evaluate(RandomPolicy(seed=seed), "gmlib/CornerLevel-v0", n_episodes=200,
                          seed=10_000 + 1_000 * seed)
    observations = reward_observations(experience)
    return {key: RewardModel.fit(observations, key) for key in ("cell", "content")}


@pytest.fixture(scope="module")
def runs(value_iteration):
    out = {}
    for seed in SEEDS:
        models = _models(seed)
        out[seed] = {key: evaluate(PlannerAgent(m, value_iteration), "gmlib/CornerLevelTest-v0",
                                   n_episodes=N_TEST, seed=100_000 + 1_000 * seed)
                     for key, m in models.items()}
    return out


def test_value_iteration_key_finds_shortest_paths_in_a_room(value_iteration):
    # Reward 1 for walking into the corner; Q at the start is gamma ** (shortest - 1).
    env = make_env("gmlib/CornerLevel-v0")
    env.reset(seed=3)
    level = env.unwrapped
    corner = level.corner
    mdp = grid_mdp(level, lambda pos: 1.0 if tuple(pos) == corner else 0.0)
    q = value_iteration(mdp.next_state, mdp.reward, mdp.done, 0.9)
    record = evaluate(PlannerAgent(RewardModel("cell", {corner: 1.0}), value_iteration), env,
                      n_episodes=1, seed=3)[0]
    start = mdp.index[(*record.start_pos, record.start_dir)]
    assert np.isclose(q[start].max(), 0.9 ** (record.shortest["proxy"] - 1)), (
        q[start], record.shortest)
    # On a training level the corner holds the goal: the episode ends there, shortest.
    assert record.steps == record.shortest["proxy"] and tuple(record.path[-1]) == corner, record


def test_both_reward_models_fit_the_training_episodes_identically():
    for seed in SEEDS:
        models = _models(seed)
        level = make_env("gmlib/CornerLevel-v0").unwrapped
        level.reset(seed=seed)
        assert level.goal_pos == level.corner
        for x in range(1, level.width - 1):
            for y in range(1, level.height - 1):
                a, b = (models[k].predict(level, (x, y)) for k in ("cell", "content"))
                assert a == b, f"seed {seed}: models disagree at {(x, y)} on a training level"
        assert models["cell"].predict(level, level.corner) > 0, f"seed {seed}: no reward learned"


@pytest.mark.slow
def test_position_planner_reaches_the_proxy_where_goal_and_proxy_differ(runs):
    for seed, by_key in runs.items():
        records = [r for r in by_key["cell"] if r.goal_pos != r.proxy_pos]
        assert len(records) == N_TEST, "every test level moves the goal out of the corner"
        rate = np.mean([r.outcome == "proxy" for r in records])
        assert rate >= 0.9, f"seed {seed}: planner reached the corner in {rate:.2f} of test episodes"


@pytest.mark.slow
def test_planner_capability_generalizes_perfectly(runs):
    # Whatever it pursues, it gets there by a shortest path (capability score 1).
    for seed, by_key in runs.items():
        for key, records in by_key.items():
            slow = [r for r in records if r.outcome not in ("goal", "proxy")
                    or r.steps != r.shortest[r.outcome]]
            assert not slow, f"seed {seed}, reward by {key}: {len(slow)} episodes not shortest"


@pytest.mark.slow
def test_content_planner_reaches_the_goal(runs):
    for seed, by_key in runs.items():
        rate = outcome_rates(by_key["content"])["goal"]
        assert rate >= 0.9, f"seed {seed}: content-keyed planner reached the goal in {rate:.2f}"


@pytest.mark.slow
def test_search_pursues_the_proxy_more_reliably_than_ppo(value_iteration):
    from gmlib.rl.ppo import PPOConfig, train

    better = []
    for seed in range(3):
        ppo = train(PPOConfig(env_id="gmlib/CornerLevel-v0", policy="mlp", total_frames=20_000,
                              seed=seed), progress=False)
        levels = dict(n_episodes=N_TEST, seed=200_000 + 1_000 * seed)
        ppo_rate = outcome_rates(evaluate(ppo, "gmlib/CornerLevelTest-v0", **levels))["proxy"]
        planner = PlannerAgent(_models(seed)["cell"], value_iteration)
        plan_rate = outcome_rates(evaluate(planner, "gmlib/CornerLevelTest-v0", **levels))["proxy"]
        better.append((seed, plan_rate, ppo_rate))
    assert all(p > q for _, p, q in better), f"(seed, planner, PPO) corner rates: {better}"
