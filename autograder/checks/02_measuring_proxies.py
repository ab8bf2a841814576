"""Checks spec for 02_measuring_proxies.

NEEDS CONFIRMATION against the real notebook (not on main when this was written): the
function names and signatures below follow the lead's brief; the test-cell grade ids
(``test_<function>``) and the set-up cell id (``imports``) are guesses to reconcile with
``solutions/02_measuring_proxies/02_measuring_proxies.ipynb``. Expected values are never
written here: they come from the solution notebook's own functions (the answer key).
"""

import numpy as np

from autograder.checks import Case, Check

SETUP = ["imports"]
TIME_LIMIT_S = 20.0  # linear_probe_accuracy fits a small model


def _binary(rng, n):
    return rng.integers(0, 2, size=n)


def _three(rng):
    """Predictions, labels and a proxy (e.g. 'is red') of one random data set."""
    n = int(rng.integers(20, 80))
    return _binary(rng, n), _binary(rng, n), _binary(rng, n)


def _triples(rng):
    cases = [Case(*_three(rng)) for _ in range(3)]
    p, y, _ = _three(rng)
    cases += [
        Case(p, y, y.copy(), note="proxy agrees with the label everywhere (no conflict set)"),
        Case(p, y, 1 - y, note="proxy disagrees with the label everywhere"),
        Case(p, y[:-1], y, note="arguments of different lengths"),
        Case(np.ones(10, int), np.ones(10, int), np.zeros(10, int), note="one class only"),
    ]
    return cases


def _pairs(rng):
    cases = [Case(_binary(rng, 50), _binary(rng, 50)) for _ in range(3)]
    p = _binary(rng, 30)
    cases += [Case(p, p.copy(), note="identical arrays"),
              Case(p, p[:-1], note="arguments of different lengths")]
    return cases


def _probe(rng):
    def data(n, d, signal):
        y = _binary(rng, n)
        x = rng.normal(size=(n, d)) + signal * y[:, None]
        return x.astype(np.float32), y
    cases = []
    for signal in (3.0, 0.0):
        xtr, ytr = data(120, 8, signal)
        xte, yte = data(60, 8, signal)
        cases.append(Case(xtr, ytr, xte, yte, seed=0))
    return cases


CHECKS = [
    Check(test="test_conflict_accuracy", function="conflict_accuracy", cases=_triples),
    Check(test="test_proxy_agreement", function="proxy_agreement",
          cases=lambda rng: [Case(c.args[0], c.args[2], note=c.note)
                             for c in _triples(rng) if len(c.args[0]) == len(c.args[2])]
          + [Case(np.array([0, 1]), np.array([0]), note="arguments of different lengths")]),
    Check(test="test_worst_group_accuracy", function="worst_group_accuracy", cases=_triples),
    Check(test="test_flip_rate", function="flip_rate", cases=_pairs),
    # A probe's accuracy depends on its optimiser: compare loosely.
    Check(test="test_linear_probe_accuracy", function="linear_probe_accuracy",
          cases=_probe, atol=0.05),
]
