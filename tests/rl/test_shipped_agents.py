"""The shipped corner-level agents: present, small, reproducible, and they misgeneralize.

Episodes are sampled (the agents' own stochastic policy) on levels with seeds that training
never used (training levels come from the environments' own seeded streams). Test levels are the
sweep's: the corner does not end the episode, and levels whose goal lies on a shortest path to
the corner are left out.
"""

import functools
from dataclasses import asdict, replace

import numpy as np
import pytest

from gmlib.rl.agents import (SHIPPED_FRACTIONS, SHIPPED_SEEDS, SWEEP_LEVEL, checkpoint_path,
                             load_agent, own_training_levels, shipped_agents, shipped_config,
                             sweep_test_levels)
from gmlib.rl.baselines import ShortestPathPolicy
from gmlib.rl.evaluation import outcome_rates
from gmlib.rl.ppo import train

EVAL_SEED = 50_000
N = 100


def test_every_shipped_checkpoint_is_there_and_small():
    expected = [(f, s) for f, seeds in SHIPPED_SEEDS.items() for s in seeds]
    assert shipped_agents() == expected
    assert {0.0, 0.01, 0.02, 0.05, 0.1, 0.2} <= set(SHIPPED_FRACTIONS) and len(SHIPPED_FRACTIONS) >= 6
    assert all(len(seeds) >= 5 for seeds in SHIPPED_SEEDS.values())
    sizes = [checkpoint_path(f, s).stat().st_size for f, s in expected]
    assert max(sizes) < 150_000 and sum(sizes) < 6_000_000


@pytest.mark.parametrize("fraction,seed", [(f, s) for f, seeds in SHIPPED_SEEDS.items() for s in seeds])
def test_checkpoint_holds_its_recipe(fraction, seed):
    agent = load_agent(fraction, seed)
    assert asdict(agent.config) == asdict(shipped_config(fraction, seed))
    assert agent.config.env_kwargs == {"randomize_fraction": fraction, **SWEEP_LEVEL}
    last, step = agent.log[-1], agent.config.frames_per_update
    assert agent.config.total_frames <= last["frames"] <= agent.config.max_frames
    # Past the budget it went on exactly until it solved a check of fresh training levels
    # (or reached max_frames): every check before the last one failed.
    budget = [e for e in agent.log if e["frames"] < agent.config.total_frames + step]
    checks = [e["checked_success"] for e in agent.log[len(budget) - 1:]]
    assert all(c < agent.config.min_success for c in checks[:-1]), checks
    assert checks[-1] >= agent.config.min_success or last["frames"] + step > agent.config.max_frames, checks


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
def test_shipped_agents_solve_their_own_training_distribution(fraction, seed):
    """Every agent is trained until it solves at least 95 % of its own training levels."""
    records = own_training_levels(load_agent(fraction, seed), N, seed=EVAL_SEED)
    assert outcome_rates(records)["goal"] >= 0.95


@functools.cache
def _test_rates(fraction):
    return [outcome_rates(sweep_test_levels(load_agent(fraction, s), N, seed=EVAL_SEED))
            for s in SHIPPED_SEEDS[fraction]]


def test_without_diversity_the_agent_goes_to_the_empty_corner():
    scripted = sweep_test_levels(ShortestPathPolicy(), N, seed=EVAL_SEED)
    assert outcome_rates(scripted)["goal"] == 1.0  # the goal is always reachable
    assert 0 < len(scripted.left_out) < N  # and some levels had it on the way to the corner
    rates = _test_rates(0.0)
    assert all(r["proxy"] >= 0.9 and r["goal"] <= 0.1 for r in rates), rates


def test_with_twenty_percent_diversity_most_seeds_learn_the_goal():
    twenty = _test_rates(0.2)
    assert sum(r["goal"] >= 0.7 for r in twenty) >= 4, [r["goal"] for r in twenty]


def test_load_agent_rejects_unknown_agents():
    with pytest.raises(ValueError, match="fractions"):
        load_agent(0.3)
    with pytest.raises(ValueError, match="seeds"):
        load_agent(0.05, seed=9)
