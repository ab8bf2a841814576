"""Run seeded episodes and keep plain records of what happened.

``evaluate(policy, "gmlib/CornerLevelTest-v0", n_episodes=200, seed=0)`` plays episodes on the
levels made by seeds ``seed, seed + 1, ...`` and returns one ``EpisodeRecord`` per episode:
where the agent started, where the goal and the proxy were, the path it walked, what the episode
ended at, and the shortest-path length (BFS, turns included) from the start to every candidate
target, so that efficiency can be judged against the best possible.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import gymnasium as gym
import numpy as np

import gmlib.rl.levels  # noqa: F401  (registers the gmlib/ environments)
from gmlib.rl.levels import OUTCOMES, Pos
from gmlib.rl.shortest_path import shortest_path_lengths


@dataclass
class EpisodeRecord:
    """One episode, as plain data (``to_dict()`` gives a JSON-friendly dict)."""

    seed: int  # the level: env.reset(seed=seed) rebuilds it
    start_pos: Pos
    start_dir: int
    goal_pos: Pos
    proxy_pos: Pos | None
    targets: dict[str, Pos]  # every candidate target by name ("goal", "proxy", ...)
    shortest: dict[str, int | None]  # fewest actions from the start to walk into each target
    path: list[Pos]  # cells visited, start first, one entry per step
    actions: list[int]
    outcome: str  # "goal", "proxy", "other" or "timeout"
    steps: int
    total_return: float
    randomized: bool | None = None  # corner level: was the goal moved from the corner?

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_env(env: str | gym.Env, **env_kwargs: Any) -> gym.Env:
    """An environment from an id (``gym.make(id, **env_kwargs)``) or one given as is."""
    if isinstance(env, str):
        return gym.make(env, **env_kwargs)
    if env_kwargs:
        raise ValueError("env_kwargs only apply when env is an id string")
    return env


def run_episode(policy: Any, env: gym.Env, seed: int, *, greedy: bool = False,
                rng: np.random.Generator | None = None, goal_pos: Pos | None = None,
                start: tuple[int, int, int] | None = None) -> EpisodeRecord:
    """Play one episode on level ``seed``, optionally with the agent put at ``start``
    ``(x, y, heading)`` and the goal moved to ``goal_pos`` (a designed level)."""
    obs, info = env.reset(seed=int(seed))
    level = env.unwrapped
    if start is not None:
        x, y, heading = (int(v) for v in start)
        if level.grid.get(x, y) is not None:
            raise ValueError(f"cannot start the agent on an occupied cell {(x, y)}")
        level.agent_pos, level.agent_dir = (x, y), heading
        obs, info = level.gen_obs(), level._info()
    if goal_pos is not None:
        if not hasattr(level, "place_goal"):
            raise ValueError(f"{type(level).__name__} cannot move its goal; the corner level can")
        level.place_goal(goal_pos)
        obs, info = level.gen_obs(), level._info()
    rng = rng if rng is not None else np.random.default_rng(seed)
    start = info["agent_pos"]
    record = EpisodeRecord(
        seed=int(seed), start_pos=start, start_dir=info["agent_dir"],
        goal_pos=info["goal_pos"], proxy_pos=info["proxy_pos"],
        targets=dict(level.targets()), shortest=shortest_path_lengths(env),
        path=[start], actions=[], outcome="timeout", steps=0, total_return=0.0,
        randomized=info.get("randomized"),
    )
    done = False
    while not done:
        action = int(policy.act(obs, env, greedy=greedy, rng=rng))
        obs, reward, terminated, truncated, info = env.step(action)
        record.actions.append(action)
        record.path.append(info["agent_pos"])
        record.total_return += float(reward)
        done = terminated or truncated
    record.outcome, record.steps = info["outcome"], len(record.actions)
    return record


def evaluate(policy: Any, env: str | gym.Env = "gmlib/CornerLevelTest-v0", n_episodes: int = 100,
             seed: int = 0, *, greedy: bool = False, **env_kwargs: Any) -> list[EpisodeRecord]:
    """Play ``n_episodes`` on levels ``seed .. seed + n_episodes - 1``; sampled actions unless
    ``greedy``. Same arguments, same records."""
    if isinstance(n_episodes, bool) or not isinstance(n_episodes, int) or n_episodes < 1:
        raise ValueError(f"n_episodes must be a positive int, got {n_episodes!r}")
    env = make_env(env, **env_kwargs)
    rng = np.random.default_rng(seed)  # the actions' randomness, separate from the levels'
    return [run_episode(policy, env, seed + i, greedy=greedy, rng=rng) for i in range(n_episodes)]


def outcome_rates(records: list[EpisodeRecord]) -> dict[str, float]:
    """Fraction of episodes that ended at each outcome (all of ``OUTCOMES``, zeros included)."""
    if not records:
        raise ValueError("no records")
    counts = Counter(r.outcome for r in records)
    return {o: counts[o] / len(records) for o in OUTCOMES}


def summarize(records: list[EpisodeRecord]) -> dict[str, float]:
    """Outcome rates, mean steps, and mean excess steps over the shortest path to what was reached."""
    rates = outcome_rates(records)
    excess = [r.steps - r.shortest[r.outcome] for r in records
              if r.outcome in ("goal", "proxy") and r.shortest.get(r.outcome) is not None]
    return {"episodes": len(records), **rates,
            "mean_steps": float(np.mean([r.steps for r in records])),
            "mean_excess_steps": float(np.mean(excess)) if excess else float("nan")}
