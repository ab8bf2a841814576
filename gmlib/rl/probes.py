"""Looking inside a policy network: states to probe, and the activations of its hidden layers.

    states = level_states("gmlib/CornerLevelTest-v0", 600, seed=0, corner_ends_episode=False)
    acts = layer_activations(load_agent(0.2, 0), states.obs)   # {"input": ..., "conv1": ...}

``level_states`` resets a level on seeds ``seed .. seed + n - 1`` and keeps each start state's
observation with the facts a probe may be asked to decode (where the goal and the agent are).
``layer_activations`` runs the network once on all of them with a forward hook on each hidden
layer's nonlinearity (ReLU or tanh) and returns every layer flattened to one row per state,
the observation itself first, as ``"input"``. ``untrained_twin(agent)`` is the same network
before training: the seeded initial weights ``gmlib.rl.ppo.train`` started from.

The probe itself (a linear read-out fitted on part of the states and scored on the rest) is
notebook 08's exercise, so it is not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from gmlib.rl.evaluation import make_env
from gmlib.rl.ppo import PPOAgent, init_agent

#: The names ``layer_activations`` gives the hidden layers, by network type.
LAYER_NAMES = {"MLPPolicy": ("hidden1", "hidden2"), "CNNPolicy": ("conv1", "conv2", "hidden")}


@dataclass
class States:
    """Start states of ``n`` levels: observations and what is true in each."""

    obs: np.ndarray  # (n, C, H, W) uint8, what the network sees
    goal: np.ndarray  # (n, 2) the goal's cell (x, y)
    agent: np.ndarray  # (n, 2) the agent's cell (x, y)
    heading: np.ndarray  # (n,) 0 right, 1 down, 2 left, 3 up
    seeds: np.ndarray  # (n,) env.reset(seed=...) rebuilds each level

    def __len__(self) -> int:
        return len(self.obs)


def level_states(env_id: str, n: int, seed: int = 0, **env_kwargs: Any) -> States:
    """The start states of levels ``seed .. seed + n - 1`` of ``env_id``."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    env = make_env(env_id, **env_kwargs)
    obs, goal, agent, heading = [], [], [], []
    for s in range(seed, seed + n):
        o, info = env.reset(seed=int(s))
        obs.append(o)
        goal.append(info["goal_pos"])
        agent.append(info["agent_pos"])
        heading.append(info["agent_dir"])
    env.close()
    return States(np.stack(obs), np.array(goal), np.array(agent), np.array(heading),
                  np.arange(seed, seed + n))


def hidden_layers(net: nn.Module) -> dict[str, nn.Module]:
    """The nonlinearities of a policy network's body, by name (``LAYER_NAMES``)."""
    acts = [m for m in net.body if isinstance(m, (nn.ReLU, nn.Tanh))]
    names = LAYER_NAMES.get(type(net).__name__, tuple(f"layer{i + 1}" for i in range(len(acts))))
    return dict(zip(names, acts))


@torch.no_grad()
def layer_activations(agent: PPOAgent, obs: np.ndarray) -> dict[str, np.ndarray]:
    """``{"input": obs, layer: activations, ...}``, each ``(n, features)`` float32."""
    x = torch.as_tensor(np.asarray(obs), dtype=torch.float32)
    out: dict[str, np.ndarray] = {"input": x.reshape(len(x), -1).numpy().copy()}
    handles = []
    for name, module in hidden_layers(agent.net).items():
        def keep(_module, _inputs, output, name=name):
            out[name] = output.reshape(len(output), -1).numpy().copy()
        handles.append(module.register_forward_hook(keep))
    try:
        agent.net(x)
    finally:
        for handle in handles:
            handle.remove()
    return out


def untrained_twin(agent: PPOAgent) -> PPOAgent:
    """The same architecture with the initial weights its training started from."""
    return init_agent(agent.config)
