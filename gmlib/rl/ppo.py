"""Proximal Policy Optimization (Schulman et al. 2017) in one file, CleanRL style.

Read it top to bottom: the configuration, the two policy networks, a batch of environments
that resets finished episodes on the same step, the agent that acts and saves itself, and
``train``: collect a rollout, compute advantages (GAE), take a few epochs of clipped-objective
minibatch steps, log, repeat.

Everything random takes its seed from ``PPOConfig.seed``: the environments' levels, the
network's initial weights, the sampled actions and the minibatch order. On one machine the
same configuration gives the same agent, number for number.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

import gmlib.rl.levels  # noqa: F401  (registers the gmlib/ environments)
from gmlib.threads import torch_threads

POLICIES = ("mlp", "cnn", "pixel_cnn")  # pixel_cnn: gmlib.rl.pixels.PixelCNNPolicy, for images


@dataclass
class PPOConfig:
    """Everything that decides a training run. Saved with every checkpoint."""

    env_id: str = "gmlib/CornerLevel-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    policy: str = "mlp"  # "mlp" or "cnn"
    hidden: int = 64  # width of the hidden layer(s)
    total_frames: int = 100_000  # environment steps, summed over environments
    n_envs: int = 16
    n_steps: int = 32  # steps per environment per rollout: short rollouts, more updates
    lr: float = 3e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    n_epochs: int = 8
    n_minibatches: int = 4
    clip_coef: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    seed: int = 0
    # Stop early once the success rate over the last `success_window` finished episodes
    # reaches this (None: always use the whole budget).
    target_success: float | None = None
    success_window: int = 100
    # Train on past total_frames, in whole updates, until the agent solves its own training
    # distribution: after each update, one episode (sampled actions) on each of
    # `success_check_levels` fresh training levels; stop once this share of them reaches the
    # goal, or at max_frames (None: stop at total_frames). A check on fresh levels, because
    # the success rate of recent training episodes over-counts short (successful) episodes.
    min_success: float | None = None
    max_frames: int | None = None
    success_check_levels: int = 512
    torch_threads: int = 1  # small networks: one thread is fastest and deterministic

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {POLICIES}, got {self.policy!r}")
        for name in ("hidden", "total_frames", "n_envs", "n_steps", "n_epochs",
                     "n_minibatches", "success_window", "torch_threads", "success_check_levels"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if (self.n_envs * self.n_steps) % self.n_minibatches:
            raise ValueError("n_envs * n_steps must be divisible by n_minibatches")
        for name in ("gamma", "gae_lambda"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, got {self.lr!r}")
        if self.target_success is not None and not 0.0 < self.target_success <= 1.0:
            raise ValueError(f"target_success must be in (0, 1] or None, got {self.target_success!r}")
        if self.min_success is not None and not 0.0 < self.min_success <= 1.0:
            raise ValueError(f"min_success must be in (0, 1] or None, got {self.min_success!r}")
        if self.max_frames is not None and (isinstance(self.max_frames, bool) or not isinstance(
                self.max_frames, int) or self.max_frames < self.total_frames):
            raise ValueError(f"max_frames must be an int >= total_frames or None, got {self.max_frames!r}")
        if (self.min_success is None) != (self.max_frames is None):
            raise ValueError("min_success and max_frames go together: give both or neither")

    @property
    def frames_per_update(self) -> int:
        return self.n_envs * self.n_steps


# ---------------------------------------------------------------------------------------
# Policies: observation (C, H, W) one-hot grid -> action logits and state value.
# ---------------------------------------------------------------------------------------
def _layer(layer: nn.Module, gain: float = float(np.sqrt(2))) -> nn.Module:
    """Orthogonal initialisation, as in most PPO implementations."""
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.zeros_(layer.bias)
    return layer


class MLPPolicy(nn.Module):
    """Two hidden layers on the flattened grid. Learns a fixed goal fast; not a moving one."""

    def __init__(self, obs_shape: tuple[int, ...], n_actions: int, hidden: int = 64) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(),
            _layer(nn.Linear(int(np.prod(obs_shape)), hidden)), nn.Tanh(),
            _layer(nn.Linear(hidden, hidden)), nn.Tanh(),
        )
        self.actor = _layer(nn.Linear(hidden, n_actions), gain=0.01)
        self.critic = _layer(nn.Linear(hidden, 1), gain=1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(obs)
        return self.actor(h), self.critic(h).squeeze(-1)


class CNNPolicy(nn.Module):
    """Two 3x3 convolutions, then one hidden layer. Convolutions see the goal wherever it is."""

    def __init__(self, obs_shape: tuple[int, ...], n_actions: int, hidden: int = 32) -> None:
        super().__init__()
        channels, height, width = obs_shape
        self.body = nn.Sequential(
            _layer(nn.Conv2d(channels, 16, 3, padding=1)), nn.ReLU(),
            _layer(nn.Conv2d(16, 16, 3, padding=1)), nn.ReLU(),
            nn.Flatten(),
            _layer(nn.Linear(16 * height * width, hidden)), nn.ReLU(),
        )
        self.actor = _layer(nn.Linear(hidden, n_actions), gain=0.01)
        self.critic = _layer(nn.Linear(hidden, 1), gain=1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.body(obs)
        return self.actor(h), self.critic(h).squeeze(-1)


def make_policy(config: PPOConfig, obs_shape: tuple[int, ...], n_actions: int) -> nn.Module:
    """The network named by ``config.policy``."""
    if config.policy == "pixel_cnn":
        from gmlib.rl.pixels import PixelCNNPolicy  # (imported here: pixels builds on this module)
        return PixelCNNPolicy(tuple(obs_shape), n_actions, config.hidden)
    cls = MLPPolicy if config.policy == "mlp" else CNNPolicy
    return cls(tuple(obs_shape), n_actions, config.hidden)


# ---------------------------------------------------------------------------------------
# A batch of environments with same-step autoreset.
# ---------------------------------------------------------------------------------------
class EnvBatch:
    """``n`` copies of one environment stepped in lockstep.

    When an episode ends, the environment is reset *in the same step*: the observation returned
    for it is the first of the next episode, and the last one of the finished episode is kept in
    ``final_obs`` (needed to bootstrap the value of a timed-out episode). Gymnasium 1.x's own
    vector environments do this with ``autoreset_mode="SameStep"``; their default (NEXT_STEP)
    would instead return one dummy step per episode that a rollout must skip. This loop is
    written out so that nothing is hidden, and it is faster for tiny environments.
    """

    def __init__(self, env_id: str, n: int, seed: int, **env_kwargs: Any) -> None:
        self.envs = [gym.make(env_id, **env_kwargs) for _ in range(n)]
        self.seeds = [int(s) for s in np.random.SeedSequence(seed).generate_state(n)]
        self.single_observation_space = self.envs[0].observation_space
        self.n_actions = int(self.envs[0].action_space.n)

    def reset(self) -> np.ndarray:
        return np.stack([env.reset(seed=s)[0] for env, s in zip(self.envs, self.seeds)])

    def step(self, actions: np.ndarray):
        """Step every environment; returns obs, rewards, terminated, truncated, final infos."""
        n = len(self.envs)
        obs = [None] * n
        rewards = np.zeros(n, dtype=np.float32)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        final_obs: dict[int, np.ndarray] = {}
        final_infos: dict[int, dict[str, Any]] = {}
        for i, (env, action) in enumerate(zip(self.envs, actions)):
            o, rewards[i], terminated[i], truncated[i], info = env.step(int(action))
            if terminated[i] or truncated[i]:
                final_obs[i], final_infos[i] = o, info
                o, _ = env.reset()  # the environment's own seeded generator goes on
            obs[i] = o
        return np.stack(obs), rewards, terminated, truncated, final_obs, final_infos

    def close(self) -> None:
        for env in self.envs:
            env.close()


# ---------------------------------------------------------------------------------------
# The agent: a policy network and the configuration that trained it.
# ---------------------------------------------------------------------------------------
class PPOAgent:
    """A trained (or training) policy. ``act`` has the same interface as the baselines."""

    def __init__(self, net: nn.Module, config: PPOConfig, obs_shape: tuple[int, ...],
                 n_actions: int, log: list[dict[str, float]] | None = None) -> None:
        self.net = net
        self.config = config
        self.obs_shape = tuple(obs_shape)
        self.n_actions = n_actions
        self.log: list[dict[str, float]] = log if log is not None else []
        self._rng = np.random.default_rng(config.seed)  # used when act() gets no rng

    def __repr__(self) -> str:
        c = self.config
        return (f"PPOAgent(policy={c.policy!r}, env_id={c.env_id!r}, env_kwargs={c.env_kwargs}, "
                f"seed={c.seed}, frames={self.log[-1]['frames'] if self.log else 0})")

    @torch.no_grad()
    def action_probs(self, obs: np.ndarray) -> np.ndarray:
        """Action probabilities for one observation ``(C, H, W)`` or a batch ``(N, C, H, W)``."""
        x = torch.as_tensor(np.asarray(obs), dtype=torch.float32)
        single = x.dim() == len(self.obs_shape)
        logits, _ = self.net(x.unsqueeze(0) if single else x)
        probs = torch.softmax(logits, dim=-1).numpy()
        return probs[0] if single else probs

    @torch.no_grad()
    def value(self, obs: np.ndarray) -> float:
        """The critic's estimate of the return from one observation."""
        _, v = self.net(torch.as_tensor(np.asarray(obs), dtype=torch.float32).unsqueeze(0))
        return float(v[0])

    def act(self, obs: np.ndarray, env: Any = None, *, greedy: bool = False,
            rng: np.random.Generator | None = None) -> int:
        """One action: the most probable (``greedy``) or sampled with ``rng``. ``env`` unused."""
        probs = self.action_probs(obs)
        if greedy:
            return int(np.argmax(probs))
        return int((rng or self._rng).choice(len(probs), p=probs / probs.sum()))

    def save(self, path: str | Path, half: bool = True) -> Path:
        """Save weights (float16 by default: half the size), config and training log."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {k: (v.half() if half and v.is_floating_point() else v)
                 for k, v in self.net.state_dict().items()}
        # The log is stored by column, as float32 tensors: a tenth of the size of pickled dicts.
        columns = {k: torch.tensor([entry[k] for entry in self.log], dtype=torch.float32)
                   for k in (self.log[0] if self.log else {})}
        torch.save({"format": 1, "config": asdict(self.config), "obs_shape": list(self.obs_shape),
                    "n_actions": self.n_actions, "state_dict": state, "log": columns}, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "PPOAgent":
        """Load an agent saved with ``save``."""
        data = torch.load(Path(path), map_location="cpu", weights_only=True)
        config = PPOConfig(**data["config"])
        net = make_policy(config, tuple(data["obs_shape"]), data["n_actions"])
        net.load_state_dict({k: v.float() if v.is_floating_point() else v
                             for k, v in data["state_dict"].items()})
        net.eval()
        columns = data["log"]
        n = len(next(iter(columns.values()))) if columns else 0
        log = [{k: (int(v[i]) if k in ("frames", "episodes") else float(v[i])) for k, v in columns.items()}
               for i in range(n)]
        return cls(net, config, tuple(data["obs_shape"]), data["n_actions"], log)


# ---------------------------------------------------------------------------------------
# Training.
# ---------------------------------------------------------------------------------------
def init_agent(config: PPOConfig) -> PPOAgent:
    """The agent before training: seeded initial weights (what ``train`` starts from)."""
    env = gym.make(config.env_id, **config.env_kwargs)
    obs_shape, n_actions = env.observation_space.shape, int(env.action_space.n)
    env.close()
    with torch.random.fork_rng(devices=[]):  # seed the weights without touching global state
        torch.manual_seed(config.seed)
        net = make_policy(config, obs_shape, n_actions)
    return PPOAgent(net, config, obs_shape, n_actions)


def train(config: PPOConfig, progress: bool = True) -> PPOAgent:
    """Train a PPO agent; ``agent.log`` holds one dict per update (frames, seconds, success...)."""
    with torch_threads(config.torch_threads):
        return _train(config, progress)


def _train(config: PPOConfig, progress: bool) -> PPOAgent:
    from tqdm.auto import tqdm

    start = time.perf_counter()
    envs = EnvBatch(config.env_id, config.n_envs, config.seed, **config.env_kwargs)
    obs_shape = envs.single_observation_space.shape
    agent = init_agent(config)
    net = agent.net
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr, eps=1e-5)
    sampler = torch.Generator().manual_seed(config.seed)  # actions
    shuffler = np.random.default_rng(config.seed)  # minibatch order

    T, N = config.n_steps, config.n_envs
    obs_buf = torch.zeros((T, N, *obs_shape))
    actions = torch.zeros((T, N), dtype=torch.long)
    logprobs = torch.zeros((T, N))
    rewards = torch.zeros((T, N))
    dones = torch.zeros((T, N))  # 1 where an episode ended at this step (timeouts included)
    values = torch.zeros((T, N))

    next_obs = torch.as_tensor(envs.reset(), dtype=torch.float32)
    episode_return = np.zeros(N)
    recent_success: deque[float] = deque(maxlen=config.success_window)
    recent_return: deque[float] = deque(maxlen=config.success_window)
    recent_length: deque[int] = deque(maxlen=config.success_window)
    episode_length = np.zeros(N, dtype=int)
    episodes, frames = 0, 0
    n_updates = -(-config.total_frames // config.frames_per_update)  # ceiling division
    if config.max_frames is not None:
        most_updates = max(n_updates, config.max_frames // config.frames_per_update)
    else:
        most_updates = n_updates
    bar = tqdm(total=n_updates * config.frames_per_update, unit="frames", disable=not progress,
               desc=f"PPO {config.policy} seed {config.seed}")

    checker = EnvBatch(config.env_id, config.success_check_levels, config.seed, **config.env_kwargs) \
        if config.min_success is not None else None
    for update in range(most_updates):
        if update >= n_updates:  # past the budget: only until the agent solves its levels
            checked = agent.log[-1]["checked_success"]
            if checked >= config.min_success:
                break
            bar.total += config.frames_per_update
        # 1. Rollout: T steps in each of N environments with the current policy.
        for t in range(T):
            obs_buf[t] = next_obs
            with torch.no_grad():
                logits, values[t] = net(next_obs)
                probs = torch.softmax(logits, dim=-1)
                actions[t] = torch.multinomial(probs, 1, generator=sampler).squeeze(-1)
                logprobs[t] = torch.log(probs.gather(1, actions[t, :, None]).squeeze(-1) + 1e-12)
            o, r, term, trunc, final_obs, final_infos = envs.step(actions[t].numpy())
            rewards[t] = torch.as_tensor(r)
            dones[t] = torch.as_tensor(term, dtype=torch.float32)
            # A timeout is not the end of the task, only of our patience: bootstrap the value
            # of the state the agent was in, instead of pretending nothing follows it.
            cut = [i for i in final_obs if trunc[i] and not term[i]]
            if cut:
                with torch.no_grad():
                    _, v = net(torch.as_tensor(np.stack([final_obs[i] for i in cut]), dtype=torch.float32))
                rewards[t, cut] += config.gamma * v
                dones[t, cut] = 1.0  # the next observation belongs to a new episode
            episode_return += r
            episode_length += 1
            for i, info in final_infos.items():
                episodes += 1
                recent_success.append(float(info["outcome"] == "goal"))
                recent_return.append(float(episode_return[i]))
                recent_length.append(int(episode_length[i]))
                episode_return[i], episode_length[i] = 0.0, 0
            next_obs = torch.as_tensor(o, dtype=torch.float32)
        frames += T * N

        # 2. Advantages by generalized advantage estimation, backwards in time.
        with torch.no_grad():
            _, next_value = net(next_obs)
        advantages = torch.zeros((T, N))
        last = torch.zeros(N)
        for t in reversed(range(T)):
            following = next_value if t == T - 1 else values[t + 1]
            not_done = 1.0 - dones[t]
            delta = rewards[t] + config.gamma * following * not_done - values[t]
            last = delta + config.gamma * config.gae_lambda * not_done * last
            advantages[t] = last
        returns = advantages + values

        # 3. A few epochs of minibatch updates on the clipped surrogate objective.
        b_obs, b_actions = obs_buf.reshape(T * N, *obs_shape), actions.reshape(-1)
        b_logprobs, b_adv, b_returns = logprobs.reshape(-1), advantages.reshape(-1), returns.reshape(-1)
        size = T * N // config.n_minibatches
        stats: dict[str, list[float]] = {"policy_loss": [], "value_loss": [], "entropy": [], "approx_kl": []}
        for _ in range(config.n_epochs):
            order = torch.as_tensor(shuffler.permutation(T * N))
            for k in range(config.n_minibatches):
                mb = order[k * size:(k + 1) * size]
                logits, new_values = net(b_obs[mb])
                logp_all = torch.log_softmax(logits, dim=-1)
                new_logp = logp_all.gather(1, b_actions[mb, None]).squeeze(-1)
                entropy = -(logp_all.exp() * logp_all).sum(-1).mean()
                log_ratio = new_logp - b_logprobs[mb]
                ratio = log_ratio.exp()
                adv = b_adv[mb]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                policy_loss = torch.max(-adv * ratio,
                                        -adv * ratio.clamp(1 - config.clip_coef, 1 + config.clip_coef)).mean()
                value_loss = 0.5 * ((new_values - b_returns[mb]) ** 2).mean()
                loss = policy_loss + config.vf_coef * value_loss - config.ent_coef * entropy
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), config.max_grad_norm)
                optimizer.step()
                with torch.no_grad():
                    stats["approx_kl"].append(float(((ratio - 1) - log_ratio).mean()))
                stats["policy_loss"].append(float(policy_loss.detach()))
                stats["value_loss"].append(float(value_loss.detach()))
                stats["entropy"].append(float(entropy.detach()))

        # 4. Log this update.
        success = float(np.mean(recent_success)) if recent_success else float("nan")
        extra = {}
        if checker is not None:
            checked = (own_success(net, checker, seed=(config.seed, update))
                       if update >= n_updates - 1 else float("nan"))
            extra["checked_success"] = checked
        agent.log.append({
            "frames": frames,
            "seconds": time.perf_counter() - start,
            "episodes": episodes,
            "success_rate": success,
            "mean_return": float(np.mean(recent_return)) if recent_return else float("nan"),
            "mean_length": float(np.mean(recent_length)) if recent_length else float("nan"),
            **{k: float(np.mean(v)) for k, v in stats.items()},
            **extra,
        })
        bar.update(T * N)
        bar.set_postfix(success=f"{success:.2f}")
        if (config.target_success is not None and len(recent_success) == config.success_window
                and success >= config.target_success):
            break

    bar.close()
    envs.close()
    if checker is not None:
        checker.close()
    net.eval()
    return agent


@torch.no_grad()
def own_success(net: nn.Module, envs: EnvBatch, seed: tuple[int, ...]) -> float:
    """Share of ``envs`` (reset to fresh levels drawn from ``seed``) whose first episode reaches
    the goal under ``net``'s sampled actions. Leaves the training's random streams alone."""
    n = len(envs.envs)
    envs.seeds = [int(s) for s in np.random.SeedSequence([*seed, 7_919]).generate_state(n)]
    obs = envs.reset()
    generator = torch.Generator().manual_seed(int(np.random.SeedSequence([*seed, 7_920]).generate_state(1)[0]))
    active = list(range(n))
    success = np.zeros(n, dtype=bool)
    while active:
        logits, _ = net(torch.as_tensor(obs[active], dtype=torch.float32))
        actions = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator).squeeze(-1)
        still = []
        for i, action in zip(active, actions.tolist()):
            o, _, terminated, truncated, info = envs.envs[i].step(int(action))
            if terminated or truncated:
                success[i] = info["outcome"] == "goal"
            else:
                obs[i] = o
                still.append(i)
        active = still
    return float(success.mean())
