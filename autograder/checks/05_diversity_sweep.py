"""Checks spec for 05_diversity_sweep: bootstrap intervals and the per-fraction summary table.

Expected values come from the solution notebook's own functions (the answer key). The
bootstrap's recipe is fixed by the exercise (``default_rng(seed)``, ``rng.integers(0, n,
size=(n_boot, n))``, ``np.quantile``), so intervals are compared to the key's with allclose.

``summary_table`` calls the student's ``bootstrap_ci`` (the notebook asks it to), so a wrong
``bootstrap_ci`` also costs the table; its check comes first here so that
tests/test_grading_course.py, which makes the first check's function wrong, sees one wrong
answer cost exactly one question. A bootstrap interval depends on the order of its values;
the notebook's hidden test accepts the per-run rates in run order or sorted, so the random
runs below list each fraction's runs with seeds, proxy rates and failure rates all ascending,
where every such order agrees. The notebook asks ``summary_table`` to accept any iterable of
runs: some cases hand the runs over as a one-pass iterator. ``bootstrap_ci`` must return a
tuple, as its visible test asserts.
"""

import numpy as np

from autograder.checks import Case, Check, OnePass

# The notebook's locked "setup" cell imports torch and the RL code: the answer cells import
# numpy themselves and need none of it.
SETUP: list[str] = []
TIME_LIMIT_S = 20.0

FRACTIONS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


def _classes(rng, n, k, bad, fill):
    """``n`` episode classes, ``k`` of them ``bad`` (a class or a list to pick from)."""
    bad = [bad] if isinstance(bad, str) else bad
    out = [bad[int(rng.integers(len(bad)))] for _ in range(k)]
    out += [fill[int(rng.integers(len(fill)))] for _ in range(n - k)]
    return [out[i] for i in rng.permutation(n)]


def _runs(rng):
    """A sweep: each fraction's runs in seed order, rates ascending, fractions interleaved.

    Runs of one fraction may have different numbers of episodes (the rates are means over
    runs, each run counting once)."""
    fractions = sorted(rng.choice(FRACTIONS, size=int(rng.integers(1, 5)), replace=False))
    per_fraction = []
    for f in fractions:
        k = int(rng.integers(1, 5))
        same = rng.random() < 0.5   # every run the same number of episodes, or not
        n_test = [int(rng.integers(10, 31))] * k if same else [int(v) for v in rng.integers(3, 31, k)]
        n_train = [int(rng.integers(10, 31))] * k if same else [int(v) for v in rng.integers(3, 31, k)]
        tests = sorted(((int(rng.integers(0, n + 1)), n) for n in n_test), key=lambda c: c[0] / c[1])
        trains = sorted(((int(rng.integers(0, n + 1)), n) for n in n_train), key=lambda c: c[0] / c[1])
        seeds = sorted(int(s) for s in rng.choice(20, size=k, replace=False))
        per_fraction.append([
            {"fraction": float(f), "seed": s,
             "test": _classes(rng, n, p, "proxy", ["goal", "goal", "neither"]),
             "train": _classes(rng, m, fl, ["neither", "proxy"], ["goal"])}
            for s, (p, n), (fl, m) in zip(seeds, tests, trains)])
    runs = []  # interleave the fractions, keeping each one's order
    while any(per_fraction):
        live = [q for q in per_fraction if q]
        runs.append(live[int(rng.integers(len(live)))].pop(0))
    return runs


