"""A small nbgrader course built with ``autograder.authoring``: three graded pure functions.

The real notebooks live on other branches; the grader is tested on this one, which has the
same shape (locked imports, solution cells, test cells with visible and hidden asserts).
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder import authoring as A

ASSIGNMENT = "01_toy"
POINTS = {"test_mean_abs": 2, "test_accuracy": 3, "test_normalize": 1}
TOTAL = sum(POINTS.values())

CORRECT = {
    "mean_abs": '''
def mean_abs(x):
    """Mean absolute value of an array."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        raise ValueError("mean_abs of an empty array")
    return float(np.mean(np.abs(x)))
    ### END SOLUTION
''',
    "accuracy": '''
def accuracy(predictions, labels):
    """Fraction of predictions equal to labels."""
    ### BEGIN SOLUTION
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if predictions.shape != labels.shape:
        raise ValueError(f"{predictions.shape} predictions but {labels.shape} labels")
    return float(np.mean(predictions == labels))
    ### END SOLUTION
''',
    "normalize": '''
def normalize(x):
    """Zero mean, unit standard deviation."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    return (x - x.mean()) / x.std()
    ### END SOLUTION
''',
}

TESTS = {
    "test_mean_abs": '''
assert np.isclose(mean_abs(np.array([1.0, -3.0])), 2.0), "mean_abs([1, -3]) should be 2"
### BEGIN HIDDEN TESTS
assert np.isclose(mean_abs(np.array([-2.0, -2.0, 5.0])), 3.0), "hidden: all negative"
### END HIDDEN TESTS
''',
    "test_accuracy": '''
assert np.isclose(accuracy(np.array([1, 0, 1]), np.array([1, 1, 1])), 2 / 3), "2 of 3 right"
### BEGIN HIDDEN TESTS
assert accuracy(np.array([0, 0]), np.array([0, 0])) == 1.0, "hidden: all right"
try:
    accuracy(np.array([0, 1]), np.array([0]))
    raise AssertionError("hidden: mismatched lengths should raise ValueError")
except ValueError:
    pass
### END HIDDEN TESTS
''',
    "test_normalize": '''
assert np.allclose(normalize(np.array([1.0, 3.0])), [-1.0, 1.0]), "normalize([1, 3]) is [-1, 1]"
### BEGIN HIDDEN TESTS
assert np.allclose(normalize(np.array([2.0, 4.0, 6.0])).std(), 1.0), "hidden: unit std"
### END HIDDEN TESTS
''',
}

# The checks spec of the toy assignment (what autograder/checks/<assignment>.py holds).
SPEC = '''
import numpy as np
from autograder.checks import Case, Check

SETUP = ["imports"]

def _arrays(rng):
    return [Case(rng.normal(size=n)) for n in (2, 5, 50)]

def _accuracy_cases(rng):
    p = rng.integers(0, 2, size=40)
    return [Case(p, rng.integers(0, 2, size=40)), Case(p, p),
            Case(p, p[:-1], note="predictions and labels of different lengths")]

CHECKS = [
    Check(test="test_mean_abs", function="mean_abs",
          cases=[Case(np.array([1.0, -3.0]), visible=True), _arrays,
                 Case(np.array([]), note="an empty array")]),
    Check(test="test_accuracy", function="accuracy", cases=_accuracy_cases, compare="exact"),
    Check(test="test_normalize", function="normalize",
          cases=[Case(np.array([1.0, 3.0]), visible=True), _arrays]),
]
'''


def source_notebook(solutions: dict[str, str] | None = None) -> NotebookNode:
    """The instructor notebook; ``solutions`` overrides solution-cell sources by function."""
    bodies = {**CORRECT, **(solutions or {})}
    cells = [A.markdown("# 01 · Toy\n\nThree small graded functions."),
             A.readonly("imports", "import numpy as np")]
    for fn, test in zip(CORRECT, TESTS):
        cells.append(A.markdown(f"### Exercise: {fn}"))
        cells.append(A.solution(fn, bodies[fn]))
        cells.append(A.tests(test, TESTS[test], POINTS[test]))
    return A.notebook(cells)


_BUILT: dict[str, Path] = {}


def build_course(tmp: Path) -> dict[str, Path]:
    """Write solutions/, the checks spec and the generated student notebook under ``tmp``.

    nbgrader's generation takes seconds, so it runs once per process; later courses are
    copies of the first.
    """
    from autograder.generate import generate

    tmp = Path(tmp)
    if "first" in _BUILT:
        shutil.copytree(_BUILT["first"], tmp, dirs_exist_ok=True)
    else:
        A.write(source_notebook(), tmp / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
        (tmp / "checks").mkdir(parents=True, exist_ok=True)
        (tmp / "checks" / f"{ASSIGNMENT}.py").write_text(SPEC)
        generate([ASSIGNMENT], solutions=tmp / "solutions", release=tmp / "notebooks")
        _BUILT["first"] = tmp
    release = tmp / "notebooks"
    return {"solutions": tmp / "solutions", "release": release, "checks": tmp / "checks",
            "student": release / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"}


def student_notebook(release_nb: Path) -> NotebookNode:
    return nbformat.read(str(release_nb), as_version=4)


def answer(release_nb: Path, **bodies: str) -> NotebookNode:
    """The student notebook with the given solution cells (function name -> source) filled in.

    A function given as ``True`` gets the correct solution.
    """
    nb = copy.deepcopy(student_notebook(release_nb))
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in bodies:
            body = bodies[gid]
            cell.source = (A.strip_solution_markers(CORRECT[gid]) if body is True
                           else A._clean(body))
    return nb


def correct(release_nb: Path) -> NotebookNode:
    return answer(release_nb, **{fn: True for fn in CORRECT})

