"""Two policies to compare a trained agent with, with the same ``act`` interface.

* ``RandomPolicy``: uniform over the three actions. How often does luck reach the goal?
* ``ShortestPathPolicy``: looks at the true level and walks the shortest path to the goal (or
  to any named target). Perfect capability and the right goal: an upper bound.

Every policy here (and ``PPOAgent``) has ``act(obs, env, *, greedy, rng) -> int``.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from gmlib.rl.levels import N_ACTIONS
from gmlib.rl.shortest_path import shortest_path_actions


class Policy(Protocol):
    """What ``evaluate`` and the plots need from an agent."""

    def act(self, obs: np.ndarray, env: Any = None, *, greedy: bool = False,
            rng: np.random.Generator | None = None) -> int: ...


class RandomPolicy:
    """Uniformly random actions (``greedy`` is ignored: there is no best action)."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = np.random.default_rng(seed)

    def __repr__(self) -> str:
        return "RandomPolicy()"

    def act(self, obs: np.ndarray, env: Any = None, *, greedy: bool = False,
            rng: np.random.Generator | None = None) -> int:
        return int((rng or self._rng).integers(N_ACTIONS))


class ShortestPathPolicy:
    """Walk the shortest path to ``target`` (a name from ``env.targets()``, default the goal).

    It reads the environment's state, not the observation, and replans every step, so it works
    after the goal is moved by hand too.
    """

    def __init__(self, target: str = "goal") -> None:
        self.target = target

    def __repr__(self) -> str:
        return f"ShortestPathPolicy(target={self.target!r})"

    def act(self, obs: np.ndarray, env: Any = None, *, greedy: bool = False,
            rng: np.random.Generator | None = None) -> int:
        if env is None:
            raise ValueError("ShortestPathPolicy needs the environment: act(obs, env)")
        targets = env.unwrapped.targets()
        if self.target not in targets:
            raise ValueError(f"this level has no target {self.target!r}; it has {sorted(targets)}")
        if tuple(int(v) for v in env.unwrapped.agent_pos) == tuple(targets[self.target]):
            return 0  # standing on a target that does not end the episode: wait there
        actions = shortest_path_actions(env, targets[self.target])
        if not actions:
            raise ValueError(f"target {self.target!r} at {targets[self.target]} is unreachable")
        return actions[0]
