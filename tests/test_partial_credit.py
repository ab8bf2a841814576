"""Issue 13: a function that computes the right thing but skips one stated input rule fails
a visible check that names the rule, and the grader gives it partial, not zero, credit.

The variants are generated from the solution: each ``if ...: raise ValueError(...)`` of a
graded function is removed in turn, leaving the computation as it was. Where NumPy or
Python still raises a ValueError on every input that rule covers (``min`` of an empty
list does), the variant still obeys the rule: its visible checks pass and it earns full
marks, which the tests check too.
"""

from __future__ import annotations

import ast
import csv

import nbformat
import numpy as np
import pytest

from autograder.__main__ import main
from autograder.authoring import strip_solution_markers
from autograder.checks import load_spec
from autograder.keys import answer_key, solution_cells
from autograder.recheck import _live
from gmlib.selfcheck import difference

SEED = 3
from tests.course import ASSIGNMENTS, answered, nbgrader_meta, read, student_path


def _split(name: str) -> list:
    try:
        return [c for c in load_spec(name).checks if c.inputs_test]
    except (FileNotFoundError, ValueError):
        return []


SPLIT = {name: checks for name in ASSIGNMENTS if (checks := _split(name))}


def _rule_dropped(source: str, function: str) -> list[tuple[str, str]]:
    """(what was removed, the source without it) for each input rule of ``function``."""
    tree = ast.parse(source)
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    variants = []
    for node in ast.walk(fn):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for k, stmt in enumerate(block):
                raises = isinstance(stmt, ast.If) and len(stmt.body) == 1 and \
                    isinstance(stmt.body[0], ast.Raise) and "ValueError" in ast.unparse(stmt.body[0])
                if raises:
                    copy = ast.parse(source)
                    target = next(n for n in ast.walk(copy) if ast.dump(n) == ast.dump(node))
                    getattr(target, field).pop(k)
                    if not getattr(target, field):
                        getattr(target, field).append(ast.Pass())
                    variants.append((ast.unparse(stmt.test), ast.unparse(copy)))
    return variants


def _cells(name: str) -> dict[str, str]:
    return {nbgrader_meta(c)["grade_id"]: c.source for c in read(student_path(name)).cells
            if nbgrader_meta(c).get("grade")}


def _variants(name: str):
    solutions = solution_cells(name)
    for check in SPLIT[name]:
        source = strip_solution_markers(solutions[check.function])
        for k, (condition, variant) in enumerate(_rule_dropped(source, check.function)):
            yield check, f"{check.function}-{k}", condition, variant


CASES = [(name, *v) for name in SPLIT for v in _variants(name)]


def _with(name: str, variant: str) -> dict:
    """A namespace holding every solution function, one of them replaced by ``variant``."""
    namespace: dict = {}
    for source in solution_cells(name).values():
        exec(strip_solution_markers(source), namespace)
    exec(variant, namespace)
    return namespace


def _obeys(name: str, check, variant: str) -> bool:
    """Whether the variant still behaves like the key on every case the grader draws."""
    namespace = _with(name, variant)
    fn, key = namespace[check.function], getattr(answer_key(name), check.function)
    for case in check.draw(np.random.default_rng(SEED)):
        outcomes = []
        for f in (key, fn):
            try:
                outcomes.append(("value", f(*[_live(a) for a in case.args],
                                            **{k: _live(v) for k, v in case.kwargs.items()})))
            except Exception as err:  # noqa: BLE001  (any error is an outcome here)
                outcomes.append(("raises", [c.__name__ for c in type(err).__mro__]))
        (kind_key, want), (kind_fn, got) = outcomes
        if kind_key == "raises":
            if kind_fn != "raises" or want[0] not in got:
                return False
        elif kind_fn != "value" or difference(want, got, atol=check.atol, rtol=check.rtol):
            return False
    return True


@pytest.mark.skipif(not CASES, reason="no assignment grades its input rules apart")
@pytest.mark.parametrize("name,check,label,condition,variant", CASES,
                         ids=[c[2] for c in CASES])
def test_a_dropped_rule_fails_a_visible_check_that_names_it(name, check, label, condition,
                                                            variant):
    cells = _cells(name)
    namespace = _with(name, variant)
    exec(cells[check.test], dict(namespace))  # the computation's visible checks still pass
    if _obeys(name, check, variant):
        exec(cells[check.inputs_test], dict(namespace))  # NumPy or Python raise for it
        return
    with pytest.raises(AssertionError, match="rule not followed") as caught:
        exec(cells[check.inputs_test], dict(namespace))
    print(f"{label} without `if {condition}`: {caught.value}")


@pytest.mark.slow
@pytest.mark.skipif(not CASES, reason="no assignment grades its input rules apart")
@pytest.mark.parametrize("name", list(SPLIT))
def test_the_grader_gives_partial_credit_for_a_dropped_rule(name, tmp_path):
    points = {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
              for c in read(student_path(name)).cells if nbgrader_meta(c).get("grade")}
    total = sum(points.values())
    subs = tmp_path / "class"
    subs.mkdir()
    expected = {}
    for check, label, _, variant in _variants(name):
        nb = answered(name)
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade_id") == check.function:
                cell.source = variant
        nbformat.write(nb, str(subs / f"{label}.ipynb"))
        expected[label] = total if _obeys(name, check, variant) else \
            total - points[check.inputs_test]
    assert main(["autograde", name, str(subs), "--course-root", str(tmp_path / "root"),
                 "--seed", str(SEED), "--no-inkernel"]) == 0
    rows = {r["student"]: float(r["score"]) for r in
            csv.DictReader((tmp_path / "root" / "exports" / f"{name}.csv").open())}
    assert rows == expected
    partial = [s for s in rows.values() if 0 < s < total]
    assert len(partial) >= len(rows) - 2, rows  # nearly every dropped rule costs a part
