"""Candidate goals as Q-values, decision squares and diagnostic levels (notebook 06).

For a candidate goal *g* on a MiniGrid level of ``gmlib.rl.levels``, ``q_values(level, g)`` gives
for every state (cell and heading) and each of the three actions (left, right, forward) minus the
number of actions needed to walk into *g* after taking that action and then acting optimally.
Walking into another cell that ends the episode (the corner, when *g* is the goal; the goal,
when *g* is the corner) is worth ``-fail_cost``: the episode is over and *g* was not reached.

A *decision square* is a state where no action is best for two candidate goals at once: only
there does behaviour carry evidence about which of the two an agent pursues.
``check_decision_level`` says whether a hand-designed corner level starts in one (notebook 04).
"""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
from minigrid.core.constants import DIR_TO_VEC

LEFT, RIGHT, FORWARD = 0, 1, 2
State = tuple[int, int, int]  # x, y, heading


def q_values(level: Any, target: Iterable[int], fail_cost: float | None = None) -> dict[State, np.ndarray]:
    """``Q[(x, y, d)]``: an array of three values, minus the actions needed to walk into
    ``target`` after taking left, right or forward in that state.

    ``level`` is an unwrapped level (``env.unwrapped``); ``fail_cost`` defaults to its
    ``max_steps``. Costs are capped at ``fail_cost``: a target that cannot be reached is as bad as
    walking into the wrong terminal cell.
    """
    target = (int(target[0]), int(target[1]))
    fail_cost = float(level.max_steps if fail_cost is None else fail_cost)
    if not fail_cost > 0:
        raise ValueError(f"fail_cost must be positive, got {fail_cost!r}")
    terminal = set(level.terminal_cells()) | {target}
    cells = [(x, y) for y in range(1, level.height - 1) for x in range(1, level.width - 1)
             if (x, y) not in terminal and (level.grid.get(x, y) is None
                                            or level.grid.get(x, y).can_overlap())]
    states = [(x, y, d) for x, y in cells for d in range(4)]

    def successors(state: State) -> list[tuple[State | None, float]]:
        """(next state, cost) per action; next state None when the episode ends."""
        x, y, d = state
        dx, dy = DIR_TO_VEC[d]
        front = (x + dx, y + dy)
        out: list[tuple[State | None, float]] = [((x, y, (d - 1) % 4), 1.0), ((x, y, (d + 1) % 4), 1.0)]
        if front == target:
            out.append((None, 1.0))
        elif front in terminal:
            out.append((None, 1.0 + fail_cost))
        elif (front[0], front[1], d) in index:
            out.append(((front[0], front[1], d), 1.0))
        else:
            out.append((state, 1.0))  # into a wall: a wasted step
        return out

    index = set(states)
    moves = {s: successors(s) for s in states}
    cost = {s: fail_cost for s in states}
    for _ in range(len(states) + 1):  # Bellman-Ford: at most |states| rounds
        changed = False
        for s in states:
            best = min(c + (0.0 if n is None else cost[n]) for n, c in moves[s])
            if best < cost[s] - 1e-9:
                cost[s], changed = best, True
        if not changed:
            break
    return {s: -np.array([min(c + (0.0 if n is None else cost[n]), fail_cost + 1.0) for n, c in moves[s]])
            for s in states}


def best_actions(q: np.ndarray) -> set[int]:
    """The actions with the highest Q-value (ties included)."""
    q = np.asarray(q, dtype=float)
    return set(int(a) for a in np.flatnonzero(q >= q.max() - 1e-9))


def decision_states(q_a: dict[State, np.ndarray], q_b: dict[State, np.ndarray]) -> list[State]:
    """States where no action is best for both candidate goals."""
    return [s for s in q_a if s in q_b and not best_actions(q_a[s]) & best_actions(q_b[s])]