def _values(rng):
    cases = []
    for n in (2, 5, 12):
        cases.append(Case([float(v) for v in rng.uniform(0, 1, size=n)]))
    cases.append(Case(rng.binomial(1, rng.uniform(0.1, 0.9), size=200).astype(float),
                      n_boot=int(rng.integers(500, 3000))))
    cases.append(Case(list(rng.normal(size=7)), n_boot=int(rng.integers(100, 1000)),
                      level=float(rng.uniform(0.5, 0.99)), seed=int(rng.integers(0, 1000))))
    cases.append(Case([0.9, 0.85, 0.6, 0.95, 0.9], seed=int(rng.integers(1, 1000)),
                      note="another seed"))
    for _ in range(3):  # a handful of resamples, as the visible rules show
        cases.append(Case([float(v) for v in rng.integers(0, 5, size=int(rng.integers(2, 6)))],
                          n_boot=int(rng.integers(1, 8)), level=float(rng.uniform(0.2, 0.9)),
                          seed=int(rng.integers(0, 100)), note="a few resamples"))
    cases.append(Case(rng.uniform(0, 1, size=4), n_boot=int(rng.integers(2, 50)),
                      seed=int(rng.integers(0, 100)), note="a numpy array"))
    return cases


def _ci_edges(rng):
    data = rng.binomial(1, 0.3, size=300).astype(float)
    return [
        Case(data, n_boot=4000, level=0.5, note="a 50 % interval"),
        Case([0.7], note="a single value"),
        Case(np.array([0.0, 1.0, 1.0]), n_boot=500, note="a small array"),
        Case([1, 0, 1, 1], n_boot=300, note="integers"),
        Case([], note="no values"),
        Case(np.array([]), note="an empty array"),
        Case([[0.1, 0.2]], note="a nested list"),
        Case([[0.3], [0.4], [0.5]], note="a nested list of one column"),
        Case(np.ones((2, 2)), note="a 2-d array"),
        Case(["a", "b"], note="strings"),
        Case([0.1, float("nan")], note="a nan"),
        Case([0.1, float("inf")], note="an infinite value"),
        Case([0.1, -float("inf")], note="-inf"),
        Case([0.1], level=1.0, note="level 1"),
        Case([0.1], level=0.0, note="level 0"),
        Case([0.1, 0.3], level=1.5, note="level 1.5"),
        Case([0.1, 0.3], level=-0.5, note="a negative level"),
        Case([0.1], n_boot=0, note="n_boot 0"),
        Case([0.1], n_boot=2.5, note="n_boot 2.5"),
        Case([0.1, 0.3], n_boot=-3, note="a negative n_boot"),
        Case([0.1, 0.3], n_boot=10.0, note="n_boot 10.0, a float"),
    ]


def _tables(rng):
    cases = [Case(_runs(rng)) for _ in range(3)]
    cases += [Case(_runs(rng), n_boot=int(rng.integers(100, 1000)),
                   level=float(rng.uniform(0.5, 0.99)), seed=int(rng.integers(0, 1000)))
              for _ in range(2)]
    cases.append(Case(OnePass(_runs(rng)), n_boot=300, note="runs as a one-pass iterator"))
    return cases


def _table_edges(rng):
    one = {"fraction": 0.2, "seed": 0, "test": ["goal"] * 9 + ["proxy"], "train": ["goal"] * 10}
    uneven = [{"fraction": 0.0, "seed": 0, "test": ["proxy"], "train": ["neither"]},
              {"fraction": 0.0, "seed": 1, "test": ["goal"] * 3, "train": ["goal"] * 3}]
    return [
        Case([one], n_boot=100, note="a single run"),
        Case(uneven, note="runs with different numbers of episodes"),
        Case([{"fraction": 0.5, "seed": 3, "test": ["neither", "neither", "proxy", "goal"],
               "train": ["goal", "proxy", "neither", "goal"]}], note="'neither' episodes"),
        Case([dict(one, fraction=0), dict(one, fraction=1, seed=1)], n_boot=200,
             note="fractions given as ints"),
        Case([{"fraction": 0.0, "seed": 0, "test": ["goal", "neither"], "train": ["neither"]}],
             note="no proxy episodes, no training success"),
        Case([], note="no runs"),
        Case([{"fraction": 0.0, "seed": 0, "test": [], "train": ["goal"]}],
             note="no test episodes"),
        Case([{"fraction": 0.0, "seed": 0, "test": ["goal"], "train": []}],
             note="no training episodes"),
        Case([one, {"fraction": 0.1, "seed": 0, "test": [], "train": ["goal"]}],
             note="a second run with no test episodes"),
        Case([dict(one, seed=1), one, {"fraction": 0.2, "seed": 2, "test": ["proxy"], "train": []}],
             note="a third run with no training episodes"),
    ]


