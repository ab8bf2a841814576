"""What the tests know about the course: its assignments and notebook paths."""

from __future__ import annotations

from pathlib import Path

import nbformat

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
