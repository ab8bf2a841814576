"""The toy course's adversarial class, graded in one batch; each submission at its true worth."""

from __future__ import annotations

import csv

import pytest

from autograder.grader import Options, grade
from autograder.sandbox import Limits

from tests.adversarial import toy
from tests.adversarial.submissions import ADVERSARIES, write_class

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adversarial")
    course = toy.build_course(tmp / "course")
    course["root"] = tmp / "grading"
    write_class(tmp / "class", course)
    options = Options(workers=2, seed=7, checks_dir=course["checks"], progress=False,
                      limits=Limits(step_s=3, total_s=60, memory_mb=1024),
                      kernel_memory_mb=2048)
    report = grade(toy.ASSIGNMENT, tmp / "class", root=course["root"],
                   solutions=course["solutions"], options=options)
    return report, course


@pytest.mark.parametrize("adv", ADVERSARIES, ids=lambda a: a.name)
def test_graded_at_true_worth(batch, adv):
    report, _ = batch
    row = report.rows[adv.name]
    assert row["score"] == adv.worth, f"{adv.name} ({adv.what}): {row}"


def test_every_submission_has_a_row_and_the_batch_finished(batch):
    report, _ = batch
    assert set(report.rows) == {a.name for a in ADVERSARIES}
    rows = list(csv.DictReader(report.csv.open()))
    assert {r["student"] for r in rows} == set(report.rows)


def test_broken_files_get_a_reason(batch):
    report, _ = batch
    for name in ("malformed_json", "empty_file", "no_cells"):
        assert report.rows[name]["problem"], name
    assert "empty" in report.rows["empty_file"]["problem"]
    assert "JSON" in report.rows["malformed_json"]["problem"]


def test_structural_changes_are_explained(batch):
    report, _ = batch
    notes = {name: row["notes"] for name, row in report.rows.items()}
    assert "format 3" in notes["old_nbformat"]
    assert "renamed" in notes["renamed"]
    assert "test_accuracy is missing" in notes["deleted_test_cell"]
    assert "appears 2 times" in notes["duplicated_test_cell"]
    assert "different order" in notes["reordered"]
    assert "from code to markdown" in notes["retyped_answer_cell"]
    assert "imports was edited" in notes["edited_locked_cell"]
    assert "points of test_mean_abs were changed" in notes["edited_points"]
    assert "also submitted twice.ipynb, which was not graded" in notes["twice"]
    assert "not usable as a student id" in report.rows["bad name!"]["problem"]


def test_limits_give_clear_reasons(batch):
    report, _ = batch
    fb = {name: report.feedback[name].read_text() for name in
          ("infinite_loop", "sigint_ignored", "os_exit", "memory_bomb", "output_flood",
           "loop_at_top_level")}
    assert "time limit" in fb["infinite_loop"]
    assert "time limit" in fb["sigint_ignored"]
    assert "exited" in fb["os_exit"]
    assert "MemoryError" in fb["memory_bomb"] or "memory" in fb["memory_bomb"]
    assert "output limit" in fb["output_flood"]
    assert "time limit" in fb["loop_at_top_level"]


def test_gradebook_holds_the_recheck_scores_and_was_out_of_reach(batch):
    from nbgrader.api import Gradebook

    report, course = batch
    assert report.warnings == []  # nothing to restore: no sandbox could reach the gradebook
    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}", "goal-misgeneralization") as gb:
        totals = {s.student.id: s.score for s in gb.assignment_submissions(toy.ASSIGNMENT)}
    for adv in ADVERSARIES:
        if adv.name == "bad name!":  # reported, never put in the gradebook
            assert adv.name not in totals
            continue
        assert totals[adv.name] == adv.worth, adv.name


def test_disagreements_with_nbgrader_are_flagged(batch):
    report, _ = batch
    fooled = [n for n, r in report.rows.items()
              if r["nbgrader_score"] != "" and float(r["nbgrader_score"]) > r["score"]]
    assert "patched_helpers" in fooled  # nbgrader's in-kernel tests believed np.isclose
    for name in fooled:
        assert report.rows[name]["flagged"], name


def test_feedback_explains_without_revealing_hidden_inputs(batch):
    report, _ = batch
    page = report.feedback["one_wrong"].read_text()
    assert "accuracy" in page and "0 / 3" in page
    assert "predictions and labels of different lengths" in page  # the case's note
    assert "BEGIN HIDDEN" not in page and "hidden: all right" not in page
    assert "[1 0 1]" not in page or "accuracy([" not in page
    visible = report.feedback["retyped_answer_cell"].read_text()
    assert "mean_abs([ 1. -3.]): NameError" in visible  # visible cases are quoted


def test_honest_submissions_keep_full_marks_next_to_cheats(batch):
    report, _ = batch
    for name in ("honest_full", "honest_alt", "honest_stderr"):
        assert report.rows[name]["score"] == toy.TOTAL
        assert report.rows[name]["problem"] == ""
