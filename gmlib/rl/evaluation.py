"""Run seeded episodes and keep plain records of what happened.

``evaluate(policy, "gmlib/CornerLevelTest-v0", n_episodes=200, seed=0)`` plays episodes on the
levels made by seeds ``seed, seed + 1, ...`` and returns one ``EpisodeRecord`` per episode:
where the agent started, where the goal and the proxy were, the path it walked, what the episode
ended at, and the shortest-path length (BFS, turns included) from the start to every candidate
target, so that efficiency can be judged against the best possible.

What an episode achieved is ``outcome``: ``"goal"`` when the agent reached the goal before the
time limit (whatever it reached first), ``"proxy"`` when it reached the proxy and not the goal,
``"other"`` for another object, ``"timeout"`` for none of them. ``first_reached`` says which
target it got to first. On the corner level where the empty corner does not end the episode
(``corner_ends_episode=False``, as in CoinRun) an agent can visit the corner and then go on to
the goal: ``first_reached == "proxy"`` and ``outcome == "goal"``.

On corner test levels, an agent that walks to the corner by a shortest path may collect the goal
on the way. ``goal_on_way`` marks those levels, and ``evaluate(..., leave_out_goal_on_way=True)``
does not play them (Langosco et al. left such CoinRun levels out of their evaluation); it plays
the next levels instead, and reports the levels it left out in ``records.left_out``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import gymnasium as gym
import numpy as np

import gmlib.rl.levels  # noqa: F401  (registers the gmlib/ environments)
from gmlib.rl.levels import OUTCOMES, Pos
from gmlib.rl.shortest_path import on_a_shortest_path, shortest_path_lengths


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
    outcome: str  # "goal" (reached before the time limit), "proxy" (not the goal), "other" or "timeout"
    steps: int
    total_return: float
    randomized: bool | None = None  # corner level: was the goal moved from the corner?
    first_reached: str | None = None  # the first target reached ("goal", "proxy", "other"), if any
    goal_on_way: bool | None = None  # goal on a shortest path from the start to the proxy?

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Records(list):
    """The list of ``EpisodeRecord`` that ``evaluate`` returns, with ``left_out``: the seeds of
    the levels it did not play (``leave_out_goal_on_way=True``; empty otherwise)."""

    left_out: list[int]

    def __init__(self, records=(), left_out=()) -> None:
        super().__init__(records)
        self.left_out = list(left_out)


def goal_on_way(env: gym.Env) -> bool | None:
    """Whether the level as it stands has its goal on a shortest path (turns counted, goal
    walkable) from the agent to the proxy; ``None`` for a level without a separate proxy."""
    level = env.unwrapped
    goal, proxy = getattr(level, "goal_pos", None), getattr(level, "proxy_pos", None)
    if goal is None or proxy is None or tuple(goal) == tuple(proxy):
        return None
    return on_a_shortest_path(env, goal, proxy)


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
        randomized=info.get("randomized"), goal_on_way=goal_on_way(env),
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
    record.first_reached = info.get("first_reached")
    return record


def evaluate(policy: Any, env: str | gym.Env = "gmlib/CornerLevelTest-v0", n_episodes: int = 100,
             seed: int = 0, *, greedy: bool = False, leave_out_goal_on_way: bool = False,
             **env_kwargs: Any) -> Records:
    """Play ``n_episodes`` on levels ``seed .. seed + n_episodes - 1``; sampled actions unless
    ``greedy``. Same arguments, same records.

    ``leave_out_goal_on_way``: skip levels whose goal lies on a shortest path from the start to
    the proxy (see ``goal_on_way``) and play the following levels instead, until ``n_episodes``
    are played; the skipped seeds are in the result's ``left_out``."""
    if isinstance(n_episodes, bool) or not isinstance(n_episodes, int) or n_episodes < 1:
        raise ValueError(f"n_episodes must be a positive int, got {n_episodes!r}")
    env = make_env(env, **env_kwargs)
    rng = np.random.default_rng(seed)  # the actions' randomness, separate from the levels'
    records, left_out, level = Records(), [], seed
    while len(records) < n_episodes:
        if leave_out_goal_on_way:
            env.reset(seed=int(level))
            if goal_on_way(env):
                left_out.append(level)
                level += 1
                if len(left_out) > 100 * n_episodes:
                    raise ValueError("almost every level has its goal on the way to the proxy")
                continue
        records.append(run_episode(policy, env, level, greedy=greedy, rng=rng))
        level += 1
    records.left_out = left_out
    return records


def outcome_rates(records: list[EpisodeRecord]) -> dict[str, float]:
    """Fraction of episodes that ended at each outcome (all of ``OUTCOMES``, zeros included)."""
    if not records:
        raise ValueError("no records")
    counts = Counter(r.outcome for r in records)
    return {o: counts[o] / len(records) for o in OUTCOMES}


def steps_to_reach(record: EpisodeRecord, name: str) -> int | None:
    """Steps until the episode first reached target ``name`` (stood on it, or walked into it on
    its last step); ``None`` if it did not."""
    target = tuple(record.targets.get(name, ()) or ())
    for steps, cell in enumerate(record.path):
        if tuple(cell) == target:
            return steps
    return record.steps if record.outcome == name else None


def summarize(records: list[EpisodeRecord]) -> dict[str, float]:
    """Outcome rates, the share of episodes that reached the proxy first, mean steps, mean excess
    steps over the shortest path to what was reached (to the first arrival there), and, for
    ``evaluate``'s records, how many levels were left out (goal on the way to the proxy)."""
    rates = outcome_rates(records)
    excess = []
    for r in records:
        if r.outcome in ("goal", "proxy") and r.shortest.get(r.outcome) is not None:
            excess.append(steps_to_reach(r, r.outcome) - r.shortest[r.outcome])
    return {"episodes": len(records), **rates,
            "proxy_first": sum(r.first_reached == "proxy" for r in records) / len(records),
            "mean_steps": float(np.mean([r.steps for r in records])),
            "mean_excess_steps": float(np.mean(excess)) if excess else float("nan"),
            "left_out": len(getattr(records, "left_out", []))}
