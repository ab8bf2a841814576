"""Answer keys: the graded functions as the solution notebooks define them.

The key for an assignment is the code of its solution cells, taken from
``solutions/<assignment>/<assignment>.ipynb`` and executed in a fresh namespace in the
grader's own process. Students' code never runs here, and nothing a student imports can
reach this module's results: the solutions folder is not part of what students receive.

Convention (see docs/AUTHORING.md): each solution cell imports what it needs, so it runs on
its own without the notebook's other cells.
"""

from __future__ import annotations

import types
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"


def solution_notebook(assignment: str, solutions: Path = SOLUTIONS) -> Path:
    path = solutions / assignment / f"{assignment}.ipynb"
    if not path.exists():
        known = sorted(p.name for p in solutions.iterdir() if p.is_dir()) if solutions.exists() else []
        raise FileNotFoundError(f"no solution notebook for assignment {assignment!r} at {path}; "
                                f"known assignments: {known}")
    return path


def solution_cells(assignment: str, solutions: Path = SOLUTIONS) -> dict[str, str]:
    """grade_id -> source of every solution cell, in notebook order."""
    nb = nbformat.read(str(solution_notebook(assignment, solutions)), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def answer_key(assignment: str, solutions: Path = SOLUTIONS,
               prelude: dict[str, str] | None = None) -> types.ModuleType:
    """A module whose attributes are the functions the solution cells define.

    ``prelude`` (grade id -> source) runs first: the locked set-up cells (imports) that a
    checks spec names, for solution cells that rely on them.
    """
    module = types.ModuleType(f"answer_key_{assignment}")
    for grade_id, src in (prelude or {}).items():
        exec(compile(src, f"<set-up {assignment}:{grade_id}>", "exec"), module.__dict__)
    for grade_id, src in solution_cells(assignment, solutions).items():
        code = compile(src, f"<solution {assignment}:{grade_id}>", "exec")
        exec(code, module.__dict__)
    return module