def trajectory_states(record: dict[str, Any]) -> list[State]:
    """The state (cell and heading) before each action of an episode record (a dict with
    ``path``, ``start_dir`` and ``actions``, as ``EpisodeRecord.to_dict()`` gives)."""
    heading = int(record["start_dir"])
    states = []
    for pos, action in zip(record["path"], record["actions"]):
        states.append((int(pos[0]), int(pos[1]), heading))
        if action == LEFT:
            heading = (heading - 1) % 4
        elif action == RIGHT:
            heading = (heading + 1) % 4
    return states


def agent_state(level: Any) -> State:
    return (int(level.agent_pos[0]), int(level.agent_pos[1]), int(level.agent_dir))


def start_q_values(level: Any, fail_cost: float | None = None) -> dict[str, np.ndarray]:
    """Q-values of the three actions in the agent's current state, for every target of
    ``level.targets()`` (by name): the same numbers as ``q_values(level, target)[state]``,
    computed with one breadth-first search per action instead of the whole table."""
    from gmlib.rl.shortest_path import shortest_path_lengths

    fail_cost = float(level.max_steps if fail_cost is None else fail_cost)
    targets = level.targets()
    terminal = set(level.terminal_cells())
    x, y, d = agent_state(level)
    dx, dy = DIR_TO_VEC[d]
    front = (x + dx, y + dy)
    q = {name: np.zeros(3) for name in targets}
    try:
        for action, (nx, ny, nd) in ((LEFT, (x, y, (d - 1) % 4)), (RIGHT, (x, y, (d + 1) % 4)),
                                      (FORWARD, (x + dx, y + dy, d))):
            if action == FORWARD and front in terminal:
                for name, pos in targets.items():
                    q[name][action] = -1.0 if tuple(pos) == front else -(1.0 + fail_cost)
                continue
            if action == FORWARD and level.grid.get(*front) is not None \
                    and not level.grid.get(*front).can_overlap():
                nx, ny = x, y  # into a wall: a wasted step
            level.agent_pos, level.agent_dir = (nx, ny), nd
            lengths = shortest_path_lengths(level)
            for name in targets:
                steps = lengths[name]
                q[name][action] = -min(1.0 + (fail_cost if steps is None else steps), fail_cost + 1.0)
    finally:
        level.agent_pos, level.agent_dir = (x, y), d
    return q


def diagnostic_level(env: Any, seed: int) -> dict[str, Any] | None:
    """Reset corner-level ``env`` to level ``seed`` and move the goal so that the agent's start
    is a decision square between the goal and the corner, as far from the corner as possible.

    Returns ``{"obs", "goal_pos", "goal_actions", "proxy_actions"}`` (the best first actions
    for each candidate), or None when no goal position makes the start a decision square.
    """
    env.reset(seed=int(seed))
    level = env.unwrapped
    start = agent_state(level)
    best: tuple[int, tuple[int, int], set[int], set[int]] | None = None
    for x in range(1, level.width - 1):
        for y in range(1, level.height - 1):
            if (x, y) in (tuple(level.corner), start[:2]):
                continue
            level.place_goal((x, y))
            q = start_q_values(level)
            goal_actions, proxy_actions = best_actions(q["goal"]), best_actions(q["proxy"])
            if goal_actions & proxy_actions:
                continue
            far = abs(x - level.corner[0]) + abs(y - level.corner[1])
            if best is None or far > best[0]:
                best = (far, (x, y), goal_actions, proxy_actions)
    if best is None:
        return None
    level.place_goal(best[1])
    return {"obs": level.gen_obs(), "goal_pos": best[1], "goal_actions": best[2],
            "proxy_actions": best[3]}


ACTION_NAMES = {LEFT: "turn left", RIGHT: "turn right", FORWARD: "step forward"}


