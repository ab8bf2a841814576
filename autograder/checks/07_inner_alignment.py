"""Checks spec for 07_inner_alignment: value iteration on a deterministic MDP given as arrays,
and a design exercise, ``detour_walls(size)``: walls that make a fair new obstacle.

Expected values come from the solution notebook's own function (the answer key). Each
exercise is graded in two parts: the computation (``test_value_iteration``,
``test_detour_walls``) and the input rules the text states (``test_value_iteration_inputs``,
``test_detour_walls_inputs``: the cases on which the key raises). Every kind of example the
notebook's visible checks show is drawn here too. The design is graded by a property
(``gmlib.planning.check_detour_walls`` for the case's room size), not against the key's design.
"""

from functools import partial

import numpy as np

from gmlib.planning import check_detour_walls

from autograder.checks import Case, Check

SETUP: list[str] = []  # the answer cell imports numpy itself
TIME_LIMIT_S = 20.0

_CORRIDOR = dict(next_state=np.array([[0, 1], [0, 2], [1, 2]]),
                 reward=np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
                 done=np.array([[False, False], [False, True], [False, False]]))


def _mdps(rng):
    cases = []
    for s, a, gamma in ((5, 2, 0.9), (30, 3, 0.5), (12, 4, 0.99), (8, 1, 0.0)):
        cases.append(Case(rng.integers(0, s, (s, a)), rng.normal(size=(s, a)),
                          rng.random((s, a)) < 0.2, gamma=gamma))
    s, a = int(rng.integers(3, 12)), int(rng.integers(1, 4))
    cases.append(Case(rng.integers(0, s, (s, a)).tolist(), rng.normal(size=(s, a)).tolist(),
                      (rng.random((s, a)) < 0.3).tolist(), gamma=float(rng.uniform(0.1, 0.95)),
                      note="plain lists"))
    for iters in (0, 1, int(rng.integers(2, 6))):
        s, a = int(rng.integers(3, 12)), int(rng.integers(1, 4))
        cases.append(Case(rng.integers(0, s, (s, a)), rng.normal(size=(s, a)),
                          rng.random((s, a)) < 0.2, max_iters=iters, note=f"max_iters {iters}"))
    for tol in (0.3, 0.05):  # a tol large enough to stop the sweeps early
        s, a = int(rng.integers(3, 12)), int(rng.integers(1, 4))
        cases.append(Case(rng.integers(0, s, (s, a)), rng.uniform(0, 1, size=(s, a)),
                          rng.random((s, a)) < 0.2, gamma=0.8, tol=tol, note=f"tol {tol}"))
    pay = float(rng.integers(1, 5))
    cases += [
        Case(**_CORRIDOR, max_iters=1, note="a single sweep"),
        Case(**_CORRIDOR, max_iters=0, note="no sweep at all"),
        Case(**_CORRIDOR, gamma=0.0, note="gamma 0"),
        Case(np.array([[0]]), np.array([[1.0]]), np.array([[True]]), note="a done action"),
        Case(np.array([[0]]), np.array([[1.0]]), np.array([[False]]), gamma=0.5,
             note="a self-loop that pays forever"),
        # V = 0, p, 1.5 p, 1.75 p, ...: changes p, p / 2, p / 4; tol p / 4 is met only after it
        Case(np.array([[0]]), np.array([[pay]]), np.array([[False]]), gamma=0.5, tol=pay / 4,
             note="a change exactly equal to tol"),
        Case(np.array([[0]]), np.array([[0.0, 1.0]]), np.array([[False]]),
             note="arrays of different shapes"),
        Case(np.array([[0, 0]]), np.array([[0.0, 1.0]]), np.array([[False]]),
             note="done of another shape"),
        Case(np.array([[0]]), np.array([[0.0, 1.0]]), np.array([[False, False]]),
             note="next_state of another shape"),
        Case(np.array([[0], [0]]), np.array([[0.0, 1.0]]), np.array([[False, False]]),
             note="next_state with two rows, the others one"),
        Case(np.array([0, 0]), np.array([0.0, 1.0]), np.array([False, False]), note="1-d arrays"),
        Case(np.array([[0]]), np.array([[0.0]]), np.array([[False]]), gamma=1.0,
             note="gamma outside [0, 1)"),
        Case(np.array([[0]]), np.array([[1.0]]), np.array([[True]]), gamma=1.5, note="gamma 1.5"),
        Case(np.array([[0]]), np.array([[1.0]]), np.array([[True]]), gamma=-0.3,
             note="a negative gamma"),
    ]
    return cases


_LOOP = dict(next_state=[[0]], reward=[[1.0]], done=[[False]])
_CORRIDOR_LISTS = dict(next_state=[[0, 1], [0, 2], [1, 2]], reward=[[0, 0], [0, 1], [0, 0]],
                       done=[[False, False], [False, True], [False, False]])

CHECKS = [
    Check(test="test_value_iteration", function="value_iteration",
          cases=[Case(**_CORRIDOR_LISTS, visible=True), Case(**_CORRIDOR, visible=True),
                 Case([[0]], [[1.0]], [[True]], visible=True),
                 Case(**_LOOP, gamma=0.5, visible=True),
                 Case(**_CORRIDOR_LISTS, gamma=0.0, visible=True),
                 Case(**_CORRIDOR_LISTS, max_iters=1, visible=True),
                 Case(**_CORRIDOR_LISTS, max_iters=0, visible=True),
                 Case(**_LOOP, gamma=0.5, tol=0.3, visible=True),
                 Case(**_LOOP, gamma=0.5, tol=0.25, visible=True),
                 Case([[0]], [[0.0, 1.0]], [[False]], visible=True),
                 Case([[0, 0]], [[0.0, 1.0]], [[False]], visible=True),
                 Case([[0]], [[0.0, 1.0]], [[False, False]], visible=True),
                 Case([0], [1.0], [False], visible=True),
                 Case([[0]], [[0.0]], [[False]], gamma=1.0, visible=True),
                 Case([[0]], [[0.0]], [[False]], gamma=-0.1, visible=True),
                 _mdps],
          rtol=1e-5, atol=1e-6, inputs_test="test_value_iteration_inputs"),
]


def is_fair_obstacle(expected, actual, size) -> bool:
    """A design exercise: any walls that pass ``check_detour_walls`` for this room size earn the
    points (the key's own design is not compared)."""
    return check_detour_walls(actual, size) == ""


def _bad_sizes(rng):
    return [Case(int(rng.integers(-5, 5)), note="a room smaller than 5"),
            Case(int(rng.integers(33, 100)), note="a room larger than 32"),
            Case(float(rng.integers(5, 33)), note="a size that is a float"),
            Case(str(int(rng.integers(5, 33))), note="a size that is a string"),
            Case(None, note="no size")]


# One check per room size: the property depends on the size the design was asked for.
CHECKS += [
    Check(test="test_detour_walls", function="detour_walls",
          cases=[Case(size, visible=size in (5, 7, 10))],
          compare=partial(is_fair_obstacle, size=size))
    for size in (5, 6, 7, 8, 9, 10, 12, 16, 32)
] + [
    Check(test="test_detour_walls", function="detour_walls",
          cases=[Case(4, visible=True), Case(33, visible=True), Case(7.0, visible=True),
                 Case("7", visible=True), _bad_sizes],
          inputs_test="test_detour_walls_inputs"),
]
