"""Agents that ship with gmlib, so that notebooks can load instead of train (and run on Colab).

* The corner-level sweep of notebook 05: small CNN policies trained at several randomized
  fractions, on the CoinRun-style level (``SWEEP_LEVEL``: the empty corner does not end the
  episode). ``load_agent(0.02, seed=1)`` loads the agent trained with 2 % of levels having the
  goal away from the corner; ``shipped_agents()`` lists them; ``sweep_test_levels`` and
  ``own_training_levels`` play the episodes the notebook evaluates them on. Made by
  ``scripts/train_shipped_agents.py``, which calls ``shipped_config`` for each one.
* The notebooks' other agents, by name: ``load_checkpoint("corner_full_mlp_seed0")``;
  ``checkpoint_names()`` lists them. Made by ``scripts/train_notebook_agents.py``.

Every checkpoint holds the configuration that trained it: the recipe that reproduces it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gmlib.rl.ppo import PPOAgent, PPOConfig

CHECKPOINT_DIR = Path(__file__).parent / "checkpoints"
NAMED_DIR = CHECKPOINT_DIR / "named"

#: The sweep's level: CoinRun's rule, the empty corner does not end the episode (only the goal
#: or the time limit does). Training and test levels alike.
SWEEP_LEVEL: dict[str, Any] = {"corner_ends_episode": False}

#: Randomized fractions with shipped agents, and the seeds shipped for each (more fractions where
#: the goal rate rises, between 5 and 20 %).
SHIPPED_SEEDS: dict[float, tuple[int, ...]] = {
    fraction: (0, 1, 2, 3, 4) for fraction in (0.0, 0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.15, 0.2)
}
SHIPPED_FRACTIONS = tuple(SHIPPED_SEEDS)
SHIPPED_FRAMES = 500_000  # about 75 s of one CPU core (benchmarks/bench_rl.py)
SHIPPED_MAX_FRAMES = 1_000_000  # ... and on, until it solves its own training distribution
SHIPPED_SUCCESS = 0.97  # of 512 fresh training levels, checked after every update


def shipped_config(fraction: float, seed: int) -> PPOConfig:
    """The training configuration of the shipped agent for ``fraction`` and ``seed``."""
    # The small CNN on the full grid, on the CoinRun-style level. 256 environments x 32 steps
    # per rollout with 4 epochs of 8 minibatches runs about 3x as many frames per second as
    # PPOConfig's default 16 x 32 with 8 epochs of 4, so 500,000 frames cost about as much time
    # as 150,000 did. After them, training goes on (whole updates, at most 1,000,000 frames)
    # until the agent reaches the goal on 97 % of 512 fresh levels of its training
    # distribution: at 500,000 frames some agents at 10 and 20 % still missed more than 5 %.
    return PPOConfig(env_id="gmlib/CornerLevel-v0",
                     env_kwargs={"randomize_fraction": float(fraction), **SWEEP_LEVEL},
                     policy="cnn", hidden=64, total_frames=SHIPPED_FRAMES, n_envs=256, n_steps=32,
                     n_epochs=4, n_minibatches=8, seed=int(seed), min_success=SHIPPED_SUCCESS,
                     max_frames=SHIPPED_MAX_FRAMES)


def sweep_test_levels(agent: PPOAgent, n_episodes: int, seed: int, **kwargs: Any):
    """A sweep agent's episodes on test levels (the goal never in the corner, the corner not
    ending the episode), leaving out levels whose goal lies on a shortest path to the corner
    (``records.left_out`` has their seeds), as Langosco et al. did for CoinRun."""
    from gmlib.rl.evaluation import evaluate
    return evaluate(agent, "gmlib/CornerLevelTest-v0", n_episodes, seed=seed,
                    leave_out_goal_on_way=True, **{**SWEEP_LEVEL, **kwargs})


def own_training_levels(agent: PPOAgent, n_episodes: int, seed: int, **kwargs: Any):
    """An agent's episodes on fresh levels of the distribution it was trained on."""
    from gmlib.rl.evaluation import evaluate
    return evaluate(agent, agent.config.env_id, n_episodes, seed=seed,
                    **{**agent.config.env_kwargs, **kwargs})


def checkpoint_path(fraction: float, seed: int) -> Path:
    """Where the shipped checkpoint for ``fraction`` and ``seed`` lives."""
    return CHECKPOINT_DIR / f"corner_frac{float(fraction):.2f}_seed{int(seed)}.pt"


def shipped_agents() -> list[tuple[float, int]]:
    """``(fraction, seed)`` pairs that have a checkpoint in the package."""
    return [(f, s) for f, seeds in SHIPPED_SEEDS.items() for s in seeds if checkpoint_path(f, s).exists()]


def load_agent(fraction: float, seed: int = 0) -> PPOAgent:
    """Load the shipped corner-level agent trained with ``fraction`` of randomized levels."""
    matches = [f for f in SHIPPED_FRACTIONS if abs(f - float(fraction)) < 1e-9]
    if not matches:
        raise ValueError(f"no shipped agents for fraction {fraction!r}; fractions: {list(SHIPPED_FRACTIONS)}")
    if int(seed) not in SHIPPED_SEEDS[matches[0]]:
        raise ValueError(f"no shipped agent for fraction {fraction} and seed {seed!r}; "
                         f"seeds: {list(SHIPPED_SEEDS[matches[0]])}")
    path = checkpoint_path(matches[0], seed)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run scripts/train_shipped_agents.py")
    return PPOAgent.load(path)


def checkpoint_names() -> list[str]:
    """Names of the notebooks' agents that ``load_checkpoint`` can load."""
    return sorted(path.stem for path in NAMED_DIR.glob("*.pt"))


def load_checkpoint(name: str) -> PPOAgent:
    """Load a notebook agent shipped with gmlib by name, e.g. ``"corner_full_mlp_seed0"``."""
    path = NAMED_DIR / f"{name}.pt"
    if not path.exists():
        raise ValueError(f"no shipped agent named {name!r}; names: {checkpoint_names()}")
    return PPOAgent.load(path)
