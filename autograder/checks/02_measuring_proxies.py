"""Checks spec for 02_measuring_proxies.

Solution cells are named after their functions; each exercise has two test cells,
``test_<function>`` (the computation) and ``test_<function>_inputs`` (the input rules).
``telling_tiles()`` is a design exercise, graded by a property of what it returns.
Signatures:
``conflict_accuracy(y_true, y_pred, proxy)``, ``proxy_agreement(y_pred, proxy)``,
``worst_group_accuracy(y_true, y_pred, proxy)``, ``flip_rate(pred_original,
pred_intervened)``, ``linear_probe_accuracy(train_features, train_labels, test_features,
test_labels, seed=0)``. Expected values are never written here: they come from the
solution notebook's own functions (the answer key) on the inputs drawn below.
"""

import numpy as np

from autograder.checks import Case, Check
from gmlib.telling_sets import check_telling_set

# The notebook's locked "setup" cell trains a model: the graded functions do not need it.
SETUP: list[str] = []
TIME_LIMIT_S = 20.0  # linear_probe_accuracy fits a small model


def _labels(rng, n, k=2):
    return rng.integers(0, k, size=n)


def _triples(rng):
    """(y_true, y_pred, proxy) cases, shared by conflict and worst-group accuracy."""
    n = int(rng.integers(20, 80))
    cases = [Case(_labels(rng, n), _labels(rng, n), _labels(rng, n)) for _ in range(3)]
    y, p = _labels(rng, 40), _labels(rng, 40)
    cases += [
        Case(y.tolist(), p.tolist(), (1 - y).tolist(), note="Python lists instead of arrays"),
        Case(y, p, 1 - y, note="the proxy disagrees with the label everywhere"),
        Case(y, p, y.copy(), note="the proxy agrees with the label everywhere"),
        Case(y, p[:-1], y, note="arguments of different lengths"),
        Case(np.ones((4, 2)), np.ones(8), np.ones(8), note="a 2-D argument"),
        Case(np.ones(6), np.ones((6, 1)), np.ones(6), note="a 2-D argument of the same length"),
        Case(np.ones((5, 1)), np.ones(5), np.zeros(5), note="a 2-D (n, 1) argument"),
        Case(y, p[:1], 1 - y, note="an argument of length 1 beside longer ones"),
        Case(np.ones(10, int), _labels(rng, 10), _labels(rng, 10), note="one class only"),
        Case(_labels(rng, 30, 3), _labels(rng, 30, 3), _labels(rng, 30),
             note="more than two classes"),
        Case(np.array([], int), np.array([], int), np.array([], int), note="empty arrays"),
    ]
    return cases


def _pairs(rng):
    """(a, b) cases of two label arrays, for proxy agreement and flip rate."""
    cases = [Case(_labels(rng, 50), _labels(rng, 50)) for _ in range(3)]
    a = _labels(rng, 30)
    cases += [Case(a, a.copy(), note="identical arrays"),
              Case(a.tolist(), (1 - a).tolist(), note="Python lists, all different"),
              Case(_labels(rng, 20, 3), _labels(rng, 20, 3), note="more than two classes"),
              Case(a, a[:-1], note="arguments of different lengths"),
              Case(a, a[:1], note="an argument of length 1 beside a longer one"),
              Case(np.ones((5, 1)), np.ones((5, 1)), note="2-D arguments"),
              Case(np.array([]), np.array([]), note="empty arrays")]
    return cases


def _probe(rng):
    def data(n, d, signal, scale=1.0):
        y = _labels(rng, n)
        x = (rng.normal(size=(n, d)) + signal * y[:, None]) * scale
        return x, y
    cases = []
    for signal, scale in ((3.0, 1.0), (3.0, 1000.0), (0.0, 1.0)):
        (xtr, ytr), (xte, yte) = data(120, 6, signal, scale), data(60, 6, signal, scale)
        cases.append(Case(xtr, ytr, xte, yte, seed=int(rng.integers(0, 10))))
    x, y = data(80, 4, 3.0)
    const = np.hstack([x, np.ones((80, 1))])
    cases += [Case(const[:60], y[:60], const[60:], y[60:], note="a constant feature"),
              Case(x[:40], np.ones(40, int), x[40:], y[40:], note="one training class"),
              Case(x[:10], y[:9], x[10:20], y[10:20], note="labels and features of different lengths"),
              Case(x[:10, 0], y[:10], x[10:20], y[10:20], note="1-D features"),
              Case(x[:10], y[:10, None], x[10:20], y[10:20], note="2-D labels"),
              Case(x[:10], y[:10], x[10:20], y[10:20, None], note="2-D test labels"),
              Case(x[:10], y[:1], x[10:20], y[10:20], note="one training label for ten examples"),
              Case(x[:10], y[:10], x[10:20, :2], y[10:20], note="train and test of different widths"),
              Case(x[:10], y[:10], x[10:20, :1], y[10:20], note="one test feature beside several"),
              Case(x[:10], y[:10] + 1, x[10:20], y[10:20], note="labels other than 0 and 1"),
              Case(x[:0], y[:0], x[10:20], y[10:20], note="empty training set")]
    return cases


def tells_the_rules_apart(expected, actual) -> bool:
    """A design exercise: any set of at most three tiles on which the four rules answer
    differently earns the points (the key's own design is not compared)."""
    return check_telling_set(actual) == ""


# Each exercise is graded in two parts: the computation (test_<function>) and the input
# rules the text states (test_<function>_inputs: the cases on which the key raises).
CHECKS = [
    Check(test="test_conflict_accuracy", function="conflict_accuracy", cases=_triples,
          inputs_test="test_conflict_accuracy_inputs"),
    Check(test="test_proxy_agreement", function="proxy_agreement", cases=_pairs,
          inputs_test="test_proxy_agreement_inputs"),
    Check(test="test_worst_group_accuracy", function="worst_group_accuracy", cases=_triples,
          inputs_test="test_worst_group_accuracy_inputs"),
    Check(test="test_flip_rate", function="flip_rate", cases=_pairs,
          inputs_test="test_flip_rate_inputs"),
    # A probe's accuracy depends on its optimiser: within 0.1 of the key's probe.
    Check(test="test_linear_probe_accuracy", function="linear_probe_accuracy",
          cases=_probe, atol=0.1, inputs_test="test_linear_probe_accuracy_inputs"),
    Check(test="test_telling_tiles", function="telling_tiles", cases=[Case()],
          compare=tells_the_rules_apart),
]
