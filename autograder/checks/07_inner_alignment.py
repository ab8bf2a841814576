"""Checks spec for 07_inner_alignment: value iteration on a deterministic MDP given as arrays.

Expected values come from the solution notebook's own function (the answer key).
"""

import numpy as np

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
    cases += [
        Case(**_CORRIDOR, max_iters=1, note="a single sweep"),
        Case(np.array([[0]]), np.array([[1.0]]), np.array([[False]]), gamma=0.5,
             note="a self-loop that pays forever"),
        Case(np.array([[0]]), np.array([[0.0, 1.0]]), np.array([[False]]),
             note="arrays of different shapes"),
        Case(np.array([[0]]), np.array([[0.0]]), np.array([[False]]), gamma=1.0,
             note="gamma outside [0, 1)"),
    ]
    return cases


CHECKS = [
    Check(test="test_value_iteration", function="value_iteration",
          cases=[Case(**_CORRIDOR, visible=True), _mdps], rtol=1e-5, atol=1e-6),
]
