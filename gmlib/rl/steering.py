"""Activation steering for the corner agents (Mini, Turner et al. 2023's "cheese vector").

    without = goal_removed(states)                   # the same start states, no goal square
    with steered(agent, "hidden", -goal_vector):     # added to that layer on every forward pass
        records = sweep_test_levels(agent, 100, seed=70_000, greedy=True)

``goal_removed`` rebuilds each level of a ``gmlib.rl.probes.States`` and takes its goal away,
so that activations with and without the goal can be compared state by state.
``steered`` adds a fixed vector to one hidden layer's output (``gmlib.rl.probes.hidden_layers``)
for as long as the ``with`` block lasts, through a forward hook; it is removed on the way out,
errors included. ``random_like(vector, seed)`` is the control: a random direction of the same
norm. Computing the steering vector itself is notebook 08's exercise, so it is not here.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
import torch

from gmlib.rl.evaluation import make_env
from gmlib.rl.ppo import PPOAgent
from gmlib.rl.probes import States, hidden_layers


def goal_removed(states: States, env_id: str = "gmlib/CornerLevelTest-v0",
                 **env_kwargs: Any) -> np.ndarray:
    """Observations of ``states``' levels (same seeds, same ``env_kwargs``) without the goal."""
    env = make_env(env_id, **env_kwargs)
    out = []
    for seed in states.seeds:
        env.reset(seed=int(seed))
        level = env.unwrapped
        level.grid.set(*level.goal_pos, None)
        level.invalidate_observation()
        out.append(level.gen_obs())
    env.close()
    return np.stack(out)


def random_like(vector: np.ndarray, seed: int) -> np.ndarray:
    """A random (Gaussian) direction with the norm of ``vector``, seeded."""
    vector = np.asarray(vector, dtype=float)
    r = np.random.default_rng(seed).normal(size=vector.shape)
    return r * (np.linalg.norm(vector) / np.linalg.norm(r))


@contextmanager
def steered(agent: PPOAgent, layer: str, vector: np.ndarray) -> Iterator[PPOAgent]:
    """Inside the block, ``agent``'s layer ``layer`` outputs its activations plus ``vector``."""
    layers = hidden_layers(agent.net)
    if layer not in layers:
        raise ValueError(f"no layer {layer!r}; layers: {list(layers)}")
    v = torch.as_tensor(np.asarray(vector), dtype=torch.float32)

    def add(_module, _inputs, output):
        return output + v.reshape(output.shape[1:])

    handle = layers[layer].register_forward_hook(add)
    try:
        yield agent
    finally:
        handle.remove()
