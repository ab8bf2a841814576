"""The shipped corner-level agents: present, small, reproducible, and they misgeneralize.

Episodes are sampled (the agents' own stochastic policy) on levels with seeds that training
never used (training levels come from the environments' own seeded streams).
"""

import functools
from dataclasses import asdict, replace

import numpy as np
import pytest

from gmlib.rl.agents import (SHIPPED_FRACTIONS, SHIPPED_SEEDS, checkpoint_path, load_agent,
                             shipped_agents, shipped_config)
from gmlib.rl.baselines import ShortestPathPolicy
from gmlib.rl.evaluation import evaluate, outcome_rates
from gmlib.rl.ppo import train

EVAL_SEED = 50_000
N = 100


def test_every_shipped_checkpoint_is_there_and_small():
    expected = [(f, s) for f, seeds in SHIPPED_SEEDS.items() for s in seeds]
    assert shipped_agents() == expected
    assert {0.0, 0.01, 0.02, 0.05, 0.1, 0.2} <= set(SHIPPED_FRACTIONS)
    assert all(len(seeds) >= 3 for seeds in SHIPPED_SEEDS.values())
    sizes = [checkpoint_path(f, s).stat().st_size for f, s in expected]
    assert max(sizes) < 100_000 and sum(sizes) < 3_000_000


@pytest.mark.parametrize("fraction,seed", [(f, s) for f, seeds in SHIPPED_SEEDS.items() for s in seeds])
def test_checkpoint_holds_its_recipe(fraction, seed):
    agent = load_agent(fraction, seed)
    assert asdict(agent.config) == asdict(shipped_config(fraction, seed))
    assert agent.log[-1]["frames"] >= agent.config.total_frames


@pytest.mark.parametrize("fraction,seed", [(0.0, 0), (0.2, 1)])
def test_recipe_reproduces_the_start_of_training(fraction, seed):
    """Rerunning the recipe for two updates gives the logged numbers of the shipped run."""
    shipped = load_agent(fraction, seed)
    config = shipped_config(fraction, seed)
    rerun = train(replace(config, total_frames=2 * config.frames_per_update), progress=False)
    for new, old in zip(rerun.log, shipped.log[:2]):
        for key in ("frames", "episodes", "success_rate", "mean_return", "policy_loss", "value_loss"):
            assert new[key] == pytest.approx(old[key], rel=1e-5, abs=1e-6), key


@pytest.mark.parametrize("fraction,seed", [(f, s) for f, seeds in SHIPPED_SEEDS.items() for s in seeds])
def test_shipped_agents_solve_the_training_levels(fraction, seed):
    records = evaluate(load_agent(fraction, seed), "gmlib/CornerLevel-v0", N, seed=EVAL_SEED)
    assert outcome_rates(records)["goal"] >= 0.95


@functools.cache
def _test_rates(fraction):
    return [outcome_rates(evaluate(load_agent(fraction, s), "gmlib/CornerLevelTest-v0", N, seed=EVAL_SEED))
            for s in SHIPPED_SEEDS[fraction]]


def test_without_diversity_the_agent_goes_to_the_empty_corner():
    scripted = outcome_rates(evaluate(ShortestPathPolicy(), "gmlib/CornerLevelTest-v0", N, seed=EVAL_SEED))
    assert scripted["goal"] == 1.0  # the goal is always reachable, and the baseline gets there
    rates = _test_rates(0.0)
    assert all(r["proxy"] >= 0.70 for r in rates), [r["proxy"] for r in rates]


def test_load_agent_rejects_unknown_agents():
    with pytest.raises(ValueError, match="fractions"):
        load_agent(0.3)
    with pytest.raises(ValueError, match="seeds"):
        load_agent(0.05, seed=9)
