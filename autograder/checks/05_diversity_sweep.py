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
    """A sweep: each fraction's runs in seed order, rates ascending, fractions interleaved."""
    fractions = sorted(rng.choice(FRACTIONS, size=int(rng.integers(1, 5)), replace=False))
    per_fraction = []
    for f in fractions:
        k, n = int(rng.integers(1, 5)), int(rng.integers(10, 31))
        proxies = sorted(int(v) for v in rng.integers(0, n + 1, size=k))
        failures = sorted(int(v) for v in rng.integers(0, n + 1, size=k))
        seeds = sorted(int(s) for s in rng.choice(20, size=k, replace=False))
        per_fraction.append([
            {"fraction": float(f), "seed": s,
             "test": _classes(rng, n, p, "proxy", ["goal", "goal", "neither"]),
             "train": _classes(rng, n, fl, ["neither", "proxy"], ["goal"])}
            for s, p, fl in zip(seeds, proxies, failures)])
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
    return cases


def _ci_edges(rng):
    data = rng.binomial(1, 0.3, size=300).astype(float)
    return [
        Case(data, n_boot=4000, level=0.5, note="a 50 % interval"),
        Case([0.7], note="a single value"),
        Case(np.array([0.0, 1.0, 1.0]), n_boot=500, note="a small array"),
        Case([1, 0, 1, 1], n_boot=300, note="integers"),
        Case([], note="no values"),
        Case([[0.1, 0.2]], note="a nested list"),
        Case([0.1, float("nan")], note="a nan"),
        Case([0.1, float("inf")], note="an infinite value"),
        Case([0.1], level=1.0, note="level 1"),
        Case([0.1], level=0.0, note="level 0"),
        Case([0.1], n_boot=0, note="n_boot 0"),
        Case([0.1], n_boot=2.5, note="n_boot 2.5"),
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
    return [
        Case([one], n_boot=100, note="a single run"),
        Case([dict(one, fraction=0), dict(one, fraction=1, seed=1)], n_boot=200,
             note="fractions given as ints"),
        Case([{"fraction": 0.0, "seed": 0, "test": ["goal", "neither"], "train": ["neither"]}],
             note="no proxy episodes, no training success"),
        Case([], note="no runs"),
        Case([{"fraction": 0.0, "seed": 0, "test": [], "train": ["goal"]}],
             note="no test episodes"),
        Case([{"fraction": 0.0, "seed": 0, "test": ["goal"], "train": []}],
             note="no training episodes"),
    ]


_DATA = np.random.default_rng(1).binomial(1, 0.3, size=400).astype(float)  # the notebook's

CHECKS = [
    Check(test="test_summary_table", function="summary_table",
          cases=[_tables, _table_edges], rtol=1e-6, atol=1e-9),
    Check(test="test_bootstrap_ci", function="bootstrap_ci",
          cases=[Case([0.4, 0.4, 0.4], visible=True), Case(_DATA, n_boot=4000, visible=True),
                 Case(_DATA, seed=3, visible=True), _values, _ci_edges],
          rtol=1e-6, atol=1e-9, strict_types=True),
]
