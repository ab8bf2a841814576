"""Checks spec for 06_which_goal: a design exercise (a diagnostic set that a first-move habit
cannot pass, graded by what the set does), Boltzmann-rational likelihoods, a posterior over goals.

Expected values come from the solution notebook's own functions (the answer key). Each
exercise is graded in two parts: the computation (``test_<function>``) and the input rules
the text states (``test_<function>_inputs``: the cases on which the key raises). Every kind
of example the notebook's visible checks show is drawn here too.
"""

import math

import numpy as np

from autograder.checks import Case, Check
from gmlib.goals import check_diagnostic_set

# The notebook's locked "setup" cell imports torch, gmlib.goals and the agents: the answer
# cells import numpy themselves and need none of it.
SETUP: list[str] = []
TIME_LIMIT_S = 10.0

_Q = [[-3.0, -5.0, -1.0],
      [-2.0, -2.0, -4.0]]


def _trajectories(rng):
    """Q-values as in the notebook (minus the steps to a target after each action)."""
    cases = []
    for t, beta in ((1, 1.0), (8, 2.0), (40, 0.5), (25, 5.0)):
        steps = rng.integers(1, 15, size=(t, 1))
        q = -(steps + rng.integers(0, 3, size=(t, 3))).astype(float)
        cases.append(Case(q, rng.integers(0, 3, size=t), beta=beta))
    q = rng.normal(scale=3.0, size=(12, 4))
    cases.append(Case(q.tolist(), [int(a) for a in rng.integers(0, 4, size=12)],
                      beta=float(rng.uniform(0.1, 3.0))))
    cases.append(Case(rng.normal(size=(6, 3)) - 1000.0, rng.integers(0, 3, size=6), beta=1.0,
                      note="Q-values near -1000"))
    cases.append(Case(rng.normal(size=(5, 3)), rng.integers(0, 3, size=5),
                      note="beta left at its default"))
    q = -rng.integers(1, 10, size=(4, 3)).astype(float)
    cases.append(Case(q, [int(a) for a in rng.integers(0, 3, size=4)], beta=0.0, note="beta 0"))
    q = -rng.integers(0, 4, size=(3, 3)).astype(float)
    cases.append(Case(q, rng.integers(0, 3, size=3), beta=float(rng.uniform(500, 2000)),
                      note="a very large beta"))
    cases.append(Case(np.zeros((0, int(rng.integers(2, 5)))), [], beta=float(rng.uniform(0, 3)),
                      note="an empty trajectory"))
    return cases


def _likelihood_edges(rng):
    return [
        # An empty (0, 3) array keeps its shape on the way to the sandbox (encode sends it).
        Case(np.zeros((0, 3)), [], beta=2.0, note="an empty trajectory"),
        Case([[0.0, -1.0, -1.0]], [1], beta=1000.0, note="beta 1000, a bad action"),
        Case([[0.0, -1.0, -1.0]], [0], beta=50.0, note="a very rational agent, best action"),
        Case([[0.0, -1.0, -1.0]], [1], beta=50.0, note="a very rational agent, bad action"),
        Case([[0.0, -1.0, -1.0], [-2.0, 0.0, -1.0]], [0, 2], beta=0.0, note="beta 0"),
        Case([1.0, 2.0], [0], note="1-d q_values"),
        Case([0.0, -1.0], [0, 0], note="1-d q_values, one action per entry"),
        Case([[0.0, -1.0], [0.0, -1.0]], [0], note="too few actions"),
        Case([[0.0, 1.0, 2.0]] * 3, [0, 1], note="too few actions, three rows"),
        Case([[0.0, 1.0]], [0, 1], note="too many actions"),
        Case([[0.0, 1.0]], [2], note="an action out of range"),
        Case([[0.0, 1.0]], [-1], note="a negative action"),
        Case([[0.0, 1.0]], [0.5], note="a fractional action"),
        Case([[0.0, 1.0]], [0], -1.0, note="a negative beta"),
        Case([[0.0, 1.0]], [0], float("inf"), note="an infinite beta"),
        Case([[0.0, 1.0]], [0], float("nan"), note="a nan beta"),
        Case([[0.0, 1.0]], [0], -float("inf"), note="beta -inf"),
        Case([[0.0, 1.0, 2.0]], [3], note="an action one past the last column"),
        Case([[0.0, 1.0, 2.0]], [1.5], note="a fractional action, three columns"),
    ]


def _loglik(rng):
    cases = []
    for k in (2, 3, 4):
        names = ["goal", "proxy", "door", "key"][:k]
        ll = {n: float(-rng.uniform(0, 60)) for n in names}
        cases.append(Case(ll))
        prior = {n: float(rng.uniform(0.1, 5.0)) for n in names}
        cases.append(Case(ll, prior=prior))
    long = {"goal": float(-rng.uniform(3000, 6000))}
    long["proxy"] = long["goal"] - float(rng.uniform(-20, 20))
    cases.append(Case(long, note="long trajectories: log-likelihoods in the thousands"))
    cases.append(Case({"goal": -2.0, "proxy": -1.0}, {"goal": 1, "proxy": 3},
                      note="an integer prior, given by position"))
    return cases


