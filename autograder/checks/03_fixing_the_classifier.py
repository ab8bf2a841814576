"""Checks spec for 03_fixing_the_classifier: group-balancing weights and the last-layer fit.

Expected values come from the solution notebook's own functions (the answer key).
"""

import numpy as np

from autograder.checks import Case, Check

SETUP: list[str] = []  # the answer cells import numpy themselves
TIME_LIMIT_S = 20.0    # fit_last_layer runs up to a few thousand gradient steps


def _groups(rng):
    cases = []
    for n in (8, 40, 200):
        cases.append(Case(rng.integers(0, 2, n), rng.integers(0, 2, n)))
    y = rng.integers(0, 2, 30)
    cases += [
        Case(y, y.copy(), note="proxy equal to the label: two groups only"),
        Case(np.ones(6, dtype=np.int64), np.zeros(6, dtype=np.int64), note="a single group"),
        Case(np.r_[np.ones(97), np.zeros(3)].astype(np.int64),
             np.r_[np.ones(95), np.zeros(5)].astype(np.int64), note="a tiny minority group"),
        Case([0, 1, 1, 0], [0, 1, 0, 0], note="plain lists"),
        Case(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), note="no examples"),
        Case(np.array([0, 1, 1]), np.array([0, 1]), note="arguments of different lengths"),
    ]
    return cases


def _regressions(rng):
    cases = []
    for n, d, kwargs in ((60, 2, {}), (120, 5, {"l2": 0.1, "steps": 300}),
                         (80, 3, {"l2": 0.0, "steps": 500, "lr": 0.2})):
        x = rng.normal(size=(n, d))
        y = (x @ rng.normal(size=d) + rng.normal(scale=0.5, size=n) > 0).astype(np.int64)
        w = rng.uniform(0.1, 3.0, size=n)
        cases.append(Case(x, y, w, **kwargs))
    x = rng.normal(size=(20, 2))
    cases += [
        Case(x, (x[:, 0] > 0).astype(np.int64), np.ones(20), steps=0, note="no steps at all"),
        Case(x, (x[:, 0] > 0).astype(np.int64), np.r_[np.full(10, 5.0), np.ones(10)],
             steps=200, note="unequal weights"),
        Case(np.zeros((5, 2)), np.zeros(4, dtype=np.int64), np.ones(5),
             note="features and labels of different lengths"),
    ]
    return cases


CHECKS = [
    Check(test="test_group_balancing_weights", function="group_balancing_weights",
          cases=[Case(np.array([1, 1, 1, 1, 0, 0, 0, 1]), np.array([1, 1, 1, 1, 0, 0, 0, 0]),
                      visible=True), _groups]),
    Check(test="test_fit_last_layer", function="fit_last_layer",
          cases=[_regressions], rtol=1e-5, atol=1e-7),
]