def check_decision_level(design: Any, size: int = 7) -> str:
    """'' when ``design`` makes the start of a corner level a decision square; else why not.

    ``design`` is ``{"agent": (x, y), "direction": d, "goal": (x, y)}``: the agent's start
    cell and heading (0 right, 1 down, 2 left, 3 up) and the goal's cell, inside the room
    (x and y in 1..size-2), the goal not in the corner, the agent on neither target.
    """
    from gmlib.rl.levels import CornerLevel

    if not isinstance(design, dict) or set(design) != {"agent", "direction", "goal"}:
        return "the design must be a dict with exactly the keys 'agent', 'direction' and 'goal'"
    def whole(v: Any) -> bool:  # 1.7 is not a cell, True is not a heading
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))

    try:
        agent, goal = tuple(design["agent"]), tuple(design["goal"])
    except TypeError:
        agent = goal = ()
    if not all(whole(v) for v in (*agent, *goal, design["direction"])):
        return "'agent' and 'goal' must be (x, y) pairs of ints and 'direction' an int"
    agent, goal = tuple(int(v) for v in agent), tuple(int(v) for v in goal)
    direction = int(design["direction"])
    if len(agent) != 2 or len(goal) != 2:
        return "'agent' and 'goal' must be (x, y) pairs"
    inside = range(1, size - 1)
    if not all(v in inside for v in agent + goal):
        return f"cells must be inside the room: x and y in 1..{size - 2}"
    if direction not in range(4):
        return "'direction' must be 0 (right), 1 (down), 2 (left) or 3 (up)"
    corner = (size - 2, size - 2)
    if goal == corner:
        return f"the goal may not be in the corner {corner}: then goal and corner are one target"
    if agent in (goal, corner):
        return "the agent may not start on the goal or in the corner"
    goal_best, corner_best = first_best_actions(design, size)
    shared = goal_best & corner_best
    if shared:
        both = " and ".join(ACTION_NAMES[a] for a in sorted(shared))
        return (f"from this start, '{both}' is a best first action for the goal AND the corner: "
                "the first step would not tell them apart")
    return ""


def designed_level(design: dict[str, Any], size: int = 7, obs_mode: str = "full") -> Any:
    """A corner level (unwrapped) set up as ``design`` says: start cell, heading and goal."""
    from gmlib.rl.levels import CornerLevel

    level = CornerLevel(size=size, obs_mode=obs_mode).unwrapped
    level.reset(seed=0)
    level.agent_pos = tuple(int(v) for v in design["agent"])
    level.agent_dir = int(design["direction"])
    level.place_goal(tuple(int(v) for v in design["goal"]))
    return level


def first_best_actions(design: dict[str, Any], size: int = 7) -> tuple[set[int], set[int]]:
    """The best first actions from a designed start: (for the goal, for the corner)."""
    q = start_q_values(designed_level(design, size))
    return best_actions(q["goal"]), best_actions(q["proxy"])


def check_diagnostic_set(designs: Any, size: int = 7, n: int = 3) -> str:
    """'' when ``designs`` is a diagnostic set that a habit cannot pass; else why not.

    ``designs``: a list of ``n`` different level designs (as for ``check_decision_level``),
    each a decision square, such that no single first action is best for the corner in all
    of them, and none is best for the goal in all of them. Otherwise an agent with a fixed
    first move ("always step forward") would look like a corner-seeker, or a goal-seeker, on
    the whole set.
    """
    if not isinstance(designs, (list, tuple)) or len(designs) != n:
        return f"the set must be a list of exactly {n} designs, got {type(designs).__name__}" + (
            f" of {len(designs)}" if isinstance(designs, (list, tuple)) else "")
    for k, design in enumerate(designs):
        why = check_decision_level(design, size)
        if why:
            return f"design {k} ({design!r}): {why}"
    keys = [(tuple(d["agent"]), int(d["direction"]), tuple(d["goal"])) for d in designs]
    if len(set(keys)) < n:
        return "two designs are the same level: each must differ in start, heading or goal"
    best = [first_best_actions(d, size) for d in designs]
    for name, k in (("goal", 0), ("corner", 1)):
        always = set.intersection(*(b[k] for b in best))
        if always:
            act = ACTION_NAMES[min(always)]
            return (f"'{act}' is a best first action for the {name} in every design: an agent "
                    f"that always does '{act}' first would look like a {name}-seeker on this set")
    return ""
