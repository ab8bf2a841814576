"""Grading a local class (``python -m autograder autograde``) on the toy course: rows on
stdout as each submission finishes, ``--resume``, the late policy, the Canvas CSV and the
exit code when a submission could not be graded."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from autograder import grader as grader_module
from autograder.grader import Options, grade
from tests.adversarial import toy

REPO = Path(__file__).resolve().parents[1]
DUE = "2026-12-01T23:59+00:00"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return toy.build_course(tmp_path_factory.mktemp("toy"))


def _cli(course, subs: Path, root: Path, *extra: str) -> list[str]:
    return ["autograde", toy.ASSIGNMENT, str(subs), "--course-root", str(root),
            "--solutions", str(course["solutions"]), "--checks", str(course["checks"]),
            "--no-inkernel", "--seed", "0", *extra]


def _rows(path: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader(path.open())}


def _set_mtime(path: Path, iso: str) -> None:
    t = datetime.fromisoformat(iso).timestamp()
    os.utime(path, (t, t))


def test_rows_are_printed_as_submissions_finish(course, tmp_path):
    subs = tmp_path / "class"
    subs.mkdir()
    nbformat.write(toy.correct(course["student"]), str(subs / "alice.ipynb"))
    nbformat.write(toy.student_notebook(course["student"]), str(subs / "bob.ipynb"))
    # carol's cell takes 3 s: her row, graded last (one worker), comes well after alice's.
    slow = "import time\ntime.sleep(3)\n" + toy.A.strip_solution_markers(toy.CORRECT["normalize"])
    nbformat.write(toy.answer(course["student"], mean_abs=True, accuracy=True, normalize=slow),
                   str(subs / "carol.ipynb"))
    root = tmp_path / "root"
    report = root / "exports" / f"{toy.ASSIGNMENT}.csv"
    proc = subprocess.Popen([sys.executable, "-m", "autograder",
                             *_cli(course, subs, root, "--workers", "1")],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stdout:
        seen.append((time.monotonic(), line.rstrip("\n"), proc.poll(), report.exists()))
    proc.wait(timeout=120)
    ended = time.monotonic()
    err = proc.stderr.read()
    assert proc.returncode == 0, (seen, err)  # every submission graded: exit status 0
    rows = [(t, line, running, csv_there) for t, line, running, csv_there in seen
            if line.split("\t")[0] in ("alice", "bob", "carol")]
    assert [line.split("\t")[0] for _, line, _, _ in rows] == ["alice", "bob", "carol"]
    assert rows[0][1].startswith(f"alice\t{toy.TOTAL:g}/{toy.TOTAL:g}")
    assert rows[2][1].startswith(f"carol\t{toy.TOTAL:g}/{toy.TOTAL:g}")
    first_at, _, still_running, csv_written = rows[0]
    assert still_running is None and not csv_written, "the first row came only at the end"
    assert ended - first_at > 2.5, "alice's row should arrive before carol's 3 s cell ran"
    # The progress bar (N of M, with an estimate of the time left) is on stderr.
    assert "1/3" in err and "3/3" in err and "<" in err


def test_resume_grades_only_what_changed(course, tmp_path, monkeypatch):
    subs = tmp_path / "class"
    subs.mkdir()
    nbformat.write(toy.correct(course["student"]), str(subs / "alice.ipynb"))
    nbformat.write(toy.student_notebook(course["student"]), str(subs / "bob.ipynb"))
    root = tmp_path / "root"
    opts = dict(workers=2, seed=0, checks_dir=course["checks"], progress=False, inkernel=False)
    first = grade(toy.ASSIGNMENT, subs, root=root, solutions=course["solutions"],
                  options=Options(**opts))
    assert sorted(first.graded) == ["alice", "bob"] and first.resumed == []
    assert (root / "exports" / f"{toy.ASSIGNMENT}_graded.json").exists()

    graded_now: list[list[str]] = []
    real_pool = grader_module._run_pool

    def watching_pool(jobs, options):
        graded_now.append([j.student for j in jobs])
        return real_pool(jobs, options)

    monkeypatch.setattr(grader_module, "_run_pool", watching_pool)
    shown: list[tuple[str, bool]] = []
    again = grade(toy.ASSIGNMENT, subs, root=root, solutions=course["solutions"],
                  options=Options(**opts, resume=True,
                                  on_row=lambda row, kept: shown.append((row["student"], kept))))
    assert graded_now == [] and sorted(again.resumed) == ["alice", "bob"]
    assert shown == [("alice", True), ("bob", True)]
    rows = _rows(again.csv)  # the kept rows are still in the report, unchanged
    assert {s: float(r["score"]) for s, r in rows.items()} == {"alice": toy.TOTAL, "bob": 0.0}
    assert rows["alice"]["seconds"] == str(first.rows["alice"]["seconds"])

    nbformat.write(toy.correct(course["student"]), str(subs / "bob.ipynb"))  # bob resubmits
    third = grade(toy.ASSIGNMENT, subs, root=root, solutions=course["solutions"],
                  options=Options(**opts, resume=True))
    assert graded_now == [["bob"]] and third.resumed == ["alice"]
    assert {s: float(r["score"]) for s, r in _rows(third.csv).items()} == {
        "alice": toy.TOTAL, "bob": toy.TOTAL}

    # A changed checks spec makes every earlier grade stale: everything is graded again.
    checks = tmp_path / "checks"
    checks.mkdir()
    spec = (course["checks"] / f"{toy.ASSIGNMENT}.py").read_text()
    (checks / f"{toy.ASSIGNMENT}.py").write_text(spec + "\n# tightened\n")
    fourth = grade(toy.ASSIGNMENT, subs, root=root, solutions=course["solutions"],
                   options=Options(**{**opts, "checks_dir": checks}, resume=True))
    assert sorted(graded_now[-1]) == ["alice", "bob"] and fourth.resumed == []
    assert any("changed since the last batch" in w for w in fourth.warnings)


@pytest.fixture(scope="module")
def late_class(course, tmp_path_factory):
    """One batch with a late policy, a Canvas column, and two submissions it cannot grade."""
    tmp = tmp_path_factory.mktemp("late")
    subs = tmp / "class"
    subs.mkdir()
    nbformat.write(toy.correct(course["student"]), str(subs / "alice.ipynb"))
    _set_mtime(subs / "alice.ipynb", "2026-12-01T12:00+00:00")            # on time
    (subs / "bob" / toy.ASSIGNMENT).mkdir(parents=True)                   # nbgrader's layout
    nbformat.write(toy.correct(course["student"]), str(subs / "bob" / toy.ASSIGNMENT /
                                                       f"{toy.ASSIGNMENT}.ipynb"))
    (subs / "bob" / toy.ASSIGNMENT / "timestamp.txt").write_text(
        "2026-12-03 01:00:00.000000 UTC")                                 # 25 h late: 2 days
    _set_mtime(subs / "bob" / toy.ASSIGNMENT / f"{toy.ASSIGNMENT}.ipynb",
               "2026-11-30T00:00+00:00")  # the timestamp wins over the file's time
    nbformat.write(toy.correct(course["student"]), str(subs / "carol.ipynb"))
    _set_mtime(subs / "carol.ipynb", "2026-12-12T00:00+00:00")            # 11 days: floor 0
    nbformat.write(toy.student_notebook(course["student"]), str(subs / "dan.ipynb"))
    _set_mtime(subs / "dan.ipynb", "2026-12-02T10:00+00:00")              # late, and blank
    (subs / "erin.ipynb").write_text("{this is not json")                 # cannot be graded
    (subs / "frank").mkdir()                                              # nothing submitted
    (subs / "frank" / "readme.txt").write_text("oops")
    root = tmp / "root"
    argv = _cli(course, subs, root, "--due", DUE, "--penalty-per-day", "10",
                "--canvas-name", "Toy assignment", "--canvas-id", "4242")
    proc = subprocess.run([sys.executable, "-m", "autograder", *argv], cwd=REPO,
                          capture_output=True, text=True, timeout=180)
    return {"proc": proc, "root": root,
            "rows": _rows(root / "exports" / f"{toy.ASSIGNMENT}.csv")}


def test_the_late_policy_takes_its_penalty(late_class):
    rows = late_class["rows"]
    assert late_class["proc"].returncode == 4, late_class["proc"].stdout
    got = {s: (int(r["late_days"]), float(r["penalty"]), float(r["score_before_penalty"]),
               float(r["score"])) for s, r in rows.items() if s in ("alice", "bob", "carol", "dan")}
    assert got == {"alice": (0, 0.0, 6.0, 6.0),
                   "bob": (2, 1.2, 6.0, 4.8),      # 10 % of 6 per started day
                   "carol": (11, 6.0, 6.0, 0.0),   # never below 0
                   "dan": (1, 0.0, 0.0, 0.0)}
    assert rows["bob"]["submitted_from"] == "timestamp.txt"
    assert rows["bob"]["submitted_at"].startswith("2026-12-03T01:00:00")
    assert rows["alice"]["submitted_from"] == "file time"
    page = (late_class["root"] / "feedback" / "bob" / toy.ASSIGNMENT /
            f"{toy.ASSIGNMENT}.html").read_text()
    assert "2 days late" in page and "1.2 points off" in page
    assert "bob\t4.8/6\t2 days late: -1.2" in late_class["proc"].stdout
    # nbgrader's own export subtracts the same penalty from the same timestamp.
    exported = _rows_by(late_class["root"] / "exports" / f"{toy.ASSIGNMENT}_gradebook.csv",
                        "student_id")
    assert float(exported["bob"]["late_submission_penalty"]) == pytest.approx(1.2)
    assert float(exported["bob"]["score"]) == pytest.approx(4.8)
    assert (late_class["root"] / "submitted" / "bob" / toy.ASSIGNMENT / "timestamp.txt"
            ).read_text().startswith("2026-12-03 01:00:00")


def _rows_by(path: Path, key: str) -> dict[str, dict]:
    return {r[key]: r for r in csv.DictReader(path.open())}


def test_the_canvas_csv_has_canvas_columns(late_class):
    path = late_class["root"] / "exports" / f"{toy.ASSIGNMENT}_canvas.csv"
    with path.open(newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        "Toy assignment (4242)"]
    body = {r[3]: r for r in table[1:]}
    assert set(body) == {"alice", "bob", "carol", "dan", "erin", "frank"}
    assert body["bob"] == ["", "", "", "bob", "", "4.8"]
    assert body["alice"][5] == "6" and body["carol"][5] == "0"
    assert body["erin"][5] == "" and body["frank"][5] == ""  # not graded: no zero imported


def test_submissions_that_could_not_be_graded_set_the_exit_code(late_class):
    proc = late_class["proc"]
    assert proc.returncode == 4
    assert "2 submissions could not be graded" in proc.stdout
    assert "erin" in proc.stderr and "frank" in proc.stderr
    rows = late_class["rows"]
    assert rows["erin"]["problem"].startswith("not a readable notebook")
    assert "no notebook" in rows["frank"]["problem"]

