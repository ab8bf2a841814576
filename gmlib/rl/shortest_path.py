"""Breadth-first search over the agent's states (cell and facing direction).

An action sequence is shortest when it uses the fewest steps, turns included, to *walk into* a
target: step onto the goal square, or press forward against a door or ball. Cells that end the
episode (the goal, the corner where it ends the episode, any object in the red-door maze) are
never walked through; a target that does not end the episode (the empty corner of the
CoinRun-style corner level) is reached by stepping onto it, and may be walked through.
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
    targets = terminal | {tuple(int(v) for v in p) for p in level.targets().values()}
    start: State = (int(level.agent_pos[0]), int(level.agent_pos[1]), int(level.agent_dir))
    parent: dict[State, tuple[State, int] | None] = {start: None}
    facing: dict[Pos, State] = {}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        x, y, d = state
        dx, dy = DIR_TO_VEC[d]
        front = (x + dx, y + dy)
        if front in targets and front not in facing:
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


def _distances(level, start_states: list[State], passable, reverse: bool = False) -> dict[State, int]:
    """BFS distances (actions) over agent states, from ``start_states`` (or, ``reverse``, to
    them), moving only onto cells for which ``passable(cell)`` holds."""
    dist = {s: 0 for s in start_states}
    queue = deque(start_states)
    while queue:
        x, y, d = state = queue.popleft()
        nexts = [(x, y, (d - 1) % 4), (x, y, (d + 1) % 4)]
        dx, dy = DIR_TO_VEC[d]
        if reverse:  # the state that moves forward into (x, y) with heading d
            behind = (x - dx, y - dy)
            if passable((x, y)) and passable(behind):
                nexts.append((behind[0], behind[1], d))
        elif passable((x + dx, y + dy)):
            nexts.append((x + dx, y + dy, d))
        for nxt in nexts:
            if nxt not in dist:
                dist[nxt] = dist[state] + 1
                queue.append(nxt)
    return dist


def on_a_shortest_path(env: MiniGridEnv, cell: Pos, target: Pos) -> bool:
    """Whether some shortest action sequence from the agent's state to step onto ``target``
    passes through ``cell``, counting turns, with both cells walkable (the goal is treated as
    floor). In the corner level, ``on_a_shortest_path(env, goal_pos, corner)``: an agent that
    walks to the corner by a shortest path may collect the goal on the way (Langosco et al.
    left such levels out of their CoinRun evaluation: "the coin is on the way to the end")."""
    level = env.unwrapped
    cell, target = (int(cell[0]), int(cell[1])), (int(target[0]), int(target[1]))
    free = {cell, target}

    def passable(pos: Pos) -> bool:
        if not (0 <= pos[0] < level.width and 0 <= pos[1] < level.height):
            return False
        obj = level.grid.get(*pos)
        return pos in free or obj is None or obj.can_overlap()

    start: State = (int(level.agent_pos[0]), int(level.agent_pos[1]), int(level.agent_dir))
    if start[:2] == target:
        return False
    from_start = _distances(level, [start], passable)
    to_target = _distances(level, [(target[0], target[1], d) for d in range(4)], passable, reverse=True)
    best = min((from_start[(target[0], target[1], d)] for d in range(4)
                if (target[0], target[1], d) in from_start), default=None)
    if best is None:
        return False
    return any(from_start.get((cell[0], cell[1], d), best + 1) + to_target.get((cell[0], cell[1], d), best + 1)
               == best for d in range(4))
