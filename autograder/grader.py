"""The hardened class grader: every submission re-checked out of kernel, in parallel.

``grade(assignment, submissions_folder)``: answer keys and the calls' expected outcomes are
fixed in this process before any student code runs, and the grader's own files are
digested. Each submission is copied once (no links followed) and graded in a worker thread:
structure, nbgrader's in-kernel autograde and the out-of-kernel re-check, both of which run
student code only inside bubblewrap sandboxes (``sandbox.py``). The main thread alone
writes the course root, without following links: submitted copies, the gradebook
(re-check scores), autograded notebooks, feedback pages and the CSV report. A submission
that breaks anything, or whose outputs cannot be written, gets a row with a reason; the
batch always finishes. If the grader's own files changed meanwhile, nothing is recorded
and ``GraderFilesChanged`` says what changed.

What grades one notebook (answer key and plan, the worker's attempt, the row) lives in
``single.py``, shared with the platform adapters. Here, around it: rows reported as each
submission finishes (``Options.on_row``), ``resume`` (submissions unchanged since the last
batch keep their rows, ``state.py``), a late policy (``late.py``) and the Canvas CSV
(``canvas.py``).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable

from . import canvas, feedback, late, state
from .batch import course_api, ensure_assignment, export_csv
from .course import COURSE_ID, GRADING, SOLUTIONS, check_assignment
from .gradebook import Guard, make_template, record
from .integrity import GraderFilesChanged, changes, digest
from .intake import Submission, find_submissions, snapshot
from .safe_write import write_bytes
from .sandbox import Limits, check_available
from .single import (UNCONFINED, attempt, make_job, make_site, mask_paths, prepare,
                     protected_paths, row_and_tests, with_release)
from .warm_cache import warm_training_cache
from .worker import Job

@dataclass
class Options:
    # One more worker than cores: workers spend part of their time waiting on kernels.
    workers: int = (os.cpu_count() or 1) + 1
    seed: int | None = None             # None: drawn afresh for every batch
    limits: Limits | None = None        # None: from the checks spec
    kernel_memory_mb: int = 4096
    inkernel: bool = True               # also run nbgrader in-kernel, to flag disagreements
    progress: bool = True
    checks_dir: Path | None = None
    unconfined: bool = False            # True: no bubblewrap (every row says so)
    resume: bool = False                # keep the rows of submissions unchanged since last time
    late: late.LatePolicy | None = None
    canvas_name: str | None = None      # the Canvas CSV's assignment column: "name (id)"
    canvas_id: str | None = None
    # Called in the main thread with each student's row (late penalty applied) as soon as it
    # is known, and whether it was kept from the last batch (resume) rather than graded now.
    on_row: Callable[[dict, bool], None] | None = None
    # Internal: set by grade(); _run_pool calls it with (job index, result) as each finishes.
    on_result: Callable[[int, dict], None] | None = None


@dataclass
class Report:
    csv: Path
    rows: dict[str, dict]               # student -> row of the CSV
    feedback: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seed: int = 0
    confinement: str = "bubblewrap"
    ungraded: dict[str, str] = field(default_factory=dict)   # student -> why not graded
    resumed: list[str] = field(default_factory=list)         # rows kept from the last batch
    graded: list[str] = field(default_factory=list)          # graded in this batch
    canvas_csv: Path | None = None
    state: Path | None = None


def grade(assignment: str, submissions: Path, root: Path = GRADING,
          solutions: Path = SOLUTIONS, options: Options | None = None) -> Report:
    """Grade every submission in ``submissions`` into the course rooted at ``root``."""
    opts = options or Options()
    if not opts.unconfined:
        check_available()  # SandboxUnavailable: says how to install bubblewrap
    solutions, root = Path(solutions).resolve(), Path(root).resolve()
    check_assignment(assignment, solutions)
    protected = protected_paths(solutions, opts.checks_dir)
    before = digest(protected)
    subs = find_submissions(Path(submissions), assignment)
    # Before any student code runs: keys, inputs and expected outcomes are fixed here.
    prepared = prepare(assignment, solutions, opts.checks_dir, opts.seed, opts.limits)
    db_url, release_nb = _prepare_root(root, assignment, solutions)
    prepared = with_release(prepared, release_nb)
    points = prepared.points

    report = Report(root / "exports" / f"{assignment}.csv", {}, seed=prepared.seed,
                    confinement=UNCONFINED if opts.unconfined else "bubblewrap")
    ctx = state.context(assignment, solutions, opts.checks_dir, opts.inkernel)
    previous: dict[str, dict] = {}
    if opts.resume:
        previous, why = state.load(root, assignment, ctx)
        if why:
            report.warnings.append(why)
    times = {s.student: late.submission_time(s.path, _student_folder(Path(submissions), s))
             for s in subs}

    def finished(res: dict) -> tuple[dict, list[dict]]:
        row, tests = row_and_tests(res, points, report.confinement)
        return late.apply(row, *times.get(res["student"], (None, "")), opts.late), tests

    with tempfile.TemporaryDirectory(prefix="gm-grade-") as tmp_name:
        tmp = Path(tmp_name)
        # Unconfined, student code runs as the grader: put back what it may have changed.
        guards = [Guard(root / "gradebook.db", tmp)] if opts.unconfined else []
        site = make_site(tmp)
        mask = mask_paths(solutions, root, Path(submissions), tmp, opts.checks_dir)
        (tmp / "in").mkdir()
        todo: list[tuple[Submission, Job, str]] = []
        kept: dict[str, dict] = {}
        for k, s in enumerate(subs):
            path, problem, sha = None, s.problem, ""
            if s.path is not None:
                copy = tmp / "in" / f"{k}.ipynb"
                why = snapshot(s.path, copy)
                path = None if why else str(copy)
                problem = why or s.problem
                sha = "" if why else state.sha256_file(copy)
            entry = previous.get(s.student)
            if entry is not None and sha and s.usable_id and entry["sha256"] == sha:
                kept[s.student] = entry  # unchanged since it was graded: not graded again
                continue
            todo.append((s, make_job(prepared, s.student, path, problem, site, mask,
                                     opts.inkernel, not opts.unconfined,
                                     opts.kernel_memory_mb), sha))
        for student in sorted(kept):
            row = late.apply(dict(kept[student]["row"]), *times[student], opts.late)
            report.rows[student] = row
            report.resumed.append(student)
            if opts.on_row:
                opts.on_row(dict(row), True)

        def on_result(k: int, res: dict) -> None:
            if opts.on_row:
                opts.on_row(dict(finished(res)[0]), False)

        jobs = [job for _, job, _ in todo]
        if opts.inkernel and len(jobs) > 1:  # the course's own trainings, once for the batch
            first = jobs[0]
            why = warm_training_cache(site, assignment, solutions, int(first.limits.step_s * 2),
                                      first.limits.total_s, first.kernel_memory_mb)
            if why:
                report.warnings.append(why)
        results = _run_pool(jobs, replace(opts, on_result=on_result)) if jobs else []
        changed = changes(before, digest(protected))
        if changed:
            raise GraderFilesChanged("the grader's own files changed during the batch, so its "
                                     "results are not recorded: " + "; ".join(changed) +
                                     ". Restore them (git checkout), then grade again.")
        if any(g.restore_if_changed() for g in guards):
            report.warnings.append("the gradebook changed during the batch (written by a "
                                   "submission?): restored from the copy taken at the start")
        scores: dict[str, dict[str, float]] = {}
        entries: dict[str, dict] = {}
        for (sub, job, sha), res in zip(todo, results):
            row, tests = finished(res)
            report.rows[sub.student] = row
            if res.get("unreadable"):
                report.ungraded[sub.student] = res["unreadable"]
            else:
                report.graded.append(sub.student)
            if not sub.usable_id:
                continue
            scores[sub.student] = {t["test"]: t["score"] for t in tests}
            problems = _write_outputs(root, sub.student, assignment, job, res, row, tests,
                                      times[sub.student][0])
            if problems:
                row["problem"] = "; ".join(x for x in (row["problem"], *problems) if x)
            report.feedback[sub.student] = root / "feedback" / sub.student / assignment / \
                f"{assignment}.html"
            if not res.get("unreadable") and sha:
                entries[sub.student] = {"sha256": sha,
                                        "row": row_and_tests(res, points, report.confinement)[0],
                                        "tests": tests, "notes": list(res.get("notes", [])),
                                        "seed": prepared.seed}
        for student in report.resumed:
            entries[student] = kept[student]
            scores[student] = _kept_scores(kept[student], points)
            # Written again: the late policy, and so the page, may differ from last time.
            problem = _write_page(root, student, assignment, report.rows[student],
                                  kept[student])
            if problem:
                report.rows[student]["problem"] = "; ".join(
                    x for x in (report.rows[student]["problem"], problem) if x)
            else:
                report.feedback[student] = root / "feedback" / student / assignment / \
                    f"{assignment}.html"
        penalties = {s: (times[s][0], float(report.rows[s]["penalty"])) for s in scores}
        for student, why in record(db_url, COURSE_ID, assignment, scores, penalties,
                                   opts.late.due if opts.late else None).items():
            report.rows[student]["problem"] = "; ".join(
                x for x in (report.rows[student]["problem"], why) if x)
    _write_csv(report, list(points), root)
    report.canvas_csv = write_bytes(
        root, f"exports/{assignment}_canvas.csv",
        canvas.render(report.rows, set(report.ungraded), assignment, opts.canvas_name,
                      opts.canvas_id))
    report.state = state.save(root, assignment, ctx, entries)
    _export_gradebook(db_url, assignment, root)
    return report


def _student_folder(submissions: Path, sub: Submission) -> Path | None:
    """The student's own folder in the submissions folder (None for a ``<student>.ipynb``)."""
    if sub.path is None:
        return None
    folder = submissions / sub.student
    if folder.is_dir() and not folder.is_symlink() and folder in Path(sub.path).parents:
        return folder
    return None


