"""Notebook 03's claims about the four fixes, checked on ten seeds (0 to 4, which the notebook
runs, and 100 to 104, which nothing else uses).

The graded functions come from the solution notebook itself (the answer key), so the test
measures exactly what the notebook runs. The claims about every fix are checked with the
notebook's grading-mode settings (1000 training tiles, 100 extra decorrelated tiles); the
claim about what last-layer retraining costs names both budgets, so it is checked with the
full one (2000 and 200) too. About half a minute on two cores.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.keys import answer_key
from gmlib.classifiers import predict
from gmlib.mitigations import METHODS, compare_mitigations
from gmlib.tile_data import TileSet

SEEDS = (0, 1, 2, 3, 4, 100, 101, 102, 103, 104)
AT_LEAST = 9  # of the ten seeds
FIXES = METHODS[1:]
# The notebook's two budgets (n_test as its compare_mitigations call leaves it).
BUDGETS = {"grading": dict(n_train=1000, n_extra=100), "full": dict(n_train=2000, n_extra=200)}


def _accuracy(model, tiles: TileSet) -> float:
    return float(np.mean(predict(model, tiles.x) == tiles.y))


def _measure(model, splits) -> dict[str, float]:
    balanced = splits["balanced"]
    return {"in-distribution accuracy": _accuracy(model, splits["test"]),
            "conflict accuracy": _accuracy(model, splits["conflict"]),
            "proxy agreement": float(np.mean(predict(model, balanced.x) == balanced.is_red))}


@pytest.fixture(scope="module")
def all_runs():
    torch.set_num_threads(1)
    key = answer_key("03_fixing_the_classifier")
    return {budget: {seed: compare_mitigations(seed, _measure, n_test=500,
                                               group_weights=key.group_balancing_weights,
                                               fit_last_layer=key.fit_last_layer, **settings)
                     for seed in SEEDS}
            for budget, settings in BUDGETS.items()}


@pytest.fixture(scope="module")
def runs(all_runs):
    return all_runs["grading"]


def _seeds_where(runs, better: str, worse: str, metric: str = "conflict accuracy") -> list:
    return [s for s in runs if runs[s][better][metric] > runs[s][worse][metric]]


def _table(runs, metric: str = "conflict accuracy") -> str:
    return "; ".join(f"{m}: " + ", ".join(f"{runs[s][m][metric]:.2f}" for s in runs)
                     for m in METHODS)


@pytest.mark.slow
@pytest.mark.parametrize("fix", FIXES)
def test_each_fix_raises_conflict_accuracy_at_correlation_one(runs, fix):
    seeds = _seeds_where(runs, fix, "plain training")
    assert len(seeds) >= AT_LEAST, (
        f"{fix} beat plain training on the conflict set in seeds {seeds} only; "
        f"conflict accuracy per seed: {_table(runs)}")


@pytest.mark.slow
def test_plain_training_fits_the_training_distribution(runs):
    # The starting point of the notebook: right in distribution, wrong when colour lies.
    for s in runs:
        row = runs[s]["plain training"]
        assert row["in-distribution accuracy"] > row["conflict accuracy"] + 0.5, (
            f"seed {s}: plain training should use colour: {row}")


@pytest.mark.slow
@pytest.mark.parametrize("fix", ["group reweighting", "colour augmentation"])
def test_fix_beats_plain_mixing_of_the_same_data(runs, fix):
    seeds = _seeds_where(runs, fix, "decorrelated data")
    assert len(seeds) >= AT_LEAST, (
        f"{fix} beat decorrelated data alone in seeds {seeds} only; per seed: {_table(runs)}")


# The notebook's bullet on last-layer retraining: seed by seed, one of two outcomes.
COSTLY = (0.15, 0.60)        # "15 to 60 points of in-distribution accuracy"
CHEAP_BELOW = 0.10           # "less than 10 points"
COSTLY_CONFLICT_ABOVE = 0.85
CHEAP_CONFLICT_BELOW = 0.80
COSTLY_SEEDS = {"full": 5, "grading": 3}   # "in 5 with the full budget and in 3 with the grading"


def _dfr_rows(runs) -> dict[int, dict]:
    rows = {}
    for s in runs:
        dfr = runs[s]["last-layer retraining"]
        cost = runs[s]["plain training"]["in-distribution accuracy"] - dfr["in-distribution accuracy"]
        rows[s] = {"cost": round(cost, 3), "conflict": round(dfr["conflict accuracy"], 3),
                   "proxy": round(dfr["proxy agreement"], 3),
                   "reweighting": round(runs[s]["group reweighting"]["conflict accuracy"], 3)}
    return rows


@pytest.mark.slow
@pytest.mark.parametrize("budget", list(BUDGETS))
def test_last_layer_retraining_costs_a_lot_or_little_seed_by_seed(all_runs, budget):
    rows = _dfr_rows(all_runs[budget])
    print(f"{budget} budget, last-layer retraining per seed: {rows}")
    costly = [s for s, r in rows.items() if r["cost"] >= CHEAP_BELOW]
    for s, r in rows.items():
        if s in costly:
            assert COSTLY[0] <= r["cost"] <= COSTLY[1], (
                f"seed {s}: a cost between 0.1 and 0.15, or beyond 0.6, is neither of the "
                f"notebook's two cases: {r}")
            assert r["proxy"] < 0.5 and r["conflict"] > COSTLY_CONFLICT_ABOVE, (
                f"seed {s}: where it costs, the head should have turned against red: {r}")
        else:
            assert r["conflict"] < CHEAP_CONFLICT_BELOW and r["conflict"] < r["reweighting"], (
                f"seed {s}: where it costs little, conflict accuracy should stay below 0.8 and "
                f"below reweighting's: {r}")
    assert len(costly) == COSTLY_SEEDS[budget], (
        f"the notebook says the costly case came up in {COSTLY_SEEDS[budget]} of the ten seeds "
        f"with the {budget} budget; it came up in {costly}: {rows}")