_DATA = np.random.default_rng(1).binomial(1, 0.3, size=400).astype(float)  # the notebook's

# The notebook's visible runs.
_R_A = {"fraction": 0.1, "seed": 0, "test": ["proxy", "goal", "proxy", "neither"],
        "train": ["goal", "neither"]}
_R_B = {"fraction": 0.0, "seed": 0, "test": ["proxy"], "train": ["goal"]}
_EXAMPLE = [
    {"fraction": 0.2, "seed": 0, "test": ["goal"] * 9 + ["proxy"], "train": ["goal"] * 10},
    {"fraction": 0.0, "seed": 0, "test": ["proxy"] * 8 + ["goal", "neither"],
     "train": ["goal"] * 9 + ["neither"]},
    {"fraction": 0.0, "seed": 1, "test": ["proxy"] * 6 + ["goal"] * 4, "train": ["goal"] * 10},
]
_THREE = [{"fraction": 0.2, "seed": s, "test": ["proxy"] * k + ["goal"] * (10 - k),
           "train": ["goal"] * (10 - f) + ["neither"] * f}
          for s, k, f in [(0, 2, 0), (1, 5, 1), (2, 8, 3)]]

# Each exercise is graded in two parts: the computation (test_<function>) and the input
# rules the text states (test_<function>_inputs: the cases on which the key raises).
CHECKS = [
    Check(test="test_summary_table", function="summary_table",
          cases=[Case(_EXAMPLE, n_boot=500, visible=True),
                 Case([_R_A, _R_B], visible=True),
                 Case([{"fraction": 0.5, "seed": 3, "test": ["neither", "neither", "proxy", "goal"],
                        "train": ["goal"]}], visible=True),
                 Case([{"fraction": 0.5, "seed": 3, "test": ["goal"],
                        "train": ["goal", "proxy", "neither", "goal"]}], visible=True),
                 Case(_THREE, n_boot=50, level=0.8, seed=1, visible=True),
                 Case(OnePass([_R_B]), visible=True),
                 Case([], visible=True),
                 Case([_R_B, {"fraction": 0.1, "seed": 0, "test": [], "train": ["goal"]}],
                      visible=True),
                 Case([{"fraction": 0.0, "seed": 0, "test": ["goal"], "train": []}], visible=True),
                 _tables, _table_edges],
          rtol=1e-6, atol=1e-9, inputs_test="test_summary_table_inputs"),
    Check(test="test_bootstrap_ci", function="bootstrap_ci",
          cases=[Case([0.4, 0.4, 0.4], visible=True), Case(_DATA, n_boot=4000, visible=True),
                 Case([0.0, 1.0, 2.0, 3.0], n_boot=1, visible=True),
                 Case([0.0, 1.0, 2.0, 3.0], n_boot=5, level=0.5, seed=1, visible=True),
                 Case(_DATA, seed=3, visible=True), Case([0.7], visible=True),
                 Case([1, 0, 1, 1], n_boot=4, level=0.5, seed=7, visible=True),
                 Case(np.array([0.5, 0.25, 1.0]), n_boot=3, seed=2, visible=True),
                 Case([0.4, 0.5, 0.9], n_boot=50, visible=True),
                 Case([], visible=True), Case([[0.1], [0.2]], visible=True),
                 Case(["low", "high"], visible=True), Case([0.1, float("nan")], visible=True),
                 Case([0.1, float("inf")], visible=True),
                 Case([0.1, 0.2], level=1.0, visible=True), Case([0.1, 0.2], level=0.0, visible=True),
                 Case([0.1, 0.2], n_boot=0, visible=True), Case([0.1, 0.2], n_boot=2.5, visible=True),
                 _values, _ci_edges],
          rtol=1e-6, atol=1e-9, strict_types=True, inputs_test="test_bootstrap_ci_inputs"),
]
