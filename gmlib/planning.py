"""Machinery for notebook 07: an agent that is an optimizer by construction.

The agent is a *stand-in* for a mesa-optimizer, not one: its search (value iteration) is written
by hand and only its objective (a reward model) is learned, whereas Hubinger et al. (2019),
*Risks from Learned Optimization*, reserve "mesa-optimizer" for optimization that training
itself produced. It has two parts:

- a **learned reward model**: from episodes on training levels it estimates how much reward
  stepping into a cell pays, keyed by one description of the cell, either *where* the cell is
  (``"cell"``: its coordinates) or *what* is in it (``"content"``: "goal", "empty", ...). Both
  descriptions fit the training levels perfectly, because there the goal is always in the corner;
- an **exact planner**: the level's true rules (walls; which cells end an episode) turned into a
  deterministic MDP over the agent's states (cell and facing direction, the three actions of
  the course's levels), solved by value iteration, acting greedily on the result.

Value iteration itself is the notebook's exercise: ``PlannerAgent`` takes it as an argument,
``value_iteration(next_state, reward, done, gamma) -> Q``, so nothing graded lives here.
``check_detour_walls`` says whether a student's obstacle (the notebook's design exercise)
qualifies; it checks a property, it is not an answer.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np
from minigrid.core.constants import DIR_TO_VEC

Pos = tuple[int, int]
LEFT, RIGHT, FORWARD = 0, 1, 2
N_ACTIONS = 3
#: How a reward model may describe a cell.
KEYS = ("cell", "content")


def cell_content(level: Any, pos: Pos) -> str:
    """What occupies ``pos`` in a MiniGrid level: an object type ("goal", "wall", ...) or "empty"."""
    obj = level.grid.get(int(pos[0]), int(pos[1]))
    return "empty" if obj is None else obj.type


def reward_observations(records: Iterable[Any]) -> list[dict]:
    """Every step of the episodes that entered a new cell, as ``{"cell", "content", "reward"}``.

    ``records`` are ``gmlib.rl.evaluation.EpisodeRecord`` objects (or their ``to_dict()``).
    In the course's levels the only reward comes at the last step, on walking onto the goal;
    the content of a cell is "goal" where the goal was and "empty" elsewhere (the levels have
    no other objects inside the room).
    """
    out = []
    for rec in records:
        rec = rec.to_dict() if hasattr(rec, "to_dict") else rec
        path = [tuple(int(v) for v in p) for p in rec["path"]]
        goal = tuple(int(v) for v in rec["goal_pos"])
        last = len(path) - 1
        for i in range(1, len(path)):
            if path[i] == path[i - 1]:
                continue  # a turn (or bumping into a wall): no new cell entered
            reward = float(rec["total_return"]) if i == last and rec["outcome"] == "goal" else 0.0
            out.append({"cell": path[i], "content": "goal" if path[i] == goal else "empty",
                        "reward": reward})
    return out


@dataclass
class RewardModel:
    """Mean reward for stepping into a cell, keyed by ``key`` ("cell" or "content").

    Descriptions never seen in training predict ``default`` (0: nothing observed, nothing
    expected).
    """

    key: str
    table: dict
    default: float = 0.0

    @classmethod
    def fit(cls, observations: Iterable[Mapping], key: str) -> "RewardModel":
        if key not in KEYS:
            raise ValueError(f"key must be one of {KEYS}, got {key!r}")
        sums: dict = defaultdict(float)
        counts: dict = defaultdict(int)
        for obs in observations:
            k = tuple(obs[key]) if key == "cell" else obs[key]
            sums[k] += float(obs["reward"])
            counts[k] += 1
        if not counts:
            raise ValueError("no observations to fit a reward model on")
        return cls(key, {k: sums[k] / counts[k] for k in sums})

    def predict(self, level: Any, pos: Pos) -> float:
        """Predicted reward for stepping into ``pos`` of ``level`` (a MiniGrid env)."""
        k = (int(pos[0]), int(pos[1])) if self.key == "cell" else cell_content(level, pos)
        return float(self.table.get(k, self.default))

    def reward_map(self, level: Any) -> np.ndarray:
        """Predicted reward of every cell, array (height, width) indexed [y, x]."""
        return np.array([[self.predict(level, (x, y)) for x in range(level.width)]
                         for y in range(level.height)])


@dataclass
class GridMDP:
    """The level's true rules as a deterministic MDP over (x, y, direction) states."""

    states: list[tuple[int, int, int]]
    index: dict[tuple[int, int, int], int]
    next_state: np.ndarray  # (S, 3) int: where each action leads
    reward: np.ndarray      # (S, 3) float: reward the model predicts for taking it
    done: np.ndarray        # (S, 3) bool: does it end the episode?


def grid_mdp(level: Any, reward_of: Callable[[Pos], float]) -> GridMDP:
    """Build the MDP of ``level`` (a MiniGrid env; ``level.unwrapped`` is taken if needed).

    Turning left or right keeps the cell and pays nothing. Stepping forward into a wall keeps
    the state and pays nothing; into a cell that ends the episode (``level.terminal_cells()``)
    pays ``reward_of(cell)`` and ends it; into any other free cell pays ``reward_of(cell)``.
    """
    level = getattr(level, "unwrapped", level)
    terminal = {tuple(int(v) for v in c) for c in level.terminal_cells()}
    free = [(x, y) for y in range(level.height) for x in range(level.width)
            if cell_content(level, (x, y)) != "wall"]
    states = [(x, y, d) for (x, y) in free for d in range(4)]
    index = {s: i for i, s in enumerate(states)}
    n = len(states)
    next_state = np.zeros((n, N_ACTIONS), dtype=np.int64)
    reward = np.zeros((n, N_ACTIONS))
    done = np.zeros((n, N_ACTIONS), dtype=bool)
    for i, (x, y, d) in enumerate(states):
        next_state[i, LEFT] = index[(x, y, (d - 1) % 4)]
        next_state[i, RIGHT] = index[(x, y, (d + 1) % 4)]
        dx, dy = (int(v) for v in DIR_TO_VEC[d])
        front = (x + dx, y + dy)
        if (front[0], front[1], d) not in index:  # a wall ahead
            next_state[i, FORWARD] = i
            continue
        next_state[i, FORWARD] = index[(front[0], front[1], d)]
        reward[i, FORWARD] = reward_of(front)
        done[i, FORWARD] = front in terminal
    return GridMDP(states, index, next_state, reward, done)


