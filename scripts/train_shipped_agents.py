"""Train the shipped corner-level agents into gmlib/rl/checkpoints/.

    PYTHONPATH=. python scripts/train_shipped_agents.py            # all of them, 2 processes
    PYTHONPATH=. python scripts/train_shipped_agents.py --only 0.2 # one fraction

Each agent's configuration comes from gmlib.rl.agents.shipped_config, and training is seeded,
so on one machine a rerun writes the same weights. Checkpoints that already exist are kept (and
only evaluated) unless --force is given. A manifest (manifest.json), rewritten after every
agent, records for each checkpoint its training time (wall-clock and CPU seconds) and a quick
evaluation: 300 sampled episodes on its own training distribution and 300 on test levels (the
corner not ending the episode, levels with the goal on a shortest path to the corner left out;
the manifest says how many). At the end the script names every agent that solves less than
95 % of its own training distribution, and prints the total time.

All 45 agents take about 35 minutes on two idle cores (benchmarks/bench_rl.py projects it for
the machine it runs on).
"""

from __future__ import annotations

import argparse
import json
import time
from multiprocessing import Pool
from pathlib import Path

import torch

from gmlib.rl.agents import (CHECKPOINT_DIR, SHIPPED_SEEDS, checkpoint_path, own_training_levels,
                             shipped_config, sweep_test_levels)
from gmlib.rl.evaluation import summarize
from gmlib.rl.ppo import PPOAgent, train

OWN_SUCCESS = 0.95  # every agent should solve this much of its own training distribution


def train_one(job: tuple[float, int, bool, str | None]) -> dict:
    fraction, seed, force, out = job
    torch.set_num_threads(1)  # several processes share the cores; threads would only fight
    start, cpu = time.perf_counter(), time.process_time()
    path = checkpoint_path(fraction, seed)
    if out is not None:
        path = Path(out) / path.name
    trained = force or not path.exists()
    if trained:
        train(shipped_config(fraction, seed), progress=False).save(path)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    loaded = PPOAgent.load(path)  # evaluate what ships (float16 weights)
    result = {
        "file": path.name, "fraction": fraction, "seed": seed, "bytes": path.stat().st_size,
        "frames": loaded.log[-1]["frames"],
        "training_levels": summarize(own_training_levels(loaded, 300, seed=10_000)),
        "test_levels": summarize(sweep_test_levels(loaded, 300, seed=10_000)),
    }
    if trained:
        result.update(seconds=round(seconds, 1), cpu_seconds=round(cpu_seconds, 1))
    print(f"{path.name}: {seconds:.0f} s ({cpu_seconds:.0f} s CPU), own training levels goal "
          f"{result['training_levels']['goal']:.2f}, test goal {result['test_levels']['goal']:.2f} "
          f"corner {result['test_levels']['proxy']:.2f}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    parser.add_argument("--only", type=float, action="append", help="train only this fraction (repeatable)")
    parser.add_argument("--seed", type=int, action="append", help="train only this seed (repeatable)")
    parser.add_argument("--force", action="store_true", help="retrain agents whose checkpoint exists")
    parser.add_argument("--out", help="write checkpoints and manifest here instead of the package")
    args = parser.parse_args()
    # Seed-major order: every fraction gets seed 0 before any gets seed 1, so that an
    # interrupted run still leaves a usable sweep.
    jobs = sorted(((f, s, args.force, args.out) for f, seeds in SHIPPED_SEEDS.items() for s in seeds
                   if (args.only is None or any(abs(f - o) < 1e-9 for o in args.only))
                   and (args.seed is None or s in args.seed)),
                  key=lambda job: (job[1], job[0]))
    if not jobs:
        parser.error(f"no shipped fraction matches {args.only}; fractions: {list(SHIPPED_SEEDS)}")
    manifest_path = (Path(args.out) if args.out else CHECKPOINT_DIR) / "manifest.json"
    start, short = time.perf_counter(), []
    with Pool(args.jobs) as pool:
        for result in pool.imap_unordered(train_one, jobs, chunksize=1):
            # Re-read before writing: another run (other fractions) may have added entries.
            manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
            if "seconds" not in result and result["file"] in manifest:  # kept: keep its times
                for k in ("seconds", "cpu_seconds"):
                    if k in manifest[result["file"]]:
                        result[k] = manifest[result["file"]][k]
            manifest[result["file"]] = result
            manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")
            if result["training_levels"]["goal"] < OWN_SUCCESS:
                short.append(result["file"])
    print(f"{len(jobs)} agents in {time.perf_counter() - start:.0f} s with {args.jobs} processes")
    if short:
        print(f"below {OWN_SUCCESS:.0%} success on their own training distribution: {', '.join(sorted(short))}")
    else:
        print(f"every agent solves at least {OWN_SUCCESS:.0%} of its own training distribution")


if __name__ == "__main__":
    main()
