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
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import feedback
from .batch import course_api, ensure_assignment, export_csv
from .checks import load_spec
from .course import COURSE_ID, GRADING, REPO, SOLUTIONS, check_assignment
from .gradebook import Guard, make_template, record
from .integrity import GraderFilesChanged, changes, digest
from .intake import find_submissions, snapshot
from .keys import answer_key, solution_notebook
from .recheck import make_plan
from .safe_write import write_bytes
from .sandbox import Limits, check_available
from .worker import Job, grade_one


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


@dataclass
class Report:
    csv: Path
    rows: dict[str, dict]               # student -> row of the CSV
    feedback: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seed: int = 0
    confinement: str = "bubblewrap"


def _points(release: nbformat.NotebookNode) -> dict[str, float]:
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"].get("points", 0))
            for c in release.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def _setup_sources(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Locked, ungraded cells of the instructor's notebook, by grade id."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("locked")
            and not c.metadata["nbgrader"].get("grade")
            and not c.metadata["nbgrader"].get("solution")}


def _site(tmp: Path) -> Path | None:
    """gmlib for the sandbox: a copy, so that its path leads nowhere near the answer keys."""
    src = REPO / "gmlib"
    if not src.is_dir():
        return None
    site = tmp / "site"
    shutil.copytree(src, site / "gmlib", ignore=shutil.ignore_patterns("__pycache__"))
    return site


def grade(assignment: str, submissions: Path, root: Path = GRADING,
          solutions: Path = SOLUTIONS, options: Options | None = None) -> Report:
    """Grade every submission in ``submissions`` into the course rooted at ``root``."""
    opts = options or Options()
    if not opts.unconfined:
        check_available()  # SandboxUnavailable: says how to install bubblewrap
    solutions, root = Path(solutions).resolve(), Path(root).resolve()
    check_assignment(assignment, solutions)
    protected = _protected(solutions, opts.checks_dir)
    before = digest(protected)
    subs = find_submissions(Path(submissions), assignment)
    spec = load_spec(assignment, opts.checks_dir)
    source_nb = nbformat.read(str(solution_notebook(assignment, solutions)), as_version=4)
    seed = opts.seed if opts.seed is not None else secrets.randbits(32)
    # Before any student code runs: keys, inputs and expected outcomes are fixed here.
    setup = _setup_sources(source_nb)
    key = answer_key(assignment, solutions,
                     prelude={g: setup[g] for g in spec.setup if g in setup})
    plan = make_plan(spec, key, setup, seed)
    limits = opts.limits or Limits(step_s=spec.time_limit_s, memory_mb=spec.memory_mb)

    db_url, release_nb = _prepare_root(root, assignment, solutions)
    release = nbformat.read(str(release_nb), as_version=4)
    points = _points(release)
    unchecked = sorted(set(points) - set(plan.tests))
    if unchecked:
        raise ValueError(f"checks spec for {assignment} has no checks for test cells {unchecked}")

    report = Report(root / "exports" / f"{assignment}.csv", {}, seed=seed,
                    confinement="none (--unconfined)" if opts.unconfined else "bubblewrap")
    with tempfile.TemporaryDirectory(prefix="gm-grade-") as tmp_name:
        tmp = Path(tmp_name)
        # Unconfined, student code runs as the grader: put back what it may have changed.
        guards = [Guard(root / "gradebook.db", tmp)] if opts.unconfined else []
        site = _site(tmp)
        mask = _mask(solutions, root, Path(submissions), tmp, opts.checks_dir)
        (tmp / "in").mkdir()
        jobs = []
        for k, s in enumerate(subs):
            path, problem = None, s.problem
            if s.path is not None:
                copy = tmp / "in" / f"{k}.ipynb"
                why = snapshot(s.path, copy)
                path = None if why else str(copy)
                problem = why or s.problem
            jobs.append(Job(s.student, path, problem, assignment, str(solutions),
                            str(release_nb), plan, limits, str(site) if site else None,
                            opts.inkernel, not opts.unconfined, mask, opts.kernel_memory_mb))
        results = _run_pool(jobs, opts)
        changed = changes(before, digest(protected))
        if changed:
            raise GraderFilesChanged("the grader's own files changed during the batch, so its "
                                     "results are not recorded: " + "; ".join(changed) +
                                     ". Restore them (git checkout), then grade again.")
        if any(g.restore_if_changed() for g in guards):
            report.warnings.append("the gradebook changed during the batch (written by a "
                                   "submission?): restored from the copy taken at the start")
        scores: dict[str, dict[str, float]] = {}
        for sub, job, res in zip(subs, jobs, results):
            row, tests = _row(res, points, report.confinement)
            report.rows[sub.student] = row
            if not sub.usable_id:
                continue
            scores[sub.student] = {t["test"]: t["score"] for t in tests}
            problems = _write_outputs(root, sub.student, assignment, job, res, row, tests)
            if problems:
                row["problem"] = "; ".join(x for x in (row["problem"], *problems) if x)
            report.feedback[sub.student] = root / "feedback" / sub.student / assignment / \
                f"{assignment}.html"
        for student, why in record(db_url, COURSE_ID, assignment, scores).items():
            report.rows[student]["problem"] = "; ".join(
                x for x in (report.rows[student]["problem"], why) if x)
    _write_csv(report, list(points), root)
    _export_gradebook(db_url, assignment, root)
    return report


