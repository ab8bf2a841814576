"""Issue 11: notebook 02 graded against attacks from outside the suite's own corpus.

One batch holds honest submissions beside attacks on the sandbox (escapes through /proc,
reading backups, other submissions, the network), on the grader's files (its code, the
checks, the gradebook, feedback, classmates' copies), on the batch (killing the grader,
fork bombs, filling the disk, processes that outlive grading) and damaged notebooks.
Each must be graded at its true worth, honest submissions keep full marks, no file
outside the grader's outputs changes, and no process is left when grading returns.
"""

from __future__ import annotations

import csv
import shutil
import hashlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from autograder import grader as grader_module
from autograder.course import REPO, SOLUTIONS
from autograder.grader import Options, grade
from autograder.integrity import digest
from autograder.sandbox import UID_BASE
from tests.adversarial.notebook02 import ATTACKS, LONG_NAME, MARKER, NAME, TOTAL, write_class

pytestmark = pytest.mark.slow


def _listener():
    """A TCP server on the host's loopback that records anything sent to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.5)
    received: list[bytes] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            received.append(conn.recv(100))
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return server, received, stop


def _leftovers() -> list[str]:
    """Processes started by this process's sandboxes (their uids, or an attack's marker) still
    alive; sandboxes of other processes on the machine have uids of their own."""
    own = UID_BASE + (os.getpid() % 2_000) * 50_000
    left = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if MARKER in cmd or own <= uid < own + 50_000:
            left.append(f"{pid} (uid {uid}): {cmd[:100]}")
    return left


def _tree(paths):
    return digest([Path(p) for p in paths])


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nb02")
    root, subs = tmp / "grading", tmp / "class"
    server, received, stop = _listener()
    ctx = {"repo": REPO, "root": root, "subs": subs, "host": "127.0.0.1",
           "port": server.getsockname()[1]}
    write_class(subs, ctx)
    # A link planted where honest_c's copy will be written, pointing outside the root.
    sentinel = tmp / "sentinel.txt"
    sentinel.write_text("untouched")
    planted = root / "submitted" / "honest_c" / NAME / f"{NAME}.ipynb"
    planted.parent.mkdir(parents=True)
    planted.symlink_to(sentinel)
    # A folder where dir_feedback's page should go: writing it fails, for that row only.
    (root / "feedback" / "honest_b" / NAME / f"{NAME}.html").mkdir(parents=True)
    watched = [REPO / "autograder", REPO / "solutions", REPO / "notebooks", REPO / "gmlib"]
    before = _tree(watched)
    class_before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in subs.iterdir() if p.is_file() and not p.is_symlink()}
    real_pool = grader_module._run_pool

    def pool_after_deleting(jobs, opts):  # the notebook disappears once intake is done
        (subs / "vanishes.ipynb").unlink()
        return real_pool(jobs, opts)

    grader_module._run_pool = pool_after_deleting
    try:
        solutions = tmp / "solutions"  # its own copy: edits elsewhere cannot trip the check
        shutil.copytree(SOLUTIONS / NAME, solutions / NAME)
        report = grade(NAME, subs, root=root, solutions=solutions,
                       options=Options(workers=3, seed=11, progress=False))
    finally:
        grader_module._run_pool = real_pool
    left_at_return = _leftovers()
    time.sleep(4.5)  # the daemon meant to write 3 s after its sandbox ended
    stop.set()
    server.close()
    return {"report": report, "root": root, "subs": subs, "sentinel": sentinel,
            "planted": planted, "before": before, "after": _tree(watched),
            "class_before": class_before, "received": received,
            "left_at_return": left_at_return, "left_later": _leftovers()}


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.name[:40])
def test_graded_at_true_worth(batch, attack):
    row = batch["report"].rows[attack.name]
    assert row["score"] == attack.worth, f"{attack.name} ({attack.what}): {row}"


def test_every_submission_has_a_row_in_the_csv(batch):
    rows = list(csv.DictReader(batch["report"].csv.open()))
    assert {r["student"] for r in rows} == {a.name for a in ATTACKS}
    assert {r["confinement"] for r in rows} == {"bubblewrap"}
    honest = {r["student"]: float(r["score"]) for r in rows if r["student"].startswith("honest")}
    assert honest == {"honest_a": TOTAL, "honest_b": TOTAL, "honest_c": TOTAL}


def test_no_file_outside_the_grader_outputs_changed(batch):
    assert batch["before"] == batch["after"]
    assert batch["sentinel"].read_text() == "untouched"
    subs = batch["subs"]
    now = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
           for p in subs.iterdir() if p.is_file() and not p.is_symlink()}
    expected = {k: v for k, v in batch["class_before"].items() if k != "vanishes.ipynb"}
    assert now == expected


def test_a_planted_link_is_replaced_not_written_through(batch):
    planted = batch["planted"]
    assert not planted.is_symlink() and planted.is_file()
    assert "conflict_accuracy" in planted.read_text()


def test_no_process_outlives_grading(batch):
    assert batch["left_at_return"] == []
    assert batch["left_later"] == []


def test_nothing_reached_the_network(batch):
    assert batch["received"] == []


def test_gradebook_holds_the_true_worth_and_no_forged_manual_scores(batch):
    from nbgrader.api import Gradebook

    worth = {a.name: a.worth for a in ATTACKS}
    with Gradebook(f"sqlite:///{batch['root'] / 'gradebook.db'}", "goal-misgeneralization") as gb:
        totals = {s.student.id: s.score for s in gb.assignment_submissions(NAME)}
        manual = [g.manual_score for s in gb.assignment_submissions(NAME)
                  for n in s.notebooks for g in n.grades if g.manual_score is not None]
    assert totals == worth
    assert manual == []


def test_feedback_pages_are_the_graders_own(batch):
    root = batch["root"]
    page = (root / "feedback" / "honest_a" / NAME / f"{NAME}.html").read_text()
    assert "forged" not in page and f"{TOTAL:g} / {TOTAL:g}" in page
    own = (root / "feedback" / "forges_feedback" / NAME / f"{NAME}.html").read_text()
    assert "forged" not in own


def test_an_output_that_cannot_be_written_costs_only_that_row(batch):
    row = batch["report"].rows["honest_b"]
    assert row["score"] == TOTAL and "feedback page could not be written" in row["problem"]


def test_damaged_and_linked_submissions_say_why(batch):
    rows = batch["report"].rows
    assert "symbolic link" in rows["links_to_solution"]["problem"]
    assert "symbolic link" in rows["links_to_folder"]["problem"]
    assert "a folder" in rows["dir_like_notebook"]["problem"]
    assert "4.99 was read as format 4" in rows["future_minor"]["notes"]
    assert "5.99 was read as format 4" in rows["format_5_99"]["notes"]
    assert "source is not text" in rows["dict_source"]["notes"]
    assert rows[LONG_NAME]["problem"] == ""
