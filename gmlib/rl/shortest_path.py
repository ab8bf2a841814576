"""Breadth-first search over the agent's states (cell and facing direction).

An action sequence is shortest when it uses the fewest steps, turns included, to *walk into* a
target: step onto the goal square, or press forward against a door or ball. Cells that end the
episode (the goal, the corner, any object in the red-door maze) are never walked through.
"""

from __future__ import annotations

from collections import deque

from minigrid.core.constants import DIR_TO_VEC
from minigrid.minigrid_env import MiniGridEnv

Pos = tuple[int, int]
State = tuple[int, int, int]  # x, y, direction
LEFT, RIGHT, FORWARD = 0, 1, 2


def cells_between(a: Pos, b: Pos) -> int:
    """Cells from ``a`` to ``b`` along the grid (Manhattan distance), ignoring walls and turns:
    a rough "how far", where ``shortest_path_lengths`` gives the exact number of actions."""
    return abs(int(a[0]) - int(b[0])) + abs(int(a[1]) - int(b[1]))


def _search(env: MiniGridEnv) -> tuple[dict[State, tuple[State, int] | None], dict[Pos, State]]:
    """BFS from the agent's state. Returns parent links and, per terminal cell, the first
    (hence closest) state that faces it."""
    level = env.unwrapped
    terminal = level.terminal_cells()
    start: State = (int(level.agent_pos[0]), int(level.agent_pos[1]), int(level.agent_dir))
    parent: dict[State, tuple[State, int] | None] = {start: None}
    facing: dict[Pos, State] = {}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        x, y, d = state
        dx, dy = DIR_TO_VEC[d]
        front = (x + dx, y + dy)
        if front in terminal and front not in facing:
            facing[front] = state
        moves = [((x, y, (d - 1) % 4), LEFT), ((x, y, (d + 1) % 4), RIGHT)]
        if level.grid.get(*front) is None and front not in terminal:
            moves.append(((front[0], front[1], d), FORWARD))
        for nxt, action in moves:
            if nxt not in parent:
                parent[nxt] = (state, action)
                queue.append(nxt)
    return parent, facing


def _actions_to(parent: dict[State, tuple[State, int] | None], state: State) -> list[int]:
    actions = []
    while parent[state] is not None:
        state, action = parent[state]
        actions.append(action)
    return actions[::-1]


def shortest_path_lengths(env: MiniGridEnv) -> dict[str, int | None]:
    """Fewest actions from the agent's current state to walk into each of ``env.targets()``;
    ``None`` for a target it cannot reach."""
    parent, facing = _search(env)
    return {name: (len(_actions_to(parent, facing[pos])) + 1 if pos in facing else None)
            for name, pos in env.unwrapped.targets().items()}


def shortest_path_actions(env: MiniGridEnv, target: Pos) -> list[int] | None:
    """A shortest action sequence (0 left, 1 right, 2 forward) that walks into ``target``."""
    parent, facing = _search(env)
    target = (int(target[0]), int(target[1]))
    if target not in facing:
        return None
    return _actions_to(parent, facing[target]) + [FORWARD]