class PlannerAgent:
    """Plan with ``value_iteration`` on the learned reward and the level's true rules; act greedily.

    ``act(obs, env)`` has the signature of the course's policies, so ``gmlib.rl.evaluation``
    can run it. It re-plans on every step (the level is small); ties between equally good
    actions go to the lowest action index.
    """

    def __init__(self, reward_model: RewardModel, value_iteration: Callable, *,
                 gamma: float = 0.9) -> None:
        if not 0.0 < gamma < 1.0:
            raise ValueError(f"gamma must be in (0, 1), got {gamma!r}")
        self.reward_model, self.value_iteration, self.gamma = reward_model, value_iteration, gamma
        self._cache: tuple[Any, GridMDP, np.ndarray] | None = None

    def __repr__(self) -> str:
        return f"PlannerAgent(reward keyed by {self.reward_model.key!r}, gamma={self.gamma})"

    def q_values(self, env: Any) -> tuple[GridMDP, np.ndarray]:
        level = env.unwrapped
        key = (id(level), tuple(level.terminal_cells()), level.grid.encode().tobytes())
        if self._cache is None or self._cache[0] != key:
            mdp = grid_mdp(level, lambda pos: self.reward_model.predict(level, pos))
            q = np.asarray(self.value_iteration(mdp.next_state, mdp.reward, mdp.done, self.gamma),
                           dtype=np.float64)
            self._cache = (key, mdp, q)
        return self._cache[1], self._cache[2]

    def act(self, obs: Any, env: Any = None, *, greedy: bool = True,
            rng: np.random.Generator | None = None) -> int:
        if env is None:
            raise ValueError("PlannerAgent needs the environment: act(obs, env)")
        mdp, q = self.q_values(env)
        level = env.unwrapped
        state = (int(level.agent_pos[0]), int(level.agent_pos[1]), int(level.agent_dir))
        return int(np.argmax(q[mdp.index[state]]))


def _steps_to(target: Pos, free: set[Pos]) -> dict[Pos, int]:
    """Fewest moves (up, down, left, right; turns not counted) from each cell of ``free`` to
    ``target``, for the cells that can reach it."""
    dist = {target: 0}
    queue = deque([target])
    while queue:
        x, y = queue.popleft()
        for nxt in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
            if nxt in free and nxt not in dist:
                dist[nxt] = dist[(x, y)] + 1
                queue.append(nxt)
    return dist


def check_detour_walls(walls: Any, size: int = 7) -> str:
    """'' when ``walls`` is a fair new obstacle for a corner level of side ``size``; else why not.

    ``walls`` is a list of ``(x, y)`` cells. It qualifies when the cells are inside the room
    (x and y in 1..size-2), not the corner, at most a quarter of the room's inside cells, leave
    every free cell able to reach the corner, and make the way to the corner longer than in the
    empty room (fewest moves, turns not counted) from at least a quarter of the free cells; and
    it is not gmlib's own ledge (``gmlib.rl.levels.ledge_cells``).
    """
    if isinstance(walls, (str, bytes, dict)) or not hasattr(walls, "__iter__"):
        return f"the design must be a list of (x, y) cells, got {type(walls).__name__}"
    try:
        cells = [tuple(int(v) for v in cell) for cell in walls]
    except (TypeError, ValueError):
        return "every wall must be an (x, y) pair of ints"
    if not all(len(c) == 2 for c in cells):
        return "every wall must be an (x, y) pair"
    cells = set(cells)
    inside = {(x, y) for x in range(1, size - 1) for y in range(1, size - 1)}
    corner = (size - 2, size - 2)
    if not cells:
        return "no walls: an empty room is what training already showed"
    if not cells <= inside:
        return f"walls must be inside the room: x and y in 1..{size - 2}"
    if corner in cells:
        return f"the corner {corner} must stay free: it is the target"
    ledge = {(x, size - 3) for x in range(size // 2, size - 1)}  # gmlib.rl.levels.ledge_cells
    if cells == ledge:
        return "that is gmlib's own ledge (walls='ledge'): design an obstacle of your own"
    if len(cells) > len(inside) // 4:
        return (f"{len(cells)} walls: at most {len(inside) // 4} (a quarter of the room's inside "
                "cells), so that the level is still mostly the open room of training")
    free = inside - cells
    dist = _steps_to(corner, free)
    cut_off = sorted(free - set(dist))
    if cut_off:
        return f"the walls cut {len(cut_off)} free cells off from the corner, e.g. {cut_off[0]}"
    starts = free - {corner}
    longer = [c for c in starts if dist[c] > abs(c[0] - corner[0]) + abs(c[1] - corner[1])]
    if 4 * len(longer) < len(starts):
        return (f"the walls lengthen the way to the corner from {len(longer)} of {len(starts)} "
                "free cells; a fair obstacle stands in the way from at least a quarter of them")
    return ""
