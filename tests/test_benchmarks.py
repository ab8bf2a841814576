"""The README's benchmark commands run and print their tables (on tiny sizes here).

Timings are not asserted: they belong to the benchmark's own output, read side by side.
What is asserted is that each command works as the README writes it and reports every row.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NUMBER = r"[\d,]+(?:\.\d+)?"

pytestmark = pytest.mark.slow


def run_benchmark(script: str, *args: str, timeout: int = 300) -> str:
    out = subprocess.run([sys.executable, f"benchmarks/{script}", *args], cwd=REPO,
                         capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{script} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out.stdout


def test_bench_notebooks_prints_time_and_memory_per_mode():
    text = run_benchmark("bench_notebooks.py", "06_which_goal", "--modes", "grading")
    row = re.search(rf"^06_which_goal\s+grading\s+({NUMBER})\s+({NUMBER})\s+(\d+)$", text, re.M)
    assert row, text
    seconds, peak_mb, errors = float(row[1]), float(row[2]), int(row[3])
    assert seconds > 0 and peak_mb > 50 and errors == 0


def test_bench_rl_prints_every_measure():
    text = run_benchmark("bench_rl.py", "--seeds", "1", "--env-steps", "500", "--sweep-frames", "16384")
    for measure in ("env steps/s: fast full-grid one-hot", "env steps/s: MiniGrid default",
                    "fast / MiniGrid default", "PPO frames/s, MLP policy", "PPO frames/s, CNN policy",
                    "seed 0: seconds to 95 % success", "seconds to 95 % success over 1 seeds",
                    "PPO frames/s, sweep recipe (CNN)", "seconds to train one sweep point (20 %)",
                    "projected sweep,"):
        assert re.search(re.escape(measure) + rf".*?\s({NUMBER})", text), f"no {measure!r} row:\n{text}"


def test_bench_grader_grades_with_both_graders_side_by_side():
    text = run_benchmark("bench_grader.py", "--toy", "-n", "3", "--workers", "2")
    nbgrader = re.search(rf"plain serial nbgrader autograde :\s+({NUMBER}) s", text)
    ours = re.search(rf"this grader, sandboxed \(bwrap\)  :\s+({NUMBER}) s", text)
    ratio = re.search(rf"speed-up\s+:\s+({NUMBER})x", text)
    assert nbgrader and ours and ratio, text
    # The printed times are rounded to 0.1 s: the printed ratio agrees with them to that precision.
    assert math.isclose(float(nbgrader[1]) / float(ours[1]), float(ratio[1]), rel_tol=0.1)
    assert "graded 3 submissions, 0 flagged" in text
