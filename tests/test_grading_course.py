"""The course's own graded notebooks, graded end to end: a fully correct submission, a blank
one, and one with a single wrong function score full, zero, and full minus that question,
both in nbgrader's in-kernel grading and in the out-of-kernel re-check."""

from __future__ import annotations

import csv

import nbformat
import pytest

from autograder.checks import load_spec
from autograder.__main__ import main
from autograder.keys import solution_cells
from tests.course import ASSIGNMENTS, answered as _answered, nbgrader_meta, read, student_path


def _has_spec(name: str) -> bool:
    try:
        load_spec(name)
    except (FileNotFoundError, ValueError):
        return False
    return True


GRADED = [name for name in ASSIGNMENTS if _has_spec(name)]
# nbgrader's in-kernel run executes the whole notebook three times; doing that for 02 and for
# 09 (whose notebook trains transformers even under the grader) shows the two graders agree.
# For the others, that a solution notebook passes its own tests and a blank one fails each is
# shown by tests/test_course_notebooks.py.
IN_KERNEL = {"02_measuring_proxies", "09_suggested_answers"}


@pytest.mark.slow
@pytest.mark.skipif(not GRADED, reason="no assignment has a checks spec yet")
@pytest.mark.parametrize("name", GRADED)
def test_correct_blank_and_one_wrong_submissions_score_as_they_should(name, tmp_path, capsys):
    spec = load_spec(name)
    points = {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
              for c in read(student_path(name)).cells if nbgrader_meta(c).get("grade")}
    total = sum(points.values())
    wrong = next(c for c in spec.checks if c.function in solution_cells(name))
    subs = tmp_path / "submitted"
    subs.mkdir()
    nbformat.write(_answered(name), str(subs / "correct.ipynb"))
    nbformat.write(read(student_path(name)), str(subs / "blank.ipynb"))
    nbformat.write(_answered(name, wrong=wrong.function), str(subs / "one_wrong.ipynb"))

    # The instructor's command, as README.md gives it.
    root = tmp_path / "grading"
    in_kernel_too = name in IN_KERNEL
    assert main(["autograde", name, str(subs), "--course-root", str(root), "--seed", "0",
                 *([] if in_kernel_too else ["--no-inkernel"])]) == 0

    rows = {r["student"]: r for r in csv.DictReader((root / "exports" / f"{name}.csv").open())}
    expected = {"correct": total, "blank": 0.0, "one_wrong": total - points[wrong.test]}
    assert {s: float(r["score"]) for s, r in rows.items()} == expected, rows
    # What README.md's worked example says the command prints and writes.
    printed = capsys.readouterr().out.splitlines()
    for student, score in expected.items():
        assert any(line.startswith(f"{student}\t{score:g}/{total:g}") for line in printed), printed
    columns = set(next(iter(rows.values())))
    assert {"score", "nbgrader_score", "flagged", *points} <= columns, columns
    if in_kernel_too:
        in_kernel = {s: float(r["nbgrader_score"]) for s, r in rows.items()}
        assert in_kernel == expected, f"nbgrader's own grading disagrees: {rows}"
        assert not any(r["flagged"] for r in rows.values()), rows
    for student in expected:
        feedback = root / "feedback" / student / name / f"{name}.html"
        assert feedback.exists(), f"no feedback for {student}"

    assert main(["export", name, "--course-root", str(root)]) == 0
    gradebook = {r["student_id"]: float(r["score"]) for r in csv.DictReader(
        (root / "exports" / f"{name}_gradebook.csv").open())}
    assert gradebook == expected, gradebook


@pytest.mark.slow
@pytest.mark.skipif("05_diversity_sweep" not in GRADED, reason="notebook 05 has no checks spec")
def test_the_recheck_holds_a_function_to_the_types_its_notebook_promises(tmp_path):
    """Notebook 05 asks for a tuple from bootstrap_ci and any iterable into summary_table;
    the re-check sends the runs as a one-pass iterator and tells a list from a tuple."""
    name = "05_diversity_sweep"
    points = {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
              for c in read(student_path(name)).cells if nbgrader_meta(c).get("grade")}
    total = sum(points.values())
    subs = tmp_path / "submitted"
    subs.mkdir()
    nbformat.write(_answered(name, "bootstrap_ci", patch=(
        "_tuple_ci = bootstrap_ci\n"
        "def bootstrap_ci(*args, **kwargs):\n"
        "    return list(_tuple_ci(*args, **kwargs))\n")), str(subs / "list_ci.ipynb"))
    nbformat.write(_answered(name, "summary_table", patch=(
        "_any_iterable = summary_table\n"
        "def summary_table(runs, *args, **kwargs):\n"
        "    runs[:0]  # only a list or tuple can do this\n"
        "    return _any_iterable(runs, *args, **kwargs)\n")), str(subs / "needs_list.ipynb"))
    root = tmp_path / "grading"
    assert main(["autograde", name, str(subs), "--course-root", str(root), "--seed", "0",
                 "--no-inkernel"]) == 0
    rows = {r["student"]: r for r in csv.DictReader((root / "exports" / f"{name}.csv").open())}
    assert {s: float(r["score"]) for s, r in rows.items()} == {
        "list_ci": total - points["test_bootstrap_ci"],
        "needs_list": total - points["test_summary_table"]}, rows
    feedback = (root / "feedback" / "list_ci" / name / f"{name}.html").read_text()
    assert "returned a list of length 2, expected a tuple of length 2" in feedback
