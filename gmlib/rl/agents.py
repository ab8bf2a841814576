"""Agents that ship with gmlib, so that notebooks can load instead of train (and run on Colab).

* The corner-level sweep of notebook 05: small CNN policies trained at several randomized
  fractions. ``load_agent(0.02, seed=1)`` loads the agent trained with 2 % of levels having the
  goal away from the corner; ``shipped_agents()`` lists them. Made by
  ``scripts/train_shipped_agents.py``, which calls ``shipped_config`` for each one.
* The notebooks' other agents, by name: ``load_checkpoint("corner_full_mlp_seed0")``;
  ``checkpoint_names()`` lists them. Made by ``scripts/train_notebook_agents.py``.

Every checkpoint holds the configuration that trained it: the recipe that reproduces it.
"""

from __future__ import annotations

from pathlib import Path

from gmlib.rl.ppo import PPOAgent, PPOConfig

CHECKPOINT_DIR = Path(__file__).parent / "checkpoints"
NAMED_DIR = CHECKPOINT_DIR / "named"

#: Randomized fractions with shipped agents, and the seeds shipped for each.
SHIPPED_SEEDS: dict[float, tuple[int, ...]] = {
    0.0: (0, 1, 2, 3, 4),
    0.01: (0, 1, 2),
    0.02: (0, 1, 2),
    0.05: (0, 1, 2),
    0.1: (0, 1, 2),
    0.2: (0, 1, 2, 3, 4),
}
SHIPPED_FRACTIONS = tuple(SHIPPED_SEEDS)
SHIPPED_FRAMES = 150_000  # about 75 s of one CPU core each


def shipped_config(fraction: float, seed: int) -> PPOConfig:
    """The training configuration of the shipped agent for ``fraction`` and ``seed``."""
    # PPO's default settings (16 x 32-step rollouts, 8 epochs): a cheaper recipe (128 steps,
    # 4 epochs) learned the corner as well but not, at 20 %, to seek a moving goal.
    return PPOConfig(env_id="gmlib/CornerLevel-v0", env_kwargs={"randomize_fraction": float(fraction)},
                     policy="cnn", hidden=64, total_frames=SHIPPED_FRAMES, seed=int(seed))


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
