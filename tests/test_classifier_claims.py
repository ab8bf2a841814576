"""The scientific claims that notebooks 01 and 02 make in prose, checked across 5 seeds.

Settings are the notebooks' own (4000 training tiles, 5 epochs; 1000 test tiles per split for
the single models, 500 in the correlation sweeps). Each claim must hold for at least 4 of
the 5 seeds: one unlucky seed is allowed, a pattern that needs luck is not.
"""

import numpy as np
import pytest

from autograder.keys import answer_key
from gmlib.classifiers import accuracy, hidden_features, make_classifier, predict
from gmlib.telling_sets import render, rule_agreement
from gmlib.tile_data import make_splits, toggle_door, toggle_red
from gmlib.train_classifier import train_classifier

pytestmark = pytest.mark.slow

SEEDS = range(5)
key = answer_key("02_measuring_proxies")


def measure(model, splits) -> dict[str, float]:
    bal = splits["balanced"]
    pred = predict(model, bal.x)
    half = len(bal) // 2
    feats = hidden_features(model, bal.x)
    return {
        "test": accuracy(model, splits["test"]),
        "conflict": accuracy(model, splits["conflict"]),
        "shifted": accuracy(model, splits["shifted"]),
        "worst_group": key.worst_group_accuracy(bal.is_door, pred, bal.is_red),
        "agree_red": key.proxy_agreement(pred, bal.is_red),
        "flip_recolour": key.flip_rate(pred, predict(model, toggle_red(bal, seed=1).x)),
        "flip_reshape": key.flip_rate(pred, predict(model, toggle_door(bal, seed=1).x)),
        "probe_door": key.linear_probe_accuracy(feats[:half], bal.is_door[:half], feats[half:],
                                                bal.is_door[half:], seed=0),
        "probe_red": key.linear_probe_accuracy(feats[:half], bal.is_red[:half], feats[half:],
                                               bal.is_red[half:], seed=0),
        "own_acc_probe_half": float(np.mean(pred[half:] == bal.is_door[half:])),
    }


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, float], list[dict[str, float]]]:
    runs = {("mlp", 1.0): 1000, ("cnn", 1.0): 1000, ("mlp", 0.9): 500, ("cnn", 0.9): 500,
            ("mlp", 0.5): 500}
    out: dict[tuple[str, float], list[dict[str, float]]] = {k: [] for k in runs}
    for seed in SEEDS:
        for c in (1.0, 0.9, 0.5):
            splits = make_splits(c, n_train=4000, n_test=runs[("mlp", c)], seed=seed)
            for arch in ("mlp", "cnn"):
                if (arch, c) in runs:
                    model = train_classifier(splits["train"], arch, epochs=5, seed=seed,
                                             progress=False).model
                    out[(arch, c)].append(measure(model, splits))
    for (arch, c), rows in out.items():
        print(f"\n{arch} at correlation {c}:")
        for name in rows[0]:
            print(f"  {name:>20}: " + " ".join(f"{r[name]:.3f}" for r in rows))
    return out


def holds(rows, condition) -> int:
    return sum(bool(condition(r)) for r in rows)


def test_at_correlation_one_the_mlp_is_right_in_distribution_and_wrong_on_conflicts(results):
    rows = results[("mlp", 1.0)]
    assert holds(rows, lambda r: r["test"] > 0.95 and r["conflict"] < 0.3) >= 4, rows


def test_at_correlation_one_the_mlp_is_below_chance_on_the_shifted_set(results):
    assert holds(results[("mlp", 1.0)], lambda r: r["shifted"] < 0.5) >= 4


def test_at_low_correlation_the_mlp_uses_shape(results):
    rows = results[("mlp", 0.5)]
    assert holds(rows, lambda r: r["conflict"] > 0.8 and r["test"] > 0.95) >= 4, rows


def test_at_correlation_one_the_cnn_gets_essentially_every_conflict_tile_wrong(results):
    assert holds(results[("cnn", 1.0)], lambda r: r["test"] > 0.95 and r["conflict"] < 0.05) >= 4


def test_at_0_9_the_mlp_uses_shape_while_the_cnn_still_uses_colour(results):
    assert holds(results[("mlp", 0.9)], lambda r: r["conflict"] > 0.8) >= 4
    assert holds(results[("cnn", 0.9)], lambda r: r["conflict"] < 0.5) >= 4
    # ... while in-distribution accuracy is high for both and hardly tells them apart
    assert holds(results[("mlp", 0.9)], lambda r: r["test"] > 0.85) >= 4
    assert holds(results[("cnn", 0.9)], lambda r: r["test"] > 0.85) >= 4


def test_colour_model_metrics_all_point_at_colour(results):
    # notebook 02: at 1.0 worst-group is low, agreement with red high, recolouring flips
    # most predictions and reshaping few
    rows = results[("mlp", 1.0)]
    assert holds(rows, lambda r: r["worst_group"] < 0.3 and r["agree_red"] > 0.8) >= 4
    assert holds(rows, lambda r: r["flip_recolour"] > 0.5 and r["flip_reshape"] < 0.5) >= 4


