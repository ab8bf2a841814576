"""Pictures of levels, trajectories, visitation and training.

Every function draws on a matplotlib ``ax`` (a new figure when none is given) and returns it.
"""

from __future__ import annotations

from typing import Any, Sequence

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np

from gmlib.rl.evaluation import EpisodeRecord, make_env

TILE = 32  # pixels per grid cell in renderings


def level_frame(env: gym.Env, tile_size: int = TILE) -> np.ndarray:
    """RGB image of the whole level as it is now, agent included ``(H*tile, W*tile, 3)``."""
    return env.unwrapped.get_frame(highlight=False, tile_size=tile_size)


def restore_level(env: gym.Env, record: EpisodeRecord) -> gym.Env:
    """Reset ``env`` to the level and start of ``record`` (goal moved back if it was placed)."""
    env.reset(seed=record.seed)
    level = env.unwrapped
    if tuple(level.goal_pos) != tuple(record.goal_pos):
        level.place_goal(record.goal_pos)
    return env


def episode_frames(env: gym.Env, record: EpisodeRecord, tile_size: int = TILE) -> list[np.ndarray]:
    """Replay ``record``'s actions on its level; one frame per state, start first."""
    restore_level(env, record)
    frames = [level_frame(env, tile_size)]
    for action in record.actions:
        env.step(action)
        frames.append(level_frame(env, tile_size))
    return frames


def _centre(pos: Sequence[int], tile_size: int) -> tuple[float, float]:
    return (pos[0] + 0.5) * tile_size, (pos[1] + 0.5) * tile_size


def _new_ax(ax: plt.Axes | None, size: float = 4.0) -> plt.Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(size, size))
    return ax


def plot_trajectory(record: EpisodeRecord, env: str | gym.Env = "gmlib/CornerLevelTest-v0",
                    ax: plt.Axes | None = None, tile_size: int = TILE, **env_kwargs: Any) -> plt.Axes:
    """The level at the episode's start with its path: orange line, circle at the start, white
    cross at the end; a dashed magenta square marks the proxy (the empty corner)."""
    env = make_env(env, **env_kwargs)
    restore_level(env, record)
    ax = _new_ax(ax)
    ax.imshow(level_frame(env, tile_size))
    xs, ys = zip(*(_centre(p, tile_size) for p in record.path))
    ax.plot(xs, ys, "-", color="orange", lw=3, alpha=0.8)
    ax.plot(xs[0], ys[0], "o", color="orange", ms=10)
    ax.plot(xs[-1], ys[-1], "x", color="white", ms=12, mew=3)
    if record.proxy_pos is not None and record.proxy_pos != record.goal_pos:
        px, py = _centre(record.proxy_pos, tile_size)
        ax.add_patch(plt.Rectangle((px - tile_size / 2, py - tile_size / 2), tile_size, tile_size,
                                   fill=False, ec="magenta", lw=2, ls="--"))
    ax.set_title(f"seed {record.seed}: {record.outcome} after {record.steps} steps")
    ax.set_axis_off()
    return ax


def visitation(records: Sequence[EpisodeRecord], width: int, height: int) -> np.ndarray:
    """How many times each cell was visited, summed over episodes, shape ``(height, width)``."""
    counts = np.zeros((height, width))
    for record in records:
        for x, y in record.path:
            counts[y, x] += 1
    return counts


def plot_heatmap(records: Sequence[EpisodeRecord], env: str | gym.Env = "gmlib/CornerLevelTest-v0",
                 ax: plt.Axes | None = None, **env_kwargs: Any) -> plt.Axes:
    """Visitation over many episodes (log colour scale); crosses where episodes ended."""
    if not records:
        raise ValueError("no records to draw")
    level = make_env(env, **env_kwargs).unwrapped
    counts = visitation(records, level.width, level.height)
    ax = _new_ax(ax)
    image = ax.imshow(np.log1p(counts), cmap="magma")
    ends = np.array([r.path[-1] for r in records])
    ax.scatter(ends[:, 0], ends[:, 1], marker="x", c="cyan", s=30, alpha=0.3)
    proxies = {tuple(r.proxy_pos) for r in records if r.proxy_pos is not None}
    for px, py in proxies:
        ax.add_patch(plt.Rectangle((px - 0.5, py - 0.5), 1, 1, fill=False, ec="magenta", lw=2, ls="--"))
    plt.colorbar(image, ax=ax, fraction=0.046, label="log(1 + visits)")
    ax.set_title(f"visits over {len(records)} episodes")
    ax.set_xticks([]), ax.set_yticks([])
    return ax


def plot_training(log: Sequence[dict[str, float]], keys: Sequence[str] = ("success_rate", "mean_return"),
                  ax: plt.Axes | None = None, label: str | None = None,
                  min_episodes: int = 20) -> plt.Axes:
    """Training curves against frames (``agent.log`` from ``train``).

    Points measured on fewer than ``min_episodes`` finished episodes are drawn dotted: the
    first episodes to finish are the short ones, the lucky successes, so early rates flatter.
    """
    if not log:
        raise ValueError("empty training log")
    ax = ax if ax is not None else plt.subplots(figsize=(6, 3.5))[1]
    frames = np.array([entry["frames"] for entry in log])
    few = np.array([entry.get("episodes", min_episodes) < min_episodes for entry in log])
    for key in keys:
        if key not in log[0]:
            raise ValueError(f"unknown log key {key!r}; the log has {sorted(log[0])}")
        values = np.array([entry[key] for entry in log], dtype=float)
        line, = ax.plot(np.where(few, np.nan, frames), values, label=f"{label}: {key}" if label else key)
        if few.any():
            upto = int(np.flatnonzero(few).max()) + 2  # joins the dotted part to the solid one
            ax.plot(frames[:upto], values[:upto], ":", color=line.get_color(),
                    label=f"(fewer than {min_episodes} episodes finished)")
    ax.set_xlabel("frames")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def frame_strip(frames: Sequence[np.ndarray], max_frames: int = 8, title: str | None = None) -> plt.Figure:
    """Up to ``max_frames`` frames, evenly spaced from first to last, in a row."""
    if not frames:
        raise ValueError("no frames")
    picks = np.unique(np.linspace(0, len(frames) - 1, min(max_frames, len(frames))).round().astype(int))
    fig, axes = plt.subplots(1, len(picks), figsize=(2 * len(picks), 2.3), squeeze=False)
    for ax, k in zip(axes[0], picks):
        ax.imshow(frames[k])
        ax.set_title(f"step {k}", fontsize=9)
        ax.set_axis_off()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_outcome_shares(shares: dict[str, dict[str, float]], colours: dict[str, str],
                        ax: plt.Axes | None = None, ylabel: str = "share of episodes") -> plt.Axes:
    """Stacked bars: one bar per group (``shares`` keys, in order), one colour per outcome.

    ``shares[group][outcome]`` is a fraction of that group's episodes; ``colours`` names the
    outcomes to stack, bottom first, and their colours (outcomes missing from a group count 0).
    """
    if not shares:
        raise ValueError("no groups to plot")
    ax = ax if ax is not None else plt.subplots(figsize=(7, 3.5))[1]
    groups = list(shares)
    bottom = np.zeros(len(groups))
    for outcome, colour in colours.items():
        heights = np.array([float(shares[g].get(outcome, 0.0)) for g in groups])
        ax.bar(range(len(groups)), heights, bottom=bottom, color=colour, label=outcome)
        bottom += heights
    ax.set_xticks(range(len(groups)), groups)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, max(1.0, float(bottom.max())))
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    return ax
