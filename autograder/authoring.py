"""Build nbgrader source notebooks cell by cell.

Solution notebooks in ``solutions/`` are the single source of truth. These helpers give
each kind of cell the nbgrader metadata it needs, so that an author (or a script that
edits a notebook) cannot get the metadata subtly wrong:

- ``markdown(text)`` and ``code(src)``: ordinary cells students may edit;
- ``readonly(cell_id, src)``: a locked cell (set-up code students must not change);
- ``solution(cell_id, src)``: an exercise; code between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` is replaced by ``raise NotImplementedError()`` for students;
- ``tests(cell_id, src, points)``: a locked, graded test cell; lines between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are removed for students.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

SCHEMA_VERSION = 3


def _clean(src: str) -> str:
    return textwrap.dedent(src).strip("\n")


def _nbgrader(cell_id: str, *, grade: bool, solution: bool, locked: bool,
              points: float | None = None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": cell_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return meta


def strip_solution_markers(src: str) -> str:
    """A solution cell's source as a student would write it: the markers removed."""
    return "\n".join(line for line in _clean(src).splitlines()
                     if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def markdown(text: str) -> NotebookNode:
    return new_markdown_cell(_clean(text))


def code(src: str) -> NotebookNode:
    return new_code_cell(_clean(src))


def readonly(cell_id: str, src: str) -> NotebookNode:
    cell = new_code_cell(_clean(src))
    cell.metadata["nbgrader"] = _nbgrader(cell_id, grade=False, solution=False, locked=True)
    cell.metadata["editable"] = False
    cell.metadata["deletable"] = False
    return cell


def solution(cell_id: str, src: str) -> NotebookNode:
    body = _clean(src)
    if "### BEGIN SOLUTION" not in body:
        raise ValueError(f"solution cell {cell_id!r} has no '### BEGIN SOLUTION' marker")
    cell = new_code_cell(body)
    cell.metadata["nbgrader"] = _nbgrader(cell_id, grade=False, solution=True, locked=False)
    return cell


def tests(cell_id: str, src: str, points: float) -> NotebookNode:
    cell = new_code_cell(_clean(src))
    cell.metadata["nbgrader"] = _nbgrader(cell_id, grade=True, solution=False, locked=True,
                                          points=points)
    cell.metadata["editable"] = False
    cell.metadata["deletable"] = False
    return cell


def notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    nb.metadata["language_info"] = {"name": "python"}
    ids = [c.metadata["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c.metadata]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"duplicate nbgrader cell ids: {sorted(dupes)}")
    return nb


def write(nb: NotebookNode, path: str | Path) -> Path:
    """Write a notebook without outputs, validated, with a trailing newline."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
    return path
