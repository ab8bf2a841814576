"""What the tests know about the course: its assignments and notebook paths."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from autograder.authoring import strip_solution_markers
from autograder.keys import solution_cells

from autograder.course import NOTEBOOKS, SOLUTIONS, assignments

ASSIGNMENTS = assignments()


def solution_path(name: str) -> Path:
    return SOLUTIONS / name / f"{name}.ipynb"


def student_path(name: str) -> Path:
    return NOTEBOOKS / name / f"{name}.ipynb"


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def answered(name: str, wrong: str | None = None, patch: str = "") -> nbformat.NotebookNode:
    """The student notebook with every exercise answered as the solution does, except
    ``wrong``, whose function returns a plausible but wrong number, or is redefined by
    ``patch`` (code appended to its cell) when one is given."""
    nb = copy.deepcopy(read(student_path(name)))
    solutions = solution_cells(name)
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in solutions and nbgrader_meta(cell).get("solution"):
            cell.source = strip_solution_markers(solutions[gid])
            if gid == wrong:
                cell.source += "\n\n" + (patch or (
                    f"_right_{wrong} = {wrong}\n"
                    f"def {wrong}(*args, **kwargs):\n"
                    f"    return 0.5 * _right_{wrong}(*args, **kwargs) + 0.01\n"))
    return nb
