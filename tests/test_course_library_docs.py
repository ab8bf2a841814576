"""gmlib.mitigations and gmlib.planning (notebooks 03 and 07), and the course documents."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from autograder.course import REPO, assignments
from gmlib.classifiers import hidden_features, make_classifier
from gmlib.mitigations import (colour_augmented, concat_tiles, install_linear_head,
                               linear_logits, mix_decorrelated, permute_colour_channels,
                               standardize)
from gmlib.planning import (FORWARD, LEFT, RIGHT, PlannerAgent, RewardModel, grid_mdp,
                            reward_observations)
from gmlib.rl.baselines import ShortestPathPolicy
from gmlib.rl.evaluation import evaluate, make_env
from gmlib.tile_data import sample_tiles

DOCS = REPO / "docs"


# -- gmlib.mitigations -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiles():
    return sample_tiles(60, 1.0, 0.0, seed=0)


def test_concat_keeps_every_field_in_order(tiles):
    both = concat_tiles(tiles.subset(np.arange(20)), tiles.subset(np.arange(20, 60)))
    for field in ("x", "shape", "colour", "offset", "scale", "brightness", "noise_seed"):
        assert np.array_equal(getattr(both, field), getattr(tiles, field)), field


def test_mixing_replaces_the_asked_fraction_with_decorrelated_tiles(tiles):
    mixed = mix_decorrelated(tiles, 0.5, seed=1)
    assert len(mixed) == len(tiles)
    assert np.array_equal(mixed.shape[:30], tiles.shape[:30])
    # At correlation 1.0 no training tile is a conflict tile; the new half brings some.
    assert np.all(tiles.is_door == tiles.is_red)
    assert np.any(mixed.is_door[30:] != mixed.is_red[30:])
    assert mix_decorrelated(tiles, 0.0, seed=1) is tiles
    with pytest.raises(ValueError):
        mix_decorrelated(tiles, 1.5, seed=1)


def test_channel_permutation_moves_colour_and_keeps_everything_else(tiles):
    out = permute_colour_channels(tiles.x, seed=0)
    assert out.shape == tiles.x.shape
    # Each image's channels are a reordering of the original's.
    assert np.allclose(np.sort(out, axis=1), np.sort(tiles.x, axis=1))
    moved = [not np.array_equal(a, b) for a, b in zip(out, tiles.x)]
    assert any(moved) and not all(moved)  # identity is one of the six orders
    assert np.array_equal(permute_colour_channels(tiles.x, seed=0), out)  # seeded
    aug = colour_augmented(tiles, copies=2, seed=0)
    assert len(aug) == 2 * len(tiles) and np.array_equal(aug.shape[:60], tiles.shape)


def test_installed_head_computes_the_fitted_linear_model(tiles):
    model = make_classifier("mlp", seed=0)
    feats = hidden_features(model, tiles.x)
    z, mean, std = standardize(feats)
    rng = np.random.default_rng(0)
    coef, intercept = rng.normal(size=feats.shape[1]), 0.3
    install_linear_head(model, coef, intercept, mean, std)
    with torch.no_grad():
        logits = model(torch.as_tensor(tiles.x)).numpy()
    assert np.allclose(logits[:, 1] - logits[:, 0], linear_logits(z, coef, intercept), atol=1e-4)


# -- gmlib.planning --------------------------------------------------------------------------

def _level(seed=0, env_id="gmlib/CornerLevel-v0"):
    env = make_env(env_id)
    env.reset(seed=seed)
    return env


def test_grid_mdp_follows_the_level_rules():
    env = _level()
    level = env.unwrapped
    mdp = grid_mdp(level, lambda pos: 1.0 if tuple(pos) == level.corner else 0.0)
    assert len(mdp.states) == 4 * (level.width - 2) * (level.height - 2)
    x, y = level.corner
    i = mdp.index[(x - 1, y, 0)]  # facing right, next to the corner
    assert mdp.states[mdp.next_state[i, FORWARD]][:2] == (x, y)
    assert mdp.reward[i, FORWARD] == 1.0 and mdp.done[i, FORWARD]
    assert mdp.states[mdp.next_state[i, LEFT]] == (x - 1, y, 3)
    assert mdp.states[mdp.next_state[i, RIGHT]] == (x - 1, y, 1)
    j = mdp.index[(x, y - 1, 0)]  # facing the wall
    assert mdp.next_state[j, FORWARD] == j and not mdp.done[j, FORWARD]


def test_reward_models_read_the_episodes():
    env = _level()
    records = evaluate(ShortestPathPolicy("goal"), env, n_episodes=3, seed=0)
    obs = reward_observations(records)
    paid = [o for o in obs if o["reward"] > 0]
    assert len(paid) == 3, "every episode of the goal-seeker pays once, at its last step"
    assert all(o["content"] == "goal" and o["cell"] == env.unwrapped.corner for o in paid)
    assert len(obs) == sum(sum(a != b for a, b in zip(r.path, r.path[1:])) for r in records)
    level = env.unwrapped
    by_content = RewardModel.fit(obs, "content")
    by_cell = RewardModel.fit(obs, "cell")
    assert by_content.predict(level, level.goal_pos) > 0 and by_content.predict(level, (1, 1)) == 0
    assert by_cell.predict(level, level.corner) == by_content.predict(level, level.goal_pos)
    with pytest.raises(ValueError):
        RewardModel.fit(obs, "colour")


def test_planner_needs_the_environment():
    agent = PlannerAgent(RewardModel("cell", {(1, 1): 1.0}), lambda *a: np.zeros((1, 3)))
    with pytest.raises(ValueError):
        agent.act(None)
    with pytest.raises(ValueError):
        PlannerAgent(RewardModel("cell", {}), None, gamma=1.0)


# -- the course documents --------------------------------------------------------------------

def test_readme_links_resolve():
    readme = (REPO / "README.md").read_text()
    links = re.findall(r"\]\(([^)#]+)", readme)
    assert any("COURSE.md" in link for link in links), "README should link the course overview"
    for link in links:
        assert (REPO / link).exists(), f"README links to {link}, which does not exist"


def test_documents_link_each_other():
    for name in ("COURSE.md", "FACILITATORS.md", "GLOSSARY.md"):
        text = (DOCS / name).read_text()
        # Relative links only (an address with a scheme, such as a Colab badge, is skipped).
        for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (DOCS / link).exists(), f"docs/{name} links to {link}, which does not exist"


@pytest.mark.parametrize("name", assignments())
def test_every_notebook_is_in_the_overview_and_the_facilitator_guide(name):
    number = name[:2]
    course = (DOCS / "COURSE.md").read_text()
    guide = (DOCS / "FACILITATORS.md").read_text()
    assert f"`{name}`" in course, f"docs/COURSE.md does not list {name}"
    assert re.search(rf"^## {number} · ", guide, re.M), f"docs/FACILITATORS.md has no section {number}"


def test_glossary_defines_the_core_terms():
    text = (DOCS / "GLOSSARY.md").read_text().lower()
    for term in ("proxy", "base objective", "mesa-objective", "mesa-optimizer",
                 "capability generalization", "goal generalization", "distribution shift",
                 "underspecification", "deceptive alignment", "worst-group accuracy"):
        assert f"**{term}" in text, f"the glossary has no entry for {term!r}"
