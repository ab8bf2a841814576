"""Notebook 02's metrics (the answer key, taken from the solution notebook) agree with
independent, deliberately plain computations on random inputs."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.keys import answer_key

key = answer_key("02_measuring_proxies")


def triples(max_value: int = 1):
    """Three equal-length integer lists: labels, predictions, proxy."""
    values = st.integers(0, max_value)
    return st.integers(1, 40).flatmap(lambda n: st.tuples(
        *(st.lists(values, min_size=n, max_size=n) for _ in range(3))))


@given(triples())
def test_conflict_accuracy_matches_a_loop(t):
    y, pred, proxy = t
    conflict = [(a, b) for a, b, p in zip(y, pred, proxy) if p != a]
    if not conflict:
        with pytest.raises(ValueError):
            key.conflict_accuracy(np.array(y), np.array(pred), np.array(proxy))
        return
    expected = sum(a == b for a, b in conflict) / len(conflict)
    assert key.conflict_accuracy(np.array(y), np.array(pred), np.array(proxy)) == pytest.approx(expected)


@given(triples())
def test_proxy_agreement_matches_a_loop(t):
    _, pred, proxy = t
    expected = sum(a == p for a, p in zip(pred, proxy)) / len(pred)
    assert key.proxy_agreement(np.array(pred), np.array(proxy)) == pytest.approx(expected)


@given(triples(max_value=2))
def test_worst_group_accuracy_matches_a_loop_over_groups(t):
    y, pred, proxy = t
    groups: dict[tuple[int, int], list[bool]] = {}
    for a, b, p in zip(y, pred, proxy):
        groups.setdefault((a, p), []).append(a == b)   # only non-empty groups ever appear
    expected = min(sum(v) / len(v) for v in groups.values())
    assert key.worst_group_accuracy(np.array(y), np.array(pred), np.array(proxy)) == pytest.approx(expected)


@given(triples())
def test_worst_group_is_at_most_average_and_conflict_accuracy(t):
    y, pred, proxy = (np.array(a) for a in t)
    worst = key.worst_group_accuracy(y, pred, proxy)
    assert worst <= np.mean(y == pred) + 1e-12
    if np.any(y != proxy):
        assert worst <= key.conflict_accuracy(y, pred, proxy) + 1e-12


@given(triples())
def test_flip_rate_matches_a_loop(t):
    _, before, after = t
    expected = sum(a != b for a, b in zip(before, after)) / len(before)
    assert key.flip_rate(np.array(before), np.array(after)) == pytest.approx(expected)


@given(st.integers(1, 10), st.integers(1, 10))
def test_mismatched_lengths_raise(n, m):
    if n == m:
        m += 1
    a, b = np.zeros(n, int), np.zeros(m, int)
    for call in (lambda: key.conflict_accuracy(a, a, b), lambda: key.worst_group_accuracy(a, b, a),
                 lambda: key.proxy_agreement(a, b), lambda: key.flip_rate(a, b)):
        with pytest.raises(ValueError, match="same length"):
            call()


# --- the linear probe -------------------------------------------------------------------

def independent_probe(xtr, ytr, xte, yte, l2=1e-3):
    """Logistic regression with the same objective, solved by L-BFGS in torch."""
    mean, std = xtr.mean(0), xtr.std(0)
    std[std == 0] = 1
    a = torch.tensor((xtr - mean) / std)
    b = torch.tensor((xte - mean) / std)
    y = torch.tensor(ytr, dtype=torch.float64)
    w = torch.zeros(a.shape[1], dtype=torch.float64, requires_grad=True)
    c = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, c], max_iter=500, tolerance_grad=1e-10, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a @ w + c, y) + 0.5 * l2 * (w @ w)
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float(((b @ w + c > 0).numpy() == yte).mean())


probe_data = st.tuples(st.integers(0, 10_000), st.integers(2, 6), st.floats(0.0, 0.3))


def make_probe_data(seed, d, label_noise, n=160):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 5, d)
    direction = rng.normal(size=d)
    y = ((x - x.mean(0)) / x.std(0) @ direction > 0).astype(int)
    flip = rng.random(n) < label_noise
    y[flip] = 1 - y[flip]
    return x[: n // 2], y[: n // 2], x[n // 2:], y[n // 2:]


@settings(max_examples=20, deadline=None)
@given(probe_data)
def test_probe_agrees_with_an_independent_logistic_regression(args):
    xtr, ytr, xte, yte = make_probe_data(*args)
    if len(set(ytr)) < 2:
        return
    ours = key.linear_probe_accuracy(xtr, ytr, xte, yte, seed=0)
    theirs = independent_probe(xtr, ytr, xte, yte)
    # Two optimizers on the same convex objective: they can only disagree on test points
    # right at the decision boundary.
    assert abs(ours - theirs) <= 0.05, (ours, theirs)


@settings(max_examples=20, deadline=None)
@given(probe_data)
def test_probe_is_invariant_to_feature_scale_and_test_order(args):
    xtr, ytr, xte, yte = make_probe_data(*args)
    base = key.linear_probe_accuracy(xtr, ytr, xte, yte, seed=1)
    scale = np.random.default_rng(args[0]).uniform(0.5, 3.0, xtr.shape[1])
    assert key.linear_probe_accuracy(xtr * scale, ytr, xte * scale, yte, seed=1) == pytest.approx(base)
    order = np.random.default_rng(args[0]).permutation(len(xte))
    assert key.linear_probe_accuracy(xtr, ytr, xte[order], yte[order], seed=1) == pytest.approx(base)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6))
def test_probe_separates_data_with_a_margin(seed, d):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 100)
    y[:2] = [0, 1]
    x = rng.normal(size=(100, d))
    x[:, 0] = np.where(y == 1, 1.0, -1.0) * rng.uniform(1.0, 2.0, 100)  # margin 2 on feature 0
    assert key.linear_probe_accuracy(x[:50], y[:50], x[50:], y[50:], seed=seed) == 1.0


@given(st.integers(0, 1), st.lists(st.integers(0, 1), min_size=1, max_size=20))
def test_probe_with_one_training_class_predicts_that_class(cls, test_labels):
    rng = np.random.default_rng(0)
    yte = np.array(test_labels)
    acc = key.linear_probe_accuracy(rng.normal(size=(10, 3)), np.full(10, cls),
                                    rng.normal(size=(len(yte), 3)), yte)
    assert acc == pytest.approx(np.mean(yte == cls))