def _protected(solutions: Path, checks_dir: Path | None) -> list[Path]:
    """The grader's own files: its code, the answer keys, the checks specs."""
    paths = [Path(__file__).resolve().parent, solutions]
    if checks_dir is not None:
        paths.append(Path(checks_dir).resolve())
    return list(dict.fromkeys(paths))


def _mask(solutions: Path, root: Path, submissions: Path, tmp: Path,
          checks_dir: Path | None) -> tuple[str, ...]:
    """Paths no sandbox may see even where they lie inside something it binds."""
    paths = [REPO, solutions, root, submissions.resolve(), tmp, Path(__file__).resolve().parent,
             Path(checks_dir).resolve() if checks_dir else None]
    return tuple(dict.fromkeys(str(p) for p in paths if p is not None))


def _write_outputs(root: Path, student: str, assignment: str, job: Job, res: dict,
                   row: dict, tests: list[dict]) -> list[str]:
    """The submitted copy, nbgrader's autograded copy and the feedback page; what failed."""
    problems = []
    name = f"{assignment}.ipynb"
    writes = []
    if job.path is not None:
        writes.append(("a copy of the notebook", f"submitted/{student}/{assignment}/{name}",
                       lambda: Path(job.path).read_bytes()))
    if res.get("autograded"):
        writes.append(("nbgrader's autograded copy", f"autograded/{student}/{assignment}/{name}",
                       lambda: res["autograded"].encode()))
    page = feedback.render(student, assignment, row, tests, res.get("notes", []))
    writes.append(("the feedback page", f"feedback/{student}/{assignment}/{assignment}.html",
                   lambda: page.encode()))
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
        futures = {pool.submit(_attempt, job): k for k, job in enumerate(jobs)}
        bar = tqdm(total=len(jobs), desc=f"grading {jobs[0].assignment}", unit="notebook",
                   disable=not opts.progress, file=sys.stderr)
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update()
        bar.close()
    return [r for r in results if r is not None]


def _attempt(job: Job) -> dict:
    error: Exception | None = None
    for _ in range(2):
        try:
            return grade_one(job)
        except Exception as err:  # the grader's own failure on this notebook
            error = err
    return {"student": job.student, "notes": [], "tests": {}, "inkernel": None,
            "unreadable": f"grading failed twice: {type(error).__name__}: {error}"[:300]}


def _row(res: dict, points: dict[str, float], confinement: str) -> tuple[dict, list[dict]]:
    tests = [{"test": t, "max": p, "score": p if res["tests"].get(t, {}).get("passed") else 0.0,
              "failures": res["tests"].get(t, {}).get("failures", [])} for t, p in points.items()]
    if not res["tests"]:
        tests = [{**t, "score": 0.0} for t in tests]
    row: dict = {"student": res["student"], "score": sum(t["score"] for t in tests),
                 "max_score": sum(points.values())}
    row.update({t["test"]: t["score"] for t in tests})
    ik = res.get("inkernel")
    row["nbgrader_score"] = "" if ik is None else sum(ik.values())
    disagree = [t["test"] for t in tests if ik is not None and ik.get(t["test"]) != t["score"]]
    row["flagged"] = ("nbgrader in-kernel disagrees on " + ", ".join(disagree)) if disagree else ""
    row["problem"] = res.get("unreadable") or ""
    row["notes"] = "; ".join(res.get("notes", []) + (
        [f"nbgrader: {res['inkernel_error']}"] if res.get("inkernel_error") else []))
    row["seconds"] = round(res.get("seconds", 0.0), 2)
    row["confinement"] = confinement
    return row, tests


def _write_csv(report: Report, tests: list[str], root: Path) -> None:
    fields = ["student", "score", "max_score", *tests, "nbgrader_score", "flagged",
              "problem", "notes", "seconds", "confinement"]
    text = io.StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=fields)
    writer.writeheader()
    for student in sorted(report.rows):
        writer.writerow(report.rows[student])
    write_bytes(root, report.csv.relative_to(root), text.getvalue().encode())


def _export_gradebook(db_url: str, assignment: str, root: Path) -> None:
    """nbgrader's own CSV export, written like every other output (no links followed)."""
    with tempfile.TemporaryDirectory(prefix="gm-export-") as tmp:
        exported = export_csv(db_url, assignment, Path(tmp) / "export.csv")
        write_bytes(root, f"exports/{assignment}_gradebook.csv", exported.read_bytes())
