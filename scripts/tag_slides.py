"""Tag the cells of the solution notebooks for reveal.js slides (``metadata.slideshow``).

    .venv/bin/python scripts/tag_slides.py          # tag every solution notebook
    .venv/bin/python scripts/tag_slides.py 04_classifiers_to_agents

then regenerate the student notebooks (``python -m autograder generate``; nbgrader keeps the
tags, so both versions carry the same ones) and build the decks with
``scripts/build_slides.py``.

Each cell gets the standard ``slide_type`` of Jupyter's slideshow: "slide", "subslide",
"fragment", "-" (continue the current slide), "skip" or "notes". The rules, in order:

* exercise cells, test cells and locked set-up cells (imports, copies of an earlier
  notebook's metrics) are skipped: a deck never shows a solution, a hidden test or set-up code;
* the per-notebook choices in ``CHOICES`` below, keyed by cell id;
* a markdown cell that opens with a ``#`` or ``##`` heading starts a slide; any other
  markdown cell starts a subslide (reveal.js stacks those under the slide);
* a code cell that shows something (a plot, a printout) continues the slide before it; one
  that only defines things is skipped.

The decks show the results of code cells, not the code (``build_slides.py --show-code``
shows it), so a code cell's type decides only where its plot or printout appears. Run this
again after adding cells to a notebook: it is idempotent and prints what it changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.authoring import write  # noqa: E402
from autograder.course import SOLUTIONS, assignments  # noqa: E402

SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")

# Where the rules above are not what a presenter wants. "fragment" on a result after a
# "write down your prediction" prompt makes the deck pause until the next key press.
CHOICES: dict[str, dict[str, str]] = {
    "01_red_door": {
        "cell-03": "subslide",   # the training tiles, below a long set-up text
        "cell-05": "skip",       # the loss curve: training went fine, nothing to discuss
        "cell-06": "fragment",   # the accuracies, revealed after the prediction prompt
    },
    "02_measuring_proxies": {
        "cell-17": "subslide",   # original, recoloured and reshaped tiles, and the flip rates
        "cell-23": "-",          # the metric curves against the correlation (its slider is
                                 # left out of a static deck by build_slides.py)
    },
    "03_fixing_the_classifier": {
        "nb03-cell02": "skip",   # "Notebook 02's metrics (read-only copy)": housekeeping
        "nb03-cell04": "skip",   # introduces the locked `measure` helper
        "nb03-hint-weights": "skip",  # the exercises' hints: for students, not for a deck
        "nb03-hint-mix": "skip",
        "nb03-hint-fit": "skip",
    },
    "04_classifiers_to_agents": {
        "d603d468": "fragment",  # the test levels, revealed after the prediction prompt
        "9995ce7b": "notes",     # what the record's fields mean: for questions, not the screen
        "7e4965e1": "subslide",  # the capability histogram, on its own below the exercise text
        "8c6417cc": "fragment",  # "efficient on the way to the wrong place", under the histogram
        "a5f7eed5": "subslide",  # the 2x2 plot of the four agents
    },
    "05_diversity_sweep": {
        "e467af1c": "subslide",  # every shipped agent's test outcomes
        "aefdf645": "notes",     # the optional live-training cell: a facilitator's aside
        "9609396e": "skip",      # the live-training code (off by default)
        "1eefcb97": "skip",      # the bootstrap recipe: an implementation detail on a slide
        "nb05-hint1": "skip",    # ... and the hints to it, skipped with it
        "c0e11f00": "subslide",  # the summary table
        "4a7f487b": "subslide",  # the sweep plot with confidence intervals
    },
    "06_which_goal": {
        "cbd2b0b3": "subslide",  # posteriors per agent: histogram and printout
        "maze0nearsum": "fragment",  # "They are not lost": under the time-out distances
    },
    "07_inner_alignment": {
        "nb07-cell02": "skip",   # "Notebook 04's metrics (read-only copy)": housekeeping
        "nb07-cell12": "-",      # both planners on training levels (printed by `report`)
        "nb07-cell14": "fragment",  # the test levels, revealed after "the goal moves"
        "nb07-cell16": "subslide",  # PPO against the planners: bars and trajectories
    },
}

# A code cell whose source holds one of these shows something when it runs.
_SHOWS = ("plt.show(", "print(", "show(", "display(")


def rule(cell) -> str:
    """The slide type the general rules give ``cell`` (no per-notebook choice)."""
    nbgrader = cell.metadata.get("nbgrader", {})
    if nbgrader.get("solution") or nbgrader.get("grade") or nbgrader.get("locked"):
        return "skip"
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        return "slide" if first.startswith(("# ", "## ")) else "subslide"
    if cell.cell_type == "code":
        return "-" if any(s in cell.source for s in _SHOWS) else "skip"
    return "skip"


def slide_type(name: str, cell) -> str:
    nbgrader = cell.metadata.get("nbgrader", {})
    if nbgrader.get("solution") or nbgrader.get("grade") or nbgrader.get("locked"):
        return "skip"  # no choice can show an exercise, a test or set-up code
    return CHOICES.get(name, {}).get(cell.get("id"), rule(cell))


def tag(name: str, solutions: Path = SOLUTIONS) -> list[str]:
    """Tag one solution notebook in place; return a line per cell whose type changed."""
    path = solutions / name / f"{name}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    ids = {c.get("id") for c in nb.cells}
    unknown = set(CHOICES.get(name, {})) - ids
    if unknown:
        raise SystemExit(f"{name}: CHOICES names cells that are not in the notebook: "
                         f"{sorted(unknown)}")
    changes = []
    for i, cell in enumerate(nb.cells):
        wanted = slide_type(name, cell)
        assert wanted in SLIDE_TYPES, wanted
        old = cell.metadata.get("slideshow", {}).get("slide_type")
        if old != wanted:
            cell.metadata["slideshow"] = {"slide_type": wanted}
            changes.append(f"  cell {i} ({cell.get('id')}): {old or 'untagged'} -> {wanted}")
    if changes:
        write(nb, path)
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    args = parser.parse_args(argv)
    for name in args.assignments or assignments():
        changes = tag(name)
        print(f"{name}: {len(changes)} cells changed")
        for line in changes:
            print(line)
    print("now run `python -m autograder generate` to carry the tags into notebooks/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
