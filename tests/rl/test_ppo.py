"""PPO: learns, is deterministic, saves and loads, validates its configuration."""

import math
from dataclasses import asdict

import numpy as np
import pytest
import torch

from gmlib.rl.evaluation import evaluate
from gmlib.rl.ppo import EnvBatch, PPOAgent, PPOConfig, init_agent, train

TINY = dict(total_frames=2048, n_envs=8, n_steps=32, seed=3)


def _without_time(log):
    """The log minus wall-clock times, as text (so that NaN, before any episode ends, equals NaN)."""
    return repr([{k: v for k, v in entry.items() if k != "seconds"} for entry in log])


def test_short_run_improves_return():
    config = PPOConfig(total_frames=12_288, seed=0)
    before = evaluate(init_agent(config), "gmlib/CornerLevel-v0", 100, seed=1000)
    agent = train(config, progress=False)
    after = evaluate(agent, "gmlib/CornerLevel-v0", 100, seed=1000)
    assert agent.log[-1]["frames"] == 12_288
    mean_return = lambda records: np.mean([r.total_return for r in records])  # noqa: E731
    assert mean_return(after) > mean_return(before) + 0.1
    assert np.mean([r.steps for r in after]) < np.mean([r.steps for r in before])


@pytest.mark.parametrize("policy", ["mlp", "cnn"])
def test_same_seed_same_numbers(policy):
    a = train(PPOConfig(policy=policy, **TINY), progress=False)
    b = train(PPOConfig(policy=policy, **TINY), progress=False)
    assert _without_time(a.log) == _without_time(b.log)
    for (k, v), w in zip(a.net.state_dict().items(), b.net.state_dict().values()):
        assert torch.equal(v, w), k
    c = train(PPOConfig(policy=policy, **{**TINY, "seed": 4}), progress=False)
    assert _without_time(a.log) != _without_time(c.log)


def test_training_leaves_global_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train(PPOConfig(**TINY), progress=False)
    assert torch.equal(torch.rand(3), expected)


def test_save_and_load(tmp_path):
    agent = train(PPOConfig(policy="cnn", **TINY), progress=False)
    loaded = PPOAgent.load(agent.save(tmp_path / "agent.pt"))
    assert asdict(loaded.config) == asdict(agent.config)
    for old, new in zip(agent.log, loaded.log):  # stored as float32
        assert new == pytest.approx(old, rel=1e-6, nan_ok=True)
    obs = np.stack([EnvBatch("gmlib/CornerLevelTest-v0", 1, s).reset()[0] for s in range(10)])
    np.testing.assert_allclose(loaded.action_probs(obs), agent.action_probs(obs), atol=2e-3)
    full = PPOAgent.load(agent.save(tmp_path / "full.pt", half=False))
    np.testing.assert_allclose(full.action_probs(obs), agent.action_probs(obs), rtol=1e-6)
    # Same records from the loaded agent, greedy or sampled, run after run.
    for greedy in (True, False):
        runs = [[r.to_dict() for r in evaluate(full, "gmlib/CornerLevelTest-v0", 5, greedy=greedy)]
                for _ in range(2)]
        assert runs[0] == runs[1]


def test_early_stop_at_target_success():
    agent = train(PPOConfig(total_frames=40_960, seed=0, target_success=0.5, success_window=50),
                  progress=False)
    assert agent.log[-1]["success_rate"] >= 0.5
    assert agent.log[-1]["frames"] < 40_960


def test_log_keys():
    agent = train(PPOConfig(**TINY), progress=False)
    assert {"frames", "seconds", "episodes", "success_rate", "mean_return", "policy_loss",
            "value_loss", "entropy", "approx_kl"} <= set(agent.log[0])
    assert all(math.isfinite(e["policy_loss"]) for e in agent.log)


@pytest.mark.parametrize("kwargs", [
    {"policy": "transformer"}, {"n_envs": 0}, {"total_frames": 10.5}, {"lr": 0.0},
    {"gamma": 1.5}, {"n_envs": 3, "n_steps": 3, "n_minibatches": 4}, {"target_success": 2.0},
])
def test_config_rejects_bad_values(kwargs):
    with pytest.raises(ValueError):
        PPOConfig(**kwargs)


def test_env_batch_resets_on_the_same_step():
    envs = EnvBatch("gmlib/CornerLevel-v0", 2, seed=0, max_steps=3)
    obs = envs.reset()
    for step in range(3):
        obs, _, term, trunc, final_obs, final_infos = envs.step(np.zeros(2, dtype=int))  # turn left
    assert trunc.all() and set(final_infos) == {0, 1}
    assert all(info["outcome"] == "timeout" for info in final_infos.values())
    # The returned observation already belongs to the next episode: a fresh level.
    assert not all(np.array_equal(obs[i], final_obs[i]) for i in range(2))
