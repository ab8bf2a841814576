"""The hardened class grader: every submission re-checked out of kernel, in parallel.

``grade(assignment, submissions_folder)``: answer keys and the calls' expected outcomes are
fixed before any student code runs; each submission is then graded in a worker process
(structure, nbgrader in-kernel autograde in isolation, out-of-kernel re-check); the main
process alone writes the course root: submitted copies, the gradebook (re-check scores),
autograded notebooks, feedback pages and the CSV report. A submission that breaks anything
gets a row with a reason; the batch always finishes.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import secrets
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import feedback
from .batch import course_api, ensure_assignment, export_csv, submitted_path
from .checks import load_spec
from .course import COURSE_ID, GRADING, REPO, SOLUTIONS, check_assignment
from .gradebook import Guard, make_template, record
from .inkernel import write_limited_kernelspec
from .intake import find_submissions
from .keys import answer_key, solution_notebook
from .recheck import make_plan
from .sandbox import Limits
from .worker import Job, grade_one, init_worker


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


@dataclass
class Report:
    csv: Path
    rows: dict[str, dict]               # student -> row of the CSV
    feedback: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seed: int = 0


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


def _hidden_paths(solutions: Path, root: Path, checks_dir: Path | None) -> tuple[str, ...]:
    """What the re-check's process must not read: keys, specs, the course root, history."""
    paths = [solutions, root, REPO / "solutions", REPO / "autograder", REPO / ".git",
             REPO / "grading", Path(checks_dir) if checks_dir else None]
    return tuple(dict.fromkeys(str(Path(p).resolve()) for p in paths if p is not None))


def grade(assignment: str, submissions: Path, root: Path = GRADING,
          solutions: Path = SOLUTIONS, options: Options | None = None) -> Report:
    """Grade every submission in ``submissions`` into the course rooted at ``root``."""
    opts = options or Options()
    solutions, root = Path(solutions).resolve(), Path(root).resolve()
    check_assignment(assignment, solutions)
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

    report = Report(root / "exports" / f"{assignment}.csv", {}, seed=seed)
    with tempfile.TemporaryDirectory(prefix="gm-grade-") as tmp_name:
        tmp = Path(tmp_name)
        guards = [Guard(root / "gradebook.db", tmp),
                  Guard(solution_notebook(assignment, solutions), tmp)]
        kernelspec = write_limited_kernelspec(tmp / "jupyter", opts.kernel_memory_mb,
                                              int(limits.total_s) + 30)
        site = _site(tmp)
        jobs = [Job(s.student, str(s.path) if s.path else None, s.problem, assignment,
                    str(solutions), str(release_nb), plan, limits,
                    str(site) if site else None, str(tmp / "work"),
                    opts.inkernel, _hidden_paths(solutions, root, opts.checks_dir))
                for s in subs]
        results = _run_pool(jobs, opts, str(kernelspec))
        if any(g.restore_if_changed() for g in guards):
            report.warnings.append("the gradebook or solution notebook changed during the "
                                   "batch (written by a submission?): restored from the "
                                   "copy taken at the start")
        scores: dict[str, dict[str, float]] = {}
        for sub, res in zip(subs, results):
            row, tests = _row(res, points)
            report.rows[sub.student] = row
            if not sub.usable_id:
                continue
            scores[sub.student] = {t["test"]: t["score"] for t in tests}
            if sub.path is not None:
                _copy_in(sub.path, submitted_path(root, sub.student, assignment))
            if res.get("autograded"):
                _copy_in(Path(res["autograded"]),
                         root / "autograded" / sub.student / assignment / f"{assignment}.ipynb")
            page = feedback.render(sub.student, assignment, row, tests, res.get("notes", []))
            report.feedback[sub.student] = feedback.write(root, sub.student, assignment, page)
        record(db_url, COURSE_ID, assignment, scores)
    _write_csv(report, list(points))
    export_csv(db_url, assignment, root / "exports" / f"{assignment}_gradebook.csv")
    return report


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


def _copy_in(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def _run_pool(jobs: list[Job], opts: Options, kernelspec: str) -> list[dict]:
    from tqdm.auto import tqdm

    results: list[dict | None] = [None] * len(jobs)
    pythonpath = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    # fork: workers start in milliseconds with nbgrader already imported; they never run
    # student code themselves (kernels and sandboxes are fresh interpreters).
    ctx = multiprocessing.get_context("fork")
    import nbgrader.preprocessors  # noqa: F401  (imported once here, inherited by the workers)
    with ProcessPoolExecutor(max_workers=max(1, min(opts.workers, len(jobs))), mp_context=ctx,
                             initializer=init_worker,
                             initargs=(kernelspec, pythonpath)) as pool:
        futures = {pool.submit(grade_one, job): k for k, job in enumerate(jobs)}
        bar = tqdm(total=len(jobs), desc=f"grading {jobs[0].assignment}", unit="notebook",
                   disable=not opts.progress, file=sys.stderr)
        for future in as_completed(futures):
            k = futures[future]
            try:
                results[k] = future.result()
            except Exception as err:  # a worker died: this row says so, the batch goes on
                results[k] = {"student": jobs[k].student, "unreadable":
                              f"grading failed: {type(err).__name__}: {err}"[:300],
                              "notes": [], "tests": {}, "inkernel": None}
            bar.update()
        bar.close()
    return [r for r in results if r is not None]


def _row(res: dict, points: dict[str, float]) -> tuple[dict, list[dict]]:
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
    return row, tests


def _write_csv(report: Report, tests: list[str]) -> None:
    report.csv.parent.mkdir(parents=True, exist_ok=True)
    fields = ["student", "score", "max_score", *tests, "nbgrader_score", "flagged",
              "problem", "notes", "seconds"]
    with report.csv.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for student in sorted(report.rows):
            writer.writerow(report.rows[student])
