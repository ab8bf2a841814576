"""Time and peak memory of executing each course notebook, in default and grading mode.

    .venv/bin/python benchmarks/bench_notebooks.py [assignment ...] [--modes default,grading]

Each notebook runs in a fresh Jupyter kernel; peak memory is the kernel's maximum resident
set size, read from the kernel process itself at the end of the run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.course import SOLUTIONS, assignments  # noqa: E402
from autograder.execute import execute  # noqa: E402

PEAK_RSS = ("import resource, sys; "
            "print('PEAK_RSS_MB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def run(name: str, grading: bool) -> tuple[float, float, int]:
    source = SOLUTIONS / name / f"{name}.ipynb"
    nb = nbformat.read(str(source), as_version=4)
    nb.cells.append(new_code_cell(PEAK_RSS))
    probe = source.with_name(f".bench-{name}.ipynb")
    nbformat.write(nb, str(probe))
    try:
        result = execute(probe, grading=grading, allow_errors=True)
    finally:
        probe.unlink()
    text = "".join(o.get("text", "") for o in result.notebook.cells[-1].outputs)
    peak = float(text.split("PEAK_RSS_MB")[1]) if "PEAK_RSS_MB" in text else float("nan")
    return result.seconds, peak, len(result.errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*")
    parser.add_argument("--modes", default="default,grading")
    args = parser.parse_args()
    names = args.assignments or assignments()
    modes = args.modes.split(",")
    print(f"{'notebook':28} {'mode':8} {'seconds':>8} {'peak MB':>8} {'errors':>6}")
    for name in names:
        for mode in modes:
            seconds, peak, errors = run(name, grading=(mode == "grading"))
            print(f"{name:28} {mode:8} {seconds:8.1f} {peak:8.0f} {errors:6d}", flush=True)


if __name__ == "__main__":
    main()
