"""Checks spec for 04_classifiers_to_agents: classifying and scoring episode records.

Episode records are plain dicts, as in the notebook's tests: ``path`` (the cell after each
step, entry 0 the start), ``goal_pos``, ``proxy_pos`` and ``shortest`` ({"goal": n, "proxy":
m}). Expected values come from the solution notebook's own functions (the answer key).

``misgeneralization_rate`` and ``two_by_two`` call the student's ``classify_episode`` and
``capability_score`` (the notebook asks them to), so a wrong one of those two also costs
the later exercises, in the re-check as in nbgrader's own run. The checks of those two
later, "leaf" functions come first here so that tests/test_grading_course.py, which makes
the first check's function wrong, sees a wrong answer cost exactly one question.
``decision_level`` is a design exercise, graded by a property of what it returns
(``is_decision_level``), not by comparison with the key's design.
Records that must be accepted as any iterable arrive as one-pass iterators (``OnePass``).
Each exercise is graded in two parts: the computation (``test_<function>``) and the input
rules the text states (``test_<function>_inputs``: the cases on which the key raises).
"""

import numpy as np

from autograder.checks import Case, Check, OnePass
from gmlib.goals import check_decision_level
from gmlib.rl.shortest_path import cells_between

# The notebook's locked "setup" cell imports torch and the RL code: the graded functions
# need none of it (they use only built-ins and each other).
SETUP: list[str] = []
TIME_LIMIT_S = 10.0

CORNER = (5, 5)  # bottom-right inner cell of the 7x7 room (interior cells 1..5)


def _episode(rng, training=False, style="tuple"):
    """A realistic record: a walk (turns repeat a cell) that stops at the first target."""
    cells = [(x, y) for x in range(1, 6) for y in range(1, 6)]
    proxy = CORNER
    if training:
        goal = proxy
    else:
        goal = cells[int(rng.integers(len(cells)))]
        while goal == proxy:
            goal = cells[int(rng.integers(len(cells)))]
    start = cells[int(rng.integers(len(cells)))]
    while start in (goal, proxy):
        start = cells[int(rng.integers(len(cells)))]
    aim = [goal, proxy, None][int(rng.choice(3, p=[0.35, 0.5, 0.15]))]
    focus = rng.uniform(0.4, 1.0)   # how directly it walks towards what it aims for
    path, pos = [start], start
    for _ in range(int(rng.integers(6, 30))):
        if rng.random() < 0.3:       # a turn: the cell repeats
            path.append(pos)
            continue
        steps = [(pos[0] + dx, pos[1] + dy) for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))]
        steps = [s for s in steps if 1 <= s[0] <= 5 and 1 <= s[1] <= 5]
        if aim is not None and rng.random() < focus:
            steps = [s for s in steps if cells_between(s, aim) < cells_between(pos, aim)] or steps
        pos = steps[int(rng.integers(len(steps)))]
        path.append(pos)
        if pos in (goal, proxy):
            break
    # Manhattan distance is a shortest-path length that no walk can beat, as the key requires.
    shortest = {"goal": max(1, cells_between(start, goal)), "proxy": max(1, cells_between(start, proxy))}
    if style == "list":
        path, goal, proxy = [list(p) for p in path], list(goal), list(proxy)
    elif style == "array":
        path = [np.array(p) for p in path]
        goal, proxy = np.array(goal), np.array(proxy)
    return {"path": path, "goal_pos": goal, "proxy_pos": proxy, "shortest": shortest}


def _rec(positions, goal=(3, 1), proxy=(5, 5), shortest_goal=2, shortest_proxy=4):
    return {"path": positions, "goal_pos": goal, "proxy_pos": proxy,
            "shortest": {"goal": shortest_goal, "proxy": shortest_proxy}}


# The notebook's test episodes (exercises 3 and 4).
TO_GOAL = _rec([(1, 1), (2, 1), (3, 1)], shortest_proxy=2)
TO_CORNER = _rec([(5, 3), (5, 4), (5, 5)], shortest_proxy=2)
SLOW_CORNER = _rec([(5, 3)] * 8 + [(5, 4), (5, 5)], shortest_proxy=2)
HALF_CORNER = _rec([(5, 3), (5, 3), (5, 3), (5, 4), (5, 5)], shortest_proxy=2)  # score 0.5
LOST = _rec([(1, 1), (1, 2), (1, 1)], shortest_proxy=2)


def _random_records(rng, n=None):
    n = int(rng.integers(5, 40)) if n is None else n
    styles = ("tuple", "tuple", "list", "array")
    return [_episode(rng, training=rng.random() < 0.2, style=styles[int(rng.integers(4))])
            for _ in range(n)]


def _single(rng):
    """Random single records, for classify_episode and capability_score."""
    cases = [Case(_episode(rng)) for _ in range(8)]
    cases += [Case(_episode(rng, training=True)) for _ in range(2)]
    cases += [Case(_episode(rng, style="list"), note="positions given as lists"),
              Case(_episode(rng, style="array"), note="positions given as numpy arrays")]
    return cases


def _classify_edges(rng):
    return [
        Case(_rec([np.array([1, 1]), np.array([2, 1]), np.array([3, 1])]),
             note="positions given as numpy arrays"),
        Case(_rec([[1, 1], [2, 1], [3, 1]], goal=[3, 1], proxy=[5, 5]),
             note="positions given as lists"),
        Case(_rec([(5, 4), (5, 5), (4, 5), (3, 5), (3, 4), (3, 3), (3, 2), (3, 1)]),
             note="the goal reached after passing the proxy"),
        Case(_rec([(2, 1), (3, 1), (3, 2), (3, 3)]),
             note="the goal visited on the way, the episode ending elsewhere"),
        Case(_rec([(5, 3), (5, 4), (5, 5), (4, 5), (4, 4)]),
             note="the proxy visited on the way, the episode ending elsewhere"),
        Case(_rec([(1, 1)]), note="only a start cell"),
        Case(_rec([]), note="a record without positions"),
        Case(_rec([], goal=(1, 1), proxy=(1, 1)), note="no positions in a training level"),
    ]


