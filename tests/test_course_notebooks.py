"""Every notebook of the course: generated, committed clean, executed for real."""

from __future__ import annotations

import filecmp
import re

import pytest

from autograder.execute import execute
from autograder.generate import generate
from tests.course import (ASSIGNMENTS, nbgrader_meta, read, solution_path, student_path)

pytestmark = pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments in solutions/ yet")


def test_student_notebooks_are_exactly_what_nbgrader_generates(tmp_path):
    generate(ASSIGNMENTS, release=tmp_path)
    for name in ASSIGNMENTS:
        fresh, committed = tmp_path / name, student_path(name).parent
        compared = filecmp.dircmp(fresh, committed)
        assert not (compared.left_only or compared.right_only), (
            f"{name}: file lists differ; run `python -m autograder generate {name}`")
        for file in compared.common_files:
            assert (fresh / file).read_bytes() == (committed / file).read_bytes(), (
                f"notebooks/{name}/{file} is out of date with solutions/; "
                f"run `python -m autograder generate {name}` and commit the result")


@pytest.mark.parametrize("name", ASSIGNMENTS)
@pytest.mark.parametrize("which", ["solution", "student"])
def test_notebooks_are_committed_without_outputs(name, which):
    path = solution_path(name) if which == "solution" else student_path(name)
    dirty = [i for i, c in enumerate(read(path).cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert not dirty, f"{path} has outputs in cells {dirty}; clear them before committing"


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_notebook_runs_with_every_test_passing(name):
    # Default mode: what a student or a reading group gets, training for real.
    result = execute(solution_path(name), allow_errors=True)
    assert not result.errors, f"{name}: cells raised {result.errors}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_fails_only_at_the_exercises(name):
    nb = read(student_path(name))
    result = execute(student_path(name), grading=True, allow_errors=True)
    exercises = {i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("solution")}
    graded = {i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade")}
    errors = {i: (ename, value) for i, ename, value in result.errors}
    # An exercise cell defines a stub; calling it raises NotImplementedError. Every graded
    # test must fail that way on a blank notebook (or, where the test cell starts with a
    # gmlib.selfcheck check, with the check's AssertionError saying "not implemented yet"):
    # a test that passes without an answer gives free points, and one that fails otherwise
    # confuses the student.
    for i in graded:
        ename, value = errors.get(i, (None, None))
        assert ename == "NotImplementedError" or (
            ename == "AssertionError" and "not implemented yet" in (value or "")), (
            f"{name}: graded cell {i} should fail with NotImplementedError, or an "
            f"AssertionError saying 'not implemented yet', on a blank notebook, "
            f"got {errors.get(i)}")
    others = {i: e for i, e in errors.items() if i not in exercises | graded}
    assert not others, f"{name}: cells other than exercises and tests raised: {others}"


HEADING = re.compile(r"^# \d\d · .+", re.M)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_has_the_course_structure(name):
    """Learning objectives, time, readings, exercises with difficulty and time, recap,
    discussion questions (docs/AUTHORING.md)."""
    cells = read(solution_path(name)).cells
    first = cells[0].source
    assert cells[0].cell_type == "markdown" and HEADING.search(first), \
        f"{name}: the first cell must start with '# NN · Title'"
    for needle in ("## Learning objectives", "**Time:**", "## Readings"):
        assert needle in first, f"{name}: the first cell lacks {needle!r}"
    markdown = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    for needle in ("## Recap", "## Discussion questions"):
        assert needle in markdown, f"{name}: no {needle!r} section"
    last_exercise_heading = None
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and "### Exercise" in cell.source:
            assert re.search(r"\*\*Difficulty:\*\* [★☆]{3}", cell.source) and \
                re.search(r"\*\*Time:\*\* about \d+ min", cell.source), (
                f"{name}: exercise heading in cell {i} needs a difficulty and a time line")
            last_exercise_heading = i
        if nbgrader_meta(cell).get("solution"):
            assert last_exercise_heading is not None, \
                f"{name}: exercise cell {i} comes before any '### Exercise' heading"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_notebook_opens_with_the_colab_setup_cell(name):
    from autograder.setup_cell import CELL_SOURCE

    first_code = next(c for c in read(solution_path(name)).cells if c.cell_type == "code")
    assert first_code.source == CELL_SOURCE, (
        f"{name}: the first code cell is not the course set-up cell; "
        "run `python -m autograder sync-setup-cells` and regenerate")


@pytest.mark.slow
def test_run_course_command_writes_executed_notebooks(tmp_path, capsys):
    """The main job of `bash setup.sh`, on one notebook, as README.md gives it."""
    from autograder.__main__ import main

    name = ASSIGNMENTS[-1]
    assert main(["run-course", name, "--fast", "--out", str(tmp_path)]) == 0
    executed = read(tmp_path / f"{name}.ipynb")
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    assert "ok in" in capsys.readouterr().out


def test_course_overview_has_a_colab_badge_per_notebook():
    from autograder.course import REPO
    from autograder.setup_cell import colab_badge

    overview = (REPO / "docs" / "COURSE.md").read_text()
    missing = [name for name in ASSIGNMENTS if colab_badge(name) not in overview]
    assert not missing, f"docs/COURSE.md lacks the Colab badge of {missing}"


def test_badges_follow_the_course_repository(tmp_path, monkeypatch):
    """README: change COURSE_REPOSITORY, run sync-setup-cells, and the badges follow."""
    from autograder import setup_cell
    from autograder.course import REPO

    overview = tmp_path / "COURSE.md"
    overview.write_text((REPO / "docs" / "COURSE.md").read_text())
    assert not setup_cell.sync_badges(overview), "docs/COURSE.md is out of date: run sync-setup-cells"
    monkeypatch.setattr(setup_cell, "COURSE_REPOSITORY", "someone/their-fork")
    assert setup_cell.sync_badges(overview)
    text = overview.read_text()
    for name in ASSIGNMENTS:
        assert setup_cell.colab_badge(name) in text and "someone/their-fork" in setup_cell.colab_badge(name)
    assert "gm-course/" not in text