def _kept_scores(entry: dict, points: dict[str, float]) -> dict[str, float]:
    return {t["test"]: float(t.get("score", 0.0)) for t in entry["tests"]
            if isinstance(t, dict) and t.get("test") in points}


def _write_page(root: Path, student: str, assignment: str, row: dict, entry: dict) -> str:
    """The feedback page of a submission kept from the last batch; '' or what failed."""
    try:
        tests = [t for t in entry["tests"] if isinstance(t, dict)]
        notes = [str(n) for n in entry.get("notes", []) if isinstance(n, str)]
        feedback.write(root, student, assignment,
                       feedback.render(student, assignment, row, tests, notes))
        return ""
    except (OSError, ValueError, KeyError, TypeError) as err:
        return f"the feedback page could not be written ({type(err).__name__})"


def _write_outputs(root: Path, student: str, assignment: str, job: Job, res: dict,
                   row: dict, tests: list[dict], submitted: datetime | None = None) -> list[str]:
    """The submitted copy (with nbgrader's timestamp.txt), nbgrader's autograded copy and the
    feedback page; what failed."""
    problems = []
    name = f"{assignment}.ipynb"
    writes = []
    if job.path is not None:
        writes.append(("a copy of the notebook", f"submitted/{student}/{assignment}/{name}",
                       lambda: Path(job.path).read_bytes()))
        if submitted is not None:
            writes.append(("the submission's timestamp",
                           f"submitted/{student}/{assignment}/{late.TIMESTAMP}",
                           lambda: late.nbgrader_timestamp(submitted).encode()))
    if res.get("autograded"):
        writes.append(("nbgrader's autograded copy", f"autograded/{student}/{assignment}/{name}",
                       lambda: res["autograded"].encode("utf-8", "replace")))
    page = feedback.render(student, assignment, row, tests, res.get("notes", []))
    writes.append(("the feedback page", f"feedback/{student}/{assignment}/{assignment}.html",
                   lambda: page.encode("utf-8", "replace")))
    for what, relative, data in writes:
        try:
            write_bytes(root, relative, data())
        except (OSError, ValueError) as err:
            problems.append(f"{what} could not be written ({type(err).__name__}: "
                            f"{getattr(err, 'strerror', None) or err})")
    return problems


