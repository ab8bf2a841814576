"""Train the small named agents that notebooks 04 and 06 load (``gmlib.rl.agents.load_checkpoint``).

    PYTHONPATH=. python scripts/train_notebook_agents.py            # all of them, one after another
    PYTHONPATH=. python scripts/train_notebook_agents.py --only corner_full_mlp_seed1

The corner-level sweep agents of notebook 05 are made by scripts/train_shipped_agents.py;
these are the others, saved in gmlib/rl/checkpoints/named/ so that a notebook opened alone
(on Colab, say) finds them in the installed package:

* ``corner_full_mlp_seed{0,1,2}``: an MLP on the full grid, goal always in the corner. Seed 0
  is the agent notebook 04 trains live (same configuration as its cell); notebook 06 compares
  all three with the egocentric ones;
* ``corner_egocentric_mlp_seed{0,1,2}``: the same on MiniGrid's egocentric view (notebook 06);
* ``goal_seeker_egocentric_mlp``: an MLP on the egocentric view trained with the goal anywhere
  (notebook 04 plays it in a room too large for it; notebook 06 uses it as a goal-seeker);
* ``corner_beside_goal_mlp_seed0``: notebook 04's MLP configuration trained on the misspecified
  reward ``reward="beside_goal"`` (a bonus for every step next to the goal), the specification-
  gaming contrast to ``corner_full_mlp_seed0``; ``beside_goal_config`` makes it, and
  tests/test_contrast_claims.py trains further seeds of it to check the notebook's claims;
* ``maze_cnn_seed{0..4}``: the red-door maze of notebook 06, a CNN on the egocentric view;
* ``maze_pixels_seed{0..9}``: the same maze in pixels (``gmlib/RedDoorMazePixels-v0``, the door
  drawn filled with its colour), a per-tile pixel encoder in front of the same CNN;
* ``maze_cnn_full_seed{0,1}``: the same network on the full grid, with half as many steps again,
  to show why notebook 06 uses the egocentric view for the maze;
* ``corner_cnn_150k_0pct_seed0`` and ``corner_cnn_150k_20pct_seed{0..4}``: notebook 05's
  earlier sweep recipe (the small CNN, 150,000 steps, on the level where the corner ends the
  episode) at 0 and 20 % randomized levels; notebook 06 probes them (its decision squares and
  posteriors are made for that level). Notebook 05's own sweep now trains on the CoinRun-style
  level (scripts/train_shipped_agents.py).

Training is seeded: on one machine a rerun writes the same weights. A minute or two each.
"""

from __future__ import annotations

import argparse

from gmlib.rl.agents import NAMED_DIR
from gmlib.rl.ppo import PPOConfig, train

MAZE_SEEDS = (0, 1, 2, 3, 4)
MAZE_PIXEL_SEEDS = tuple(range(10))  # ten seeds: a claim about "most seeds" needs them


def maze_config(seed: int, obs_mode: str = "egocentric") -> PPOConfig:
    """The red-door maze agents: on the egocentric view the CNN learns the maze in 100k frames;
    on the full grid it reaches the door in about a quarter of training levels after 150k."""
    if obs_mode == "egocentric":
        return PPOConfig(env_id="gmlib/RedDoorMaze-v0",
                         env_kwargs={"size": 6, "n_distractors": 1, "obs_mode": "egocentric"},
                         policy="cnn", hidden=64, total_frames=100_000, seed=seed)
    return PPOConfig(env_id="gmlib/RedDoorMaze-v0", env_kwargs={"size": 6, "n_distractors": 1},
                     policy="cnn", hidden=64, total_frames=150_000, seed=seed)


def maze_pixels_config(seed: int) -> PPOConfig:
    """The pixel red-door maze agents (gmlib.rl.pixels): the maze of ``maze_config`` drawn by
    MiniGrid, a door filled with its colour, a per-tile encoder in front of the same CNN."""
    return PPOConfig(env_id="gmlib/RedDoorMazePixels-v0", env_kwargs={"size": 6, "n_distractors": 1},
                     policy="pixel_cnn", hidden=64, total_frames=100_000, seed=seed)


def configs() -> dict[str, PPOConfig]:
    """name -> the configuration that trains it."""
    jobs = {}
    for seed in (0, 1, 2):
        jobs[f"corner_full_mlp_seed{seed}"] = PPOConfig(
            env_id="gmlib/CornerLevel-v0", policy="mlp", total_frames=40_000, seed=seed)
        jobs[f"corner_egocentric_mlp_seed{seed}"] = PPOConfig(
            policy="mlp", total_frames=30_000, seed=seed,
            env_kwargs={"randomize_fraction": 0.0, "obs_mode": "egocentric"})
    jobs["goal_seeker_egocentric_mlp"] = PPOConfig(
        policy="mlp", total_frames=30_000, seed=0,
        env_kwargs={"randomize_fraction": 1.0, "obs_mode": "egocentric"})
    jobs["corner_beside_goal_mlp_seed0"] = beside_goal_config(0)
    for seed in MAZE_SEEDS:
        jobs[f"maze_cnn_seed{seed}"] = maze_config(seed)
    for seed in (0, 1):
        jobs[f"maze_cnn_full_seed{seed}"] = maze_config(seed, obs_mode="full")
    for seed in MAZE_PIXEL_SEEDS:
        jobs[f"maze_pixels_seed{seed}"] = maze_pixels_config(seed)
    for fraction, seeds in ((0.0, (0,)), (0.2, (0, 1, 2, 3, 4))):
        for seed in seeds:
            jobs[f"corner_cnn_150k_{100 * fraction:g}pct_seed{seed}"] = corner_cnn_150k_config(fraction, seed)
    return jobs


def beside_goal_config(seed: int) -> PPOConfig:
    """Notebook 04's specification-gaming contrast: the corner agent's configuration (an MLP on
    the full grid, 40,000 steps, goal always in the corner) with the misspecified reward that
    also pays for each step next to the goal. About ten seconds of one CPU core."""
    return PPOConfig(env_id="gmlib/CornerLevel-v0", env_kwargs={"reward": "beside_goal"},
                     policy="mlp", total_frames=40_000, seed=int(seed))


def corner_cnn_150k_config(fraction: float, seed: int) -> PPOConfig:
    """Notebook 05's sweep recipe before it moved to the CoinRun-style level (PPO's defaults)."""
    return PPOConfig(env_id="gmlib/CornerLevel-v0", env_kwargs={"randomize_fraction": float(fraction)},
                     policy="cnn", hidden=64, total_frames=150_000, seed=int(seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="train only this agent (repeatable)")
    args = parser.parse_args()
    jobs = configs()
    unknown = set(args.only or []) - set(jobs)
    if unknown:
        parser.error(f"unknown agents {sorted(unknown)}; known: {sorted(jobs)}")
    for name, config in jobs.items():
        if args.only and name not in args.only:
            continue
        agent = train(config, progress=False)
        path = agent.save(NAMED_DIR / f"{name}.pt")
        print(f"{name}: training success {agent.log[-1]['success_rate']:.2f} -> {path}", flush=True)


if __name__ == "__main__":
    main()
