"""Checks spec for 03_fixing_the_classifier: group-balancing weights and the last-layer fit.

Expected values come from the solution notebook's own functions (the answer key). Each
exercise is graded in two parts: the computation (``test_<function>``) and the input rules
the text states (``test_<function>_inputs``: the cases on which the key raises). Every kind
of example the notebook's visible checks show is drawn here too.
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
        Case(rng.integers(0, 2, 12).tolist(), rng.integers(0, 2, 12).tolist(),
             note="plain lists, random"),
        Case([int(v) for v in y[:3]], [int(v) for v in y[:3]], note="three examples, one or two groups"),
        Case(np.r_[np.ones(9), 0].astype(np.int64), np.r_[np.ones(8), 0, 0].astype(np.int64),
             note="two groups of one example"),
        Case(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), note="no examples"),
        Case(np.array([0, 1, 1]), np.array([0, 1]), note="arguments of different lengths"),
        Case(y[:5], y[:1], note="an argument of length 1 beside a longer one"),
        Case(np.ones((4, 1)), np.ones((4, 1)), note="2-d arguments of the same shape"),
        Case(np.ones((3, 2)), np.ones((3, 2)), note="2-d arguments, two columns"),
        Case(np.ones((4, 1)), np.ones(4), note="a 2-d (n, 1) argument beside a 1-d one"),
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
    for steps in (1, 2, 3):  # a few steps from zero, as the visible rules show
        n, d = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        cases.append(Case(rng.normal(size=(n, d)), rng.integers(0, 2, n), rng.uniform(0.2, 4.0, n),
                          l2=float(rng.choice([0.0, 1.0, 3.0])), steps=steps,
                          lr=float(rng.uniform(0.3, 1.5)), note=f"{steps} step(s) from zero"))
    xl = rng.normal(size=(4, 2))
    cases.append(Case(xl.tolist(), [0, 1, 1, 0], rng.uniform(0.5, 2.0, 4).tolist(), steps=2,
                      note="plain lists"))
    x = rng.normal(size=(20, 2))
    cases += [
        Case(x, (x[:, 0] > 0).astype(np.int64), np.ones(20), steps=0, note="no steps at all"),
        Case(x, (x[:, 0] > 0).astype(np.int64), np.r_[np.full(10, 5.0), np.ones(10)],
             steps=200, note="unequal weights"),
        Case(np.zeros((5, 2)), np.zeros(4, dtype=np.int64), np.ones(5),
             note="features and labels of different lengths"),
        Case(x[:6], np.ones(1, dtype=np.int64), np.ones(6), note="one label for six rows"),
        Case(x[:6], (x[:6, 0] > 0).astype(np.int64), np.ones(1), note="one weight for six rows"),
        Case(x[:5], (x[:5, 0] > 0).astype(np.int64), np.ones(3), note="weights of another length"),
        Case(x[:4, 0], (x[:4, 0] > 0).astype(np.int64), np.ones(4), note="1-d features"),
        Case(x[:4, 0].tolist(), [0, 1, 1, 0], [1.0] * 4, note="1-d features, as lists"),
    ]
    return cases


_X = np.random.default_rng(0).normal(size=(200, 3))  # the notebook's visible data
_Y = (_X[:, 0] > 0).astype(np.int64)

CHECKS = [
    Check(test="test_group_balancing_weights", function="group_balancing_weights",
          cases=[Case([1, 1, 0, 0, 1, 0], [1, 1, 0, 0, 0, 1], visible=True),
                 Case([1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0], visible=True),
                 Case(np.array([1, 1, 1, 1, 0, 0, 0, 1]), np.array([1, 1, 1, 1, 0, 0, 0, 0]),
                      visible=True),
                 Case([0, 0, 0], [1, 1, 1], visible=True),
                 Case(np.array([0, 1, 1, 1]), np.array([0, 1, 1, 1]), visible=True),
                 Case([], [], visible=True),
                 Case([0, 1, 1], [1], visible=True),
                 Case(np.ones((4, 1)), np.ones((4, 1)), visible=True),
                 _groups],
          inputs_test="test_group_balancing_weights_inputs"),
    Check(test="test_fit_last_layer", function="fit_last_layer",
          cases=[Case(_X, _Y, np.ones(200), steps=0, visible=True),
                 Case([[1.0]], [1], [1.0], steps=1, lr=1.0, visible=True),
                 Case([[2.0, 0.0], [0.0, 1.0]], [1, 1], [1.0, 3.0], steps=1, lr=1.0, visible=True),
                 Case([[1.0]], [1], [1.0], l2=1.0, steps=2, lr=1.0, visible=True),
                 Case(_X, _Y, np.ones(200), steps=5, visible=True),
                 Case(_X, _Y, np.ones(200), visible=True),
                 Case(np.zeros((5, 2)), [1], np.ones(5), visible=True),
                 Case(np.zeros((5, 2)), np.ones(5), [1.0], visible=True),
                 Case(np.zeros(4), np.ones(4), np.ones(4), visible=True),
                 _regressions],
          rtol=1e-5, atol=1e-7, inputs_test="test_fit_last_layer_inputs"),
]