def _prepare_root(root: Path, assignment: str, solutions: Path) -> tuple[str, Path]:
    """The course root's gradebook (holding the assignment) and release notebook."""
    template = make_template(root / ".grader", assignment, solutions)
    if not (root / "gradebook.db").exists():  # a new course root starts from the template
        shutil.copyfile(template, root / "gradebook.db")
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    if not _has_assignment(db_url, assignment):
        ensure_assignment(course_api(root, solutions), assignment)
    release_nb = root / "release" / assignment / f"{assignment}.ipynb"
    if not release_nb.exists():
        shutil.copytree(template.parent / "release" / assignment, release_nb.parent,
                        dirs_exist_ok=True)
    return db_url, release_nb


def _has_assignment(db_url: str, assignment: str) -> bool:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, COURSE_ID) as gb:
        try:
            gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False


def _run_pool(jobs: list[Job], opts: Options) -> list[dict]:
    """Grade every job in worker threads; a job that fails is tried once more, then a row."""
    from tqdm.auto import tqdm

    results: list[dict | None] = [None] * len(jobs)
    # Threads, not processes: the work is waiting on sandboxes, and a thread cannot be
    # killed from outside the way a worker process could.
    with ThreadPoolExecutor(max_workers=max(1, min(opts.workers, len(jobs)))) as pool:
        futures = {pool.submit(attempt, job): k for k, job in enumerate(jobs)}
        bar = tqdm(total=len(jobs), desc=f"grading {jobs[0].assignment}", unit="notebook",
                   disable=not opts.progress, file=sys.stderr)
        for future in as_completed(futures):
            k = futures[future]
            results[k] = future.result()
            bar.update()
            if opts.on_result is not None:
                try:
                    opts.on_result(k, results[k])
                except Exception as err:  # a report callback never stops the batch
                    print(f"warning: reporting a row failed: {err!r}", file=sys.stderr)
        bar.close()
    return [r for r in results if r is not None]


def _write_csv(report: Report, tests: list[str], root: Path) -> None:
    fields = ["student", "score", "max_score", *tests, "nbgrader_score", "flagged",
              "problem", "notes", "seconds", "confinement", "submitted_at", "submitted_from",
              "late_days", "penalty", "score_before_penalty"]
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for student in sorted(report.rows):
        writer.writerow(report.rows[student])
    write_bytes(root, report.csv.relative_to(root), text.getvalue().encode("utf-8", "replace"))


def _export_gradebook(db_url: str, assignment: str, root: Path) -> None:
    """nbgrader's own CSV export, written like every other output (no links followed)."""
    with tempfile.TemporaryDirectory(prefix="gm-export-") as tmp:
        exported = export_csv(db_url, assignment, Path(tmp) / "export.csv")
        write_bytes(root, f"exports/{assignment}_gradebook.csv", exported.read_bytes())