def _posterior_edges(rng):
    return [
        Case({"a": 0.0, "b": float("-inf"), "c": 0.0}, note="an impossible candidate"),
        Case({"a": -1.0, "b": -2.0}, prior={"a": 0.0, "b": 1.0}, note="a zero prior"),
        Case({"only": -123.0}, note="a single candidate"),
        Case({"goal": -2.0, "proxy": -1.0, "door": -3.0}, {"proxy": 1.0, "door": 2.0, "goal": 3.0},
             note="a prior listing the names in another order"),
        Case({"x": float("-inf"), "y": -7.0}, note="an impossible candidate among two"),
        Case({}, note="no candidates"),
        Case({}, {}, note="no candidates, an empty prior"),
        Case({"a": 0.0}, {"b": 1.0}, note="a prior with other names"),
        Case({"a": 0.0, "b": 0.0}, {"a": 1.0}, note="a prior missing a candidate"),
        Case({"a": 0.0}, {"a": 1.0, "b": 1.0}, note="a prior with an extra name"),
        Case({"a": 0.0, "b": 0.0}, {"a": -1.0, "b": 2.0}, note="a negative prior"),
        Case({"a": 0.0, "b": 0.0}, {"a": float("inf"), "b": 1.0}, note="an infinite prior"),
        Case({"a": 0.0, "b": 0.0}, {"a": float("nan"), "b": 1.0}, note="a nan prior"),
        Case({"a": float("-inf")}, note="no possible candidate"),
        Case({"a": float("-inf"), "b": float("-inf")}, note="no candidate possible, two of them"),
        Case({"a": 0.0, "b": -1.0}, prior={"a": 0.0, "b": 0.0}, note="a prior of all zeros"),
        Case({"a": -3.0, "b": float("-inf")}, {"a": 0.0, "b": 1.0},
             note="the only possible candidate has prior 0"),
    ]


_LL = {"goal": math.log(0.2), "proxy": math.log(0.6)}

def is_diagnostic_set(expected, actual) -> bool:
    """A design exercise: any set that qualifies earns the points. The size is read off the
    key's own set, whose first design starts in the bottom-left cell (1, size - 2)."""
    size = int(expected[0]["agent"][1]) + 2
    return check_diagnostic_set(actual, size) == ""


CHECKS = [
    Check(test="test_diagnostic_set", function="diagnostic_set",
          cases=[Case(7, visible=True), Case(9, visible=True), Case(5), Case(6), Case(11),
                 Case(4, visible=True), Case(7.0, visible=True), Case(True, visible=True),
                 Case(0), Case(-7), Case(2), Case("7"), Case(None)],
          compare=is_diagnostic_set, inputs_test="test_diagnostic_set_inputs"),
    Check(test="test_boltzmann_log_likelihood", function="boltzmann_log_likelihood",
          cases=[Case(_Q, [2, 0], beta=1.0, visible=True),
                 Case(_Q, [2, 0], visible=True),
                 Case(_Q, [1, 2], beta=0.0, visible=True),
                 Case(np.array(_Q) - 1000, [2, 0], beta=1.0, visible=True),
                 Case([[0.0, -1.0, -1.0]], [1], beta=1000.0, visible=True),
                 Case([[0.0, -1.0, -1.0]], [0], beta=50.0, visible=True),
                 Case(np.zeros((0, 3)), [], beta=2.0, visible=True),
                 Case(np.array(_Q), np.array([2, 0]), visible=True),
                 Case([0.0, -1.0], [0, 0], visible=True),
                 Case([[0.0, -1.0], [0.0, -1.0]], [0], visible=True),
                 Case([[0.0, -1.0]], [0, 1], visible=True),
                 Case([[0.0, -1.0]], [2], visible=True),
                 Case([[0.0, -1.0]], [-1], visible=True),
                 Case([[0.0, -1.0]], [0.5], visible=True),
                 Case([[0.0, -1.0]], [0], beta=-1.0, visible=True),
                 Case([[0.0, -1.0]], [0], beta=float("inf"), visible=True),
                 Case([[0.0, -1.0]], [0], beta=float("nan"), visible=True),
                 _trajectories, _likelihood_edges],
          rtol=1e-7, atol=1e-9, inputs_test="test_boltzmann_log_likelihood_inputs"),
    Check(test="test_goal_posterior", function="goal_posterior",
          cases=[Case(_LL, visible=True),
                 Case(_LL, prior={"goal": 3, "proxy": 1}, visible=True),
                 Case(_LL, {"proxy": 1, "goal": 3}, visible=True),
                 Case({"goal": -5000.0, "proxy": -5003.0}, visible=True),
                 Case({"a": 0.0, "b": float("-inf"), "c": 0.0}, visible=True),
                 Case({"a": -1.0, "b": -2.0}, prior={"a": 0.0, "b": 1.0}, visible=True),
                 Case({"only": -123.0}, visible=True),
                 Case({}, visible=True),
                 Case({"a": 0.0, "b": 0.0}, {"a": 1.0}, visible=True),
                 Case({"a": 0.0}, {"a": 1.0, "b": 1.0}, visible=True),
                 Case({"a": 0.0, "b": 0.0}, {"a": -1.0, "b": 2.0}, visible=True),
                 Case({"a": 0.0, "b": 0.0}, {"a": float("inf"), "b": 1.0}, visible=True),
                 Case({"a": 0.0, "b": 0.0}, {"a": float("nan"), "b": 1.0}, visible=True),
                 Case({"a": float("-inf")}, visible=True),
                 Case({"a": 0.0, "b": -1.0}, {"a": 0.0, "b": 0.0}, visible=True),
                 _loglik, _posterior_edges],
          rtol=1e-6, atol=1e-9, inputs_test="test_goal_posterior_inputs"),
]
