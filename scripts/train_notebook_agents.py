"""Train the small agents that ship inside the RL notebooks' folders (04 and 06).

    PYTHONPATH=. python scripts/train_notebook_agents.py            # all of them, one after another
    PYTHONPATH=. python scripts/train_notebook_agents.py --only full_mlp_seed1

The corner-level sweep agents of notebook 05 are gmlib's shipped agents
(scripts/train_shipped_agents.py); these are the others:

* 04 ``corner_agent.pt``: the MLP the notebook trains live (same configuration as its cell);
* 04 ``egocentric_agent.pt`` and 06 ``egocentric_goal_agent.pt``: an MLP on the egocentric view
  trained with the goal anywhere (a goal-seeker), played in a room too large for it;
* 06 ``full_mlp_seed{0,1,2}.pt`` and ``egocentric_mlp_seed{0,1,2}.pt``: the observation-dependence
  experiment, the goal always in the corner.

Training is seeded: on one machine a rerun writes the same weights. About a minute each on 2 cores.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from gmlib.rl.ppo import PPOConfig, train

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
NB04, NB06 = SOLUTIONS / "04_classifiers_to_agents", SOLUTIONS / "06_which_goal"


def configs() -> dict[str, tuple[PPOConfig, list[Path]]]:
    """name -> (configuration, files it is saved to)."""
    jobs = {}
    for seed in (0, 1, 2):
        jobs[f"full_mlp_seed{seed}"] = (
            PPOConfig(env_id="gmlib/CornerLevel-v0", policy="mlp", total_frames=40_000, seed=seed),
            [NB06 / f"full_mlp_seed{seed}.pt"] + ([NB04 / "corner_agent.pt"] if seed == 0 else []))
        jobs[f"egocentric_mlp_seed{seed}"] = (
            PPOConfig(policy="mlp", total_frames=30_000, seed=seed,
                      env_kwargs={"randomize_fraction": 0.0, "obs_mode": "egocentric"}),
            [NB06 / f"egocentric_mlp_seed{seed}.pt"])
    jobs["egocentric_goal_seeker"] = (
        PPOConfig(policy="mlp", total_frames=30_000, seed=0,
                  env_kwargs={"randomize_fraction": 1.0, "obs_mode": "egocentric"}),
        [NB04 / "egocentric_agent.pt", NB06 / "egocentric_goal_agent.pt"])
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", help="train only this agent (repeatable)")
    args = parser.parse_args()
    jobs = configs()
    unknown = set(args.only or []) - set(jobs)
    if unknown:
        parser.error(f"unknown agents {sorted(unknown)}; known: {sorted(jobs)}")
    for name, (config, files) in jobs.items():
        if args.only and name not in args.only:
            continue
        agent = train(config, progress=False)
        first, *copies = files
        agent.save(first)
        for copy in copies:
            shutil.copyfile(first, copy)
        print(f"{name}: training success {agent.log[-1]['success_rate']:.2f} -> "
              + ", ".join(str(f.relative_to(SOLUTIONS)) for f in files), flush=True)


if __name__ == "__main__":
    main()
