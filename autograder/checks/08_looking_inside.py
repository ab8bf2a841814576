"""Checks spec for 08_looking_inside: a linear probe with a held-out split, and a steering vector.

Like every spec (see ``autograder/checks/__init__.py``): the answer key gives the expected
values, and each exercise is graded as its computation and, apart, its stated input rules.
The kinds of example the notebook's visible checks show are drawn here too.
"""

import numpy as np

from autograder.checks import Case, Check

# The answer cells import numpy themselves: no locked cell is needed.
SETUP: list[str] = []
TIME_LIMIT_S = 10.0

_LINE = np.arange(20.0).reshape(-1, 1)
_NOISE = np.random.default_rng(1).normal(size=(30, 4))
_COIN = (np.random.default_rng(2).random(30) < 0.5).astype(int)
_X = np.zeros((10, 2))
_Y = np.array([0, 1] * 5)


def _probes(rng):
    cases = []
    for n, d in ((40, 2), (60, 8), (90, 30), (50, 80)):
        X = rng.normal(size=(n, d))
        y = (X[:, 0] + rng.normal(scale=0.7, size=n) > 0).astype(int)
        cases.append(Case(X, y, float(rng.uniform(0.4, 0.85)), int(rng.integers(0, 1000)),
                          float(rng.choice([0.01, 1.0, 30.0]))))
    X = rng.normal(size=(40, 5))
    y = X[:, 1] > 0
    cases.append(Case(X, y, note="boolean labels, defaults for the rest"))
    cases.append(Case(X.tolist(), [int(v) for v in y], train_fraction=0.6, seed=5,
                      note="lists instead of arrays"))
    cases.append(Case(X, np.ones(40, dtype=int), ridge=1e12, note="a single class and a huge ridge"))
    onehot = np.eye(12)[rng.integers(0, 12, size=70)]
    cases.append(Case(onehot, onehot[:, :4].sum(axis=1).astype(int), seed=int(rng.integers(100)),
                      note="one-hot features"))
    return cases


def _probe_edges(rng):
    return [
        Case(np.zeros(10), _Y, note="1-d features"),
        Case(np.zeros((2, 3, 4)), [0, 1], note="3-d features"),
        Case(_X, _Y[:9], note="fewer labels than rows"),
        Case(_X, list(_Y) + [1], note="more labels than rows"),
        Case(_X, _Y.reshape(5, 2), note="2-d labels"),
        Case(_X, np.array([0, 1, 2, 0, 1, 0, 1, 0, 1, 0]), note="a label 2"),
        Case(_X, _Y * 0.5, note="labels 0 and 0.5"),
        Case(_X, _Y, train_fraction=1.0, note="nothing held out"),
        Case(_X, _Y, train_fraction=0.0, note="nothing to train on"),
        Case(_X, _Y, train_fraction=0.02, note="a training part of 0 rows"),
        Case(_X, _Y, train_fraction=0.97, note="a held-out part of 0 rows"),
        Case(_X, _Y, ridge=0.0, note="ridge 0"),
        Case(_X, _Y, ridge=-1.0, note="a negative ridge"),
        Case(_X, _Y, ridge=float("nan"), note="a nan ridge"),
        Case(_X, _Y, ridge=float("inf"), note="an infinite ridge"),
    ]


def _vectors(rng):
    cases = []
    for na, nb, d in ((1, 1, 3), (5, 9, 16), (40, 20, 64)):
        cases.append(Case(rng.normal(size=(na, d)), rng.normal(size=(nb, d))))
    cases.append(Case(rng.integers(0, 5, size=(3, 4)).tolist(), rng.integers(0, 5, size=(2, 4)).tolist(),
                      note="integer lists"))
    return cases


def _vector_edges(rng):
    return [
        Case([1.0, 2.0], [[1.0, 2.0]], note="1-d acts_a"),
        Case([[1.0, 2.0]], [1.0, 2.0], note="1-d acts_b"),
        Case(np.zeros((2, 2, 2)), np.zeros((2, 2)), note="3-d acts_a"),
        Case(np.zeros((0, 2)), [[1.0, 2.0]], note="acts_a with no rows"),
        Case([[1.0, 2.0]], np.zeros((0, 2)), note="acts_b with no rows"),
        Case(np.zeros((2, 3)), np.zeros((2, 4)), note="different numbers of columns"),
    ]


CHECKS = [
    Check(test="test_probe_accuracy", function="probe_accuracy",
          cases=[Case(_LINE, np.arange(20) >= 10, visible=True),
                 Case(_LINE, (np.arange(20) < 10).astype(int), visible=True),
                 Case(_LINE, list(np.arange(20) >= 10), visible=True),
                 Case(_NOISE, _COIN, visible=True),
                 Case(_NOISE, _COIN, seed=7, visible=True),
                 Case(_NOISE, _COIN, train_fraction=0.5, visible=True),
                 Case(_NOISE, np.ones(30, dtype=int), ridge=1e12, visible=True),
                 Case(np.zeros(10), _Y, visible=True),
                 Case(_X, _Y[:9], visible=True),
                 Case(_X, _Y.reshape(5, 2), visible=True),
                 Case(_X, np.array([0, 1, 2, 0, 1, 0, 1, 0, 1, 0]), visible=True),
                 Case(_X, _Y, train_fraction=1.0, visible=True),
                 Case(_X, _Y, train_fraction=0.0, visible=True),
                 Case(_X, _Y, ridge=0.0, visible=True),
                 Case(_X, _Y, ridge=-1.0, visible=True),
                 Case(_X, _Y, ridge=float("nan"), visible=True),
                 _probes, _probe_edges],
          rtol=1e-9, atol=1e-9, inputs_test="test_probe_accuracy_inputs"),
    Check(test="test_steering_vector", function="steering_vector",
          cases=[Case([[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0]], visible=True),
                 Case([[0.0, 0.0]], [[1.0, -2.0], [3.0, 0.0]], visible=True),
                 Case(np.ones((3, 4)), np.zeros((7, 4)), visible=True),
                 Case([[1, 2]], [[0, 1], [0, 0]], visible=True),
                 Case([1.0, 2.0], [[1.0, 2.0]], visible=True),
                 Case([[1.0, 2.0]], [1.0, 2.0], visible=True),
                 Case(np.zeros((0, 2)), [[1.0, 2.0]], visible=True),
                 Case([[1.0, 2.0]], np.zeros((0, 2)), visible=True),
                 Case([[1.0, 2.0]], [[1.0, 2.0, 3.0]], visible=True),
                 _vectors, _vector_edges],
          rtol=1e-7, atol=1e-9, inputs_test="test_steering_vector_inputs"),
]
