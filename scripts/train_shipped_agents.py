"""Train the shipped corner-level agents into gmlib/rl/checkpoints/.

    PYTHONPATH=. python scripts/train_shipped_agents.py            # all of them, 2 processes
    PYTHONPATH=. python scripts/train_shipped_agents.py --only 0.2 # one fraction

Each agent's configuration comes from gmlib.rl.agents.shipped_config, and training is seeded,
so on one machine a rerun writes the same weights. Checkpoints that already exist are kept (and
only evaluated) unless --force is given. A manifest (manifest.json), rewritten after every
agent, records for each checkpoint a quick evaluation: 300 sampled episodes on its training
distribution and 300 on test levels.
"""

from __future__ import annotations

import argparse
import json
import time
from multiprocessing import Pool

import torch

from gmlib.rl.agents import CHECKPOINT_DIR, SHIPPED_SEEDS, checkpoint_path, shipped_config
from gmlib.rl.evaluation import evaluate, summarize
from gmlib.rl.ppo import PPOAgent, train


def train_one(job: tuple[float, int, bool]) -> dict:
    fraction, seed, force = job
    torch.set_num_threads(1)  # several processes share the cores; threads would only fight
    start = time.perf_counter()
    path = checkpoint_path(fraction, seed)
    if force or not path.exists():
        train(shipped_config(fraction, seed), progress=False).save(path)
    loaded = PPOAgent.load(path)  # evaluate what ships (float16 weights)
    result = {
        "file": path.name, "fraction": fraction, "seed": seed,
        "seconds": round(time.perf_counter() - start, 1), "bytes": path.stat().st_size,
        "training_levels": summarize(evaluate(loaded, "gmlib/CornerLevel-v0", 300, seed=10_000,
                                              randomize_fraction=fraction)),
        "test_levels": summarize(evaluate(loaded, "gmlib/CornerLevelTest-v0", 300, seed=10_000)),
    }
    print(f"{path.name}: {result['seconds']} s, train goal {result['training_levels']['goal']:.2f}, "
          f"test goal {result['test_levels']['goal']:.2f} proxy {result['test_levels']['proxy']:.2f}",
          flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2, help="parallel processes (default 2)")
    parser.add_argument("--only", type=float, action="append", help="train only this fraction (repeatable)")
    parser.add_argument("--seed", type=int, action="append", help="train only this seed (repeatable)")
    parser.add_argument("--force", action="store_true", help="retrain agents whose checkpoint exists")
    args = parser.parse_args()
    # Seed-major order: every fraction gets seed 0 before any gets seed 1, so that an
    # interrupted run still leaves a usable sweep.
    jobs = sorted(((f, s, args.force) for f, seeds in SHIPPED_SEEDS.items() for s in seeds
                   if (args.only is None or any(abs(f - o) < 1e-9 for o in args.only))
                   and (args.seed is None or s in args.seed)),
                  key=lambda job: (job[1], job[0]))
    if not jobs:
        parser.error(f"no shipped fraction matches {args.only}; fractions: {list(SHIPPED_SEEDS)}")
    manifest_path = CHECKPOINT_DIR / "manifest.json"
    with Pool(args.jobs) as pool:
        for result in pool.imap_unordered(train_one, jobs, chunksize=1):
            # Re-read before writing: another run (other fractions) may have added entries.
            manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
            manifest[result["file"]] = result
            manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")


if __name__ == "__main__":
    main()
