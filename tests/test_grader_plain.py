"""Issue 2: plain nbgrader batch grading of the toy course (full / zero / one wrong)."""

from __future__ import annotations

import csv

import nbformat
import pytest

from autograder.batch import grade_plain
from tests.adversarial import toy


@pytest.mark.slow
def test_plain_batch_scores_full_zero_and_one_wrong(tmp_path):
    course = toy.build_course(tmp_path / "course")
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(toy.correct(course["student"]), str(subs / "alice.ipynb"))
    nbformat.write(toy.student_notebook(course["student"]), str(subs / "blank.ipynb"))
    wrong = toy.answer(course["student"], mean_abs=True, normalize=True,
                       accuracy="def accuracy(p, l):\n    return 0.5")
    (subs / "carol").mkdir()
    nbformat.write(wrong, str(subs / "carol" / "my_work.ipynb"))

    result = grade_plain(toy.ASSIGNMENT, subs, root=tmp_path / "grading",
                         solutions=course["solutions"])

    assert result.failed == {}
    assert result.scores == {"alice": toy.TOTAL, "blank": 0,
                             "carol": toy.TOTAL - toy.POINTS["test_accuracy"]}
    rows = {r["student_id"]: float(r["score"]) for r in csv.DictReader(result.csv.open())}
    assert rows == result.scores
    assert set(result.feedback) == {"alice", "blank", "carol"}
    assert "mean_abs" in result.feedback["alice"].read_text()
