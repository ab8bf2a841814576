"""Issue 11: the red-team corpus (tests/adversarial/redteam02.py) graded in one batch.

Before the fixes these crashed the batch (surrogates, a name that is not UTF-8, a deep
folder), graded correct work 0 (odd metadata, %%time, helpers, imports from the set-up
cell), let memory past the limits (memory files, a user namespace's tmpfs, results of
millions of lists), kept script in the autograded copy formgrader renders, or printed hidden
inputs into feedback. Now every row is at its true worth and the report is written.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.course import SOLUTIONS
from autograder.grader import Options, grade
from tests.adversarial.redteam02 import CASES, NAME, write_class

pytestmark = pytest.mark.slow


def _remove_deep(folder: Path) -> None:
    """1200 nested folders are too deep for shutil.rmtree's recursion: remove them bottom-up."""
    folders, stack = [], [str(folder)]
    while stack:
        current = stack.pop()
        folders.append(current)
        for entry in os.scandir(current):
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            else:
                os.remove(entry.path)
    for current in reversed(folders):
        os.rmdir(current)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("redteam02")
    try:
        write_class(tmp / "class")
        # The assignment's own copy of the solutions: edits elsewhere in the checkout during
        # the run cannot trip the grader's check of its own files.
        solutions = tmp / "solutions"
        shutil.copytree(SOLUTIONS / NAME, solutions / NAME)
        report = grade(NAME, tmp / "class", root=tmp / "grading", solutions=solutions,
                       options=Options(workers=3, seed=5, progress=False))
    finally:
        if (tmp / "class" / "deep_folder").exists():
            _remove_deep(tmp / "class" / "deep_folder")
    return report, tmp / "grading"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_graded_at_true_worth(batch, case):
    row = batch[0].rows[case.name]
    assert row["score"] == case.worth, f"{case.name} ({case.what}): {row}"


def test_the_report_is_written_and_small(batch):
    report, _ = batch
    rows = list(csv.DictReader(report.csv.open(encoding="utf-8")))
    assert len(rows) == len(CASES) + 1  # the file whose name is not UTF-8 gets a row too
    assert report.csv.stat().st_size < 200_000
    bad = [r for r in rows if "not usable as a student id" in r["problem"]]
    assert len(bad) == 1 and float(bad[0]["score"]) == 0


def test_no_script_reaches_the_autograded_copy(batch):
    _, root = batch
    nb = nbformat.read(str(root / "autograded" / "xss_autograded" / NAME / f"{NAME}.ipynb"), 4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert kinds <= {"text/plain", "image/png", "image/jpeg"}, kinds
    # The student's code may say <script> (formgrader shows code as escaped text); no output may.
    assert not any("<script" in str(o) for o in outputs)


def test_limits_hold_inside(batch):
    notes = {name: row["notes"] for name, row in batch[0].rows.items()}
    assert "Too many open files" in notes["memfd_hog"] or "File too large" in notes["memfd_hog"]
    assert "Operation not permitted" in notes["userns_tmpfs"]
    page = (batch[1] / "feedback" / "bloat_forged_calls" / NAME / f"{NAME}.html").read_text()
    assert "ResultTooLarge" in page


def test_hidden_inputs_stay_out_of_feedback(batch):
    page = (batch[1] / "feedback" / "leak_inputs" / NAME / f"{NAME}.html").read_text()
    assert "inputs: " not in page and "raised ValueError" in page


def test_damaged_structures_cost_little_time(batch):
    rows = batch[0].rows
    assert rows["many_cells"]["seconds"] < 90 and rows["notes_flood"]["seconds"] < 90