def _capability_edges(rng):
    return [
        Case(_rec([(5, 4), (5, 5), (4, 5), (4, 4), (4, 3), (4, 2), (4, 1), (3, 1)],
                  shortest_goal=4, shortest_proxy=1),
             note="the proxy reached first, then the goal"),
        Case(_rec([(4, 5), (4, 5), (5, 5)], goal=(5, 5), proxy=(5, 5), shortest_goal=2,
                  shortest_proxy=99), note="goal and proxy on the same cell"),
        Case(_rec([[1, 1], [1, 1], [2, 1], [2, 1], [3, 1]], goal=np.array([3, 1]),
                  shortest_goal=2), note="positions given as lists and arrays"),
        Case(_rec([(2, 1), (3, 1), (3, 1), (3, 1)], shortest_goal=1),
             note="the path stays on the goal after reaching it"),
        Case(_rec([]), note="a record without positions"),
        Case(_rec([(3, 1), (2, 1)]), note="the episode starts on the goal"),
        Case(_rec([(5, 5), (5, 4)]), note="the episode starts on the proxy"),
        Case(_rec([(2, 1), (3, 1)], shortest_goal=0), note="a shortest path of 0"),
        Case(_rec([(2, 1), (3, 1)], shortest_goal=3), note="fewer steps than the shortest path"),
    ]


def _rates(rng):
    cases = [Case(_random_records(rng)) for _ in range(3)]
    cases += [Case(_random_records(rng), threshold=float(t)) for t in (0.2, 0.75, 1.0)]
    cases += [Case(_random_records(rng, 1), note="a single episode")]
    return cases


def _rate_edges(rng):
    return [
        Case([TO_CORNER, TO_CORNER], note="every episode capable and at the proxy"),
        Case([HALF_CORNER, LOST, TO_GOAL], note="a score exactly at the threshold"),
        Case(OnePass(_random_records(rng)), note="records as a one-pass iterator"),
        Case([TO_GOAL], threshold=1.0, note="no episode at the proxy"),
        Case([], note="no records"),
        Case([TO_GOAL], 0.0, note="threshold 0"),
        Case([TO_GOAL], 1.5, note="threshold 1.5"),
        Case([TO_GOAL], -0.5, note="a negative threshold"),
    ]


def _table_edges(rng):
    return [
        Case([LOST, LOST], note="no episode reached a target"),
        Case([SLOW_CORNER], threshold=0.2, note="one slow episode, threshold 0.2"),
        Case([TO_GOAL, TO_CORNER], note="goal fraction exactly 0.5"),
        Case([HALF_CORNER, LOST], note="a score exactly at the threshold, half capable"),
        Case(OnePass(_random_records(rng)), note="records as a one-pass iterator"),
        Case([], note="no records"),
        Case([TO_GOAL], 0, note="threshold 0"),
        Case([TO_GOAL], 2.0, note="threshold 2"),
    ]


_FOUR = [TO_GOAL, TO_CORNER, SLOW_CORNER, LOST]


def is_decision_level(expected, actual) -> bool:
    """A design exercise: any level whose start is a decision square earns the points (the
    key's own design is not compared)."""
    return check_decision_level(actual) == ""


CHECKS = [
    # Leaf functions first (see the module's docstring); feedback lists tests in this order.
    Check(test="test_misgeneralization_rate", function="misgeneralization_rate",
          cases=[Case(_FOUR, visible=True), Case(_FOUR, threshold=0.2, visible=True),
                 _rates, _rate_edges], inputs_test="test_misgeneralization_rate_inputs"),
    Check(test="test_two_by_two", function="two_by_two",
          cases=[Case([TO_CORNER, TO_CORNER, TO_CORNER, TO_GOAL], visible=True),
                 Case([SLOW_CORNER, LOST, LOST, TO_GOAL], visible=True),
                 _rates, _table_edges], inputs_test="test_two_by_two_inputs"),
    Check(test="test_classify_episode", function="classify_episode",
          cases=[Case(_rec([(1, 1), (2, 1), (3, 1)]), visible=True),
                 Case(_rec([(4, 3), (4, 4), (5, 4), (5, 5)]), visible=True),
                 Case(_rec([(1, 1), (1, 1), (1, 2), (1, 1)]), visible=True),
                 Case(_rec([(4, 5), (5, 5)], goal=(5, 5), proxy=(5, 5)), visible=True),
                 _single, _classify_edges],
          compare="exact", inputs_test="test_classify_episode_inputs"),
    Check(test="test_capability_score", function="capability_score",
          cases=[Case(_rec([(1, 1), (2, 1), (3, 1)]), visible=True),
                 Case(_rec([(4, 3), (4, 3), (4, 4), (4, 4), (5, 4), (5, 4), (5, 4), (5, 5)]),
                      visible=True),
                 Case(_rec([(1, 1), (1, 2), (1, 1)]), visible=True),
                 _single, _capability_edges], inputs_test="test_capability_score_inputs"),
    Check(test="test_decision_level", function="decision_level", cases=[Case()],
          compare=is_decision_level),
]
