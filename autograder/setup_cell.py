"""The set-up cell that opens every notebook, so that it runs on Colab as it is.

This file is the one place that says where the course package is installed from. The cell
installs the package from its source repository (never PyPI's unrelated ``gmlib``) when
``gmlib`` is not importable, which is the case on Colab and in any fresh environment; it
leaves torch alone where one is installed (Colab ships one), and does nothing on a second
run. ``python -m autograder sync-setup-cells`` writes the cell into every solution notebook;
a test checks that each notebook's first code cell is exactly this one. The same command
points the Colab badges of the course overview (docs/COURSE.md) at ``COURSE_REPOSITORY``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .authoring import readonly, write
from .course import REPO, SOLUTIONS, assignments

COURSE_REPOSITORY = "gm-course/goal-misgeneralization-course"  # owner/name on GitHub
COURSE_SOURCE = f"git+https://github.com/{COURSE_REPOSITORY}"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
CELL_ID = "course_setup"

CELL_SOURCE = f'''\
# Set-up: installs the course package when it is missing (Colab, a fresh environment).
# Safe to run again; set GM_COURSE_SOURCE to install from another copy of the course.
import importlib.util, os, subprocess, sys
IN_COLAB = "google.colab" in sys.modules
if importlib.util.find_spec("gmlib") is None:
    source = os.environ.get("GM_COURSE_SOURCE", "{COURSE_SOURCE}")
    print(f"Installing the course package from {{source}} ...", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source], check=True)
    importlib.invalidate_caches()'''


def colab_url(assignment: str) -> str:
    """Where Colab opens the student notebook of ``assignment`` from the course repository."""
    return (f"https://colab.research.google.com/github/{COURSE_REPOSITORY}/blob/main/"
            f"notebooks/{assignment}/{assignment}.ipynb")


def colab_badge(assignment: str) -> str:
    """A Markdown 'Open in Colab' badge for the course overview."""
    return f"[![Open in Colab]({COLAB_BADGE})]({colab_url(assignment)})"


def sync(solutions: Path = SOLUTIONS) -> list[Path]:
    """Make the set-up cell the first code cell of every solution notebook."""
    changed = []
    for name in assignments(solutions):
        path = solutions / name / f"{name}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != CELL_ID]
        first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
        setup = readonly(CELL_ID, CELL_SOURCE)
        setup.id = CELL_ID  # a stable id keeps diffs of the notebooks small
        cells.insert(first_code, setup)
        old = [(c.cell_type, c.source) for c in nb.cells]
        if old != [(c.cell_type, c.source) for c in cells]:
            nb.cells = cells
            write(nb, path)
            changed.append(path)
    return changed


_BADGE = re.compile(r"\[!\[Open in Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/"
                    r"[^)]*/notebooks/(?P<name>[^/)]+)/(?P=name)\.ipynb\)")


def sync_badges(overview: Path = REPO / "docs" / "COURSE.md") -> bool:
    """Point every Colab badge in ``overview`` at ``COURSE_REPOSITORY``; True if it changed."""
    text = overview.read_text()
    updated = _BADGE.sub(lambda m: colab_badge(m["name"]), text)
    if updated != text:
        overview.write_text(updated)
    return updated != text