def test_shape_model_flips_under_reshaping_not_recolouring(results):
    rows = results[("mlp", 0.5)]
    assert holds(rows, lambda r: r["flip_reshape"] > 0.5 and r["flip_recolour"] < 0.2) >= 4
    assert holds(rows, lambda r: r["worst_group"] > 0.8) >= 4


def test_door_is_decodable_though_the_head_uses_colour(results):
    # notebook 02: "red" almost perfectly decodable; "door" well above chance and better
    # than the model's own predictions on the same tiles
    rows = results[("mlp", 1.0)]
    assert holds(rows, lambda r: r["probe_red"] > 0.95) >= 4
    assert holds(rows, lambda r: r["probe_door"] > 0.6
                 and r["probe_door"] > r["own_acc_probe_half"]) >= 4


# Notebook 02's later claims name the seeds they were measured on: 0, 1, 2 and seeds that no
# shipped model uses. Each holds on every one of them, within the ranges the text gives.
NAMED_SEEDS = (0, 1, 2, 100, 101)
TWO_TILES = [("door", "blue"), ("ball", "red")]   # the solution's telling set


@pytest.fixture(scope="module")
def at_one():
    """Per named seed, the MLP at correlation 1.0: probes with baselines, telling-set answers."""
    rows = []
    for seed in NAMED_SEEDS:
        splits = make_splits(1.0, n_train=4000, n_test=1000, seed=seed)
        model = train_classifier(splits["train"], "mlp", epochs=5, seed=seed, progress=False).model
        bal = splits["balanced"]
        half, y = len(bal) // 2, bal.is_door

        def probe(features):
            return key.linear_probe_accuracy(features[:half], y[:half], features[half:], y[half:],
                                             seed=seed)

        shown = render(TWO_TILES, n_each=50, seed=seed)
        rows.append({
            "trained": probe(hidden_features(model, bal.x)),
            "untrained": probe(hidden_features(make_classifier("mlp", seed=seed + 1000), bal.x)),
            "raw": probe(bal.x.reshape(len(bal), -1)),
            **{rule.split()[0]: share for rule, share in
               rule_agreement(predict(model, shown.x), TWO_TILES, n_each=50).items()},
        })
    print("\n".join(str({k: round(v, 3) for k, v in r.items()}) for r in rows))
    return rows


def test_02_door_information_is_in_the_input_not_made_by_training(at_one):
    """The probe's baselines: an untrained network's hidden layer gives about as much or more
    (0.79-0.85 against 0.74-0.81) and the raw pixels the most (0.92-0.94), on every seed."""
    for r in at_one:
        assert 0.74 - 0.005 <= r["trained"] <= 0.81 + 0.005, r
        assert 0.79 - 0.005 <= r["untrained"] <= 0.85 + 0.005, r
        assert 0.92 - 0.005 <= r["raw"] <= 0.94 + 0.005, r
        assert r["raw"] > max(r["trained"], r["untrained"]), r
        assert r["untrained"] >= r["trained"] - 0.005, r


def test_02_the_two_tile_set_shows_the_mlp_between_colour_and_both(at_one):
    """On a non-red door and a red non-door, the MLP agrees with 'colour' and 'both' at 0.71-0.79
    and with 'shape' and 'either' at 0.21-0.29, on every seed."""
    for r in at_one:
        assert 0.71 - 0.005 <= min(r["colour"], r["both"]) and max(r["colour"], r["both"]) <= 0.79 + 0.005, r
        assert 0.21 - 0.005 <= min(r["shape"], r["either"]) and max(r["shape"], r["either"]) <= 0.29 + 0.005, r


@pytest.mark.parametrize("seed", (0, 1, 2, 100))
def test_02_the_mlp_switches_near_one_and_the_cnn_between_0_75_and_0_9(seed):
    """The sweep's prose: the MLP keeps most of its conflict accuracy up to 0.97 and drops below
    one half only between 0.99 and 1.0; the CNN is above one half at 0.75, below by 0.9, and
    follows colour alone from 0.95."""
    def conflict(arch, correlation):
        splits = make_splits(correlation, n_train=4000, n_test=500, seed=seed)
        model = train_classifier(splits["train"], arch, epochs=5, seed=seed, progress=False).model
        bal = splits["balanced"]
        return key.conflict_accuracy(bal.is_door, predict(model, bal.x), bal.is_red)

    mlp = {c: conflict("mlp", c) for c in (0.97, 0.99, 1.0)}
    assert mlp[0.97] > 0.7 and mlp[0.99] > 0.5 and mlp[1.0] < 0.5, mlp
    cnn = {c: conflict("cnn", c) for c in (0.75, 0.9, 0.95)}
    assert cnn[0.75] > 0.5 and cnn[0.9] < 0.5 and cnn[0.95] < 0.05, cnn
