"""Grade one notebook: what the class grader does for each submission, as plain data.

Shared by the class grader (``grader.grade``, many notebooks into a course root) and the
platform adapters (``gradescope.py``, ``prairielearn.py``: one notebook, one results file).
Everything that decides a grade is here, once:

- ``prepare``: before any student code runs, the answer key is loaded, each graded
  function's inputs are drawn with the batch's seed and the key's outcome on each is
  recorded; ``with_release`` adds the points of the release notebook's test cells.
- ``attempt``: one submission through ``worker.grade_one`` (structure, nbgrader's in-kernel
  run, the re-check; student code only inside ``Sandbox``), tried once more if the grader
  itself fails on it.
- ``row_and_tests``: the plain result turned into a report row and one entry per test cell.
- ``grade_notebook``: all of the above for a single file, with the grader's own files
  digested before and after, returning a result dict (no gradebook, nothing written).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat

from .checks import load_spec
from .course import REPO, SOLUTIONS, check_assignment
from .integrity import GraderFilesChanged, changes, digest
from .intake import snapshot
from .keys import answer_key, solution_notebook
from .plain_text import clean, clean_notes
from .recheck import Plan, make_plan
from .sandbox import Limits, check_available, python_roots
from .worker import Job, grade_one

UNCONFINED = "none (--unconfined)"


@dataclass
class Prepared:
    """An assignment ready to grade: fixed before any student code runs."""
    assignment: str
    solutions: Path
    plan: Plan
    limits: Limits
    seed: int
    functions: dict[str, list[str]]           # test cell -> graded functions checked on it
    release_nb: Path | None = None
    points: dict[str, float] = field(default_factory=dict)   # test cell -> points

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


def points_of(release: nbformat.NotebookNode) -> dict[str, float]:
    """Points of each graded test cell, by grade id, in notebook order."""
    return {c.metadata["nbgrader"]["grade_id"]: float(c.metadata["nbgrader"].get("points", 0))
            for c in release.cells
            if c.metadata.get("nbgrader", {}).get("grade")}


def setup_sources(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Locked, ungraded cells of the instructor's notebook, by grade id."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("locked")
            and not c.metadata["nbgrader"].get("grade")
            and not c.metadata["nbgrader"].get("solution")}


def prepare(assignment: str, solutions: Path = SOLUTIONS, checks_dir: Path | None = None,
            seed: int | None = None, limits: Limits | None = None) -> Prepared:
    """Answer key, inputs and expected outcomes of ``assignment`` (raises on a bad spec)."""
    solutions = Path(solutions).resolve()
    check_assignment(assignment, solutions)
    spec = load_spec(assignment, checks_dir)
    source_nb = nbformat.read(str(solution_notebook(assignment, solutions)), as_version=4)
    seed = seed if seed is not None else secrets.randbits(32)
    setup = setup_sources(source_nb)
    key = answer_key(assignment, solutions,
                     prelude={g: setup[g] for g in spec.setup if g in setup})
    plan = make_plan(spec, key, setup, seed)
    functions: dict[str, list[str]] = {}
    for call in plan.calls:
        names = functions.setdefault(call.test, [])
        if call.function not in names:
            names.append(call.function)
    return Prepared(assignment, solutions, plan,
                    limits or Limits(step_s=spec.time_limit_s, memory_mb=spec.memory_mb),
                    seed, functions)


def with_release(prepared: Prepared, release_nb: Path) -> Prepared:
    """``prepared`` with the points of the release notebook; every test cell must be checked."""
    release = nbformat.read(str(release_nb), as_version=4)
    points = points_of(release)
    unchecked = sorted(set(points) - set(prepared.plan.tests))
    if unchecked:
        raise ValueError(f"checks spec for {prepared.assignment} has no checks for test "
                         f"cells {unchecked}")
    return replace(prepared, release_nb=Path(release_nb), points=points)


def make_site(tmp: Path) -> Path | None:
    """gmlib for the sandbox: a copy, so that its path leads nowhere near the answer keys."""
    src = REPO / "gmlib"
    if not src.is_dir():
        return None
    site = Path(tmp) / "site"
    shutil.copytree(src, site / "gmlib", ignore=shutil.ignore_patterns("__pycache__"))
    return site


def protected_paths(solutions: Path, checks_dir: Path | None) -> list[Path]:
    """The grader's own files: its code, the answer keys, the checks specs."""
    paths = [Path(__file__).resolve().parent, Path(solutions).resolve()]
    if checks_dir is not None:
        paths.append(Path(checks_dir).resolve())
    return list(dict.fromkeys(paths))


def mask_paths(*paths: Path | str | None) -> tuple[str, ...]:
    """Paths no sandbox may see even where they lie inside something it binds.

    The repository (and its git history), the grader's code and whatever the caller names
    (answer keys, course root, submissions, temporary folders). A path that holds the
    interpreter's own environment (a repository with its .venv inside, under a bound system
    folder; a course installed into site-packages) cannot be covered without hiding Python:
    its parts that matter (git history, grader code, answer keys) are covered one by one.
    """
    envs = [Path(r) for r in python_roots()]
    out = []
    for p in (REPO, REPO / ".git", Path(__file__).resolve().parent, *paths):
        if p is None:
            continue
        real = Path(p).resolve()
        if any(env == real or env.is_relative_to(real) for env in envs):
            continue
        out.append(str(real))
    return tuple(dict.fromkeys(out))


def make_job(prepared: Prepared, student: str, path: str | None, problem: str | None,
             site: Path | None, mask: tuple[str, ...], inkernel: bool = True,
             confined: bool = True, kernel_memory_mb: int = 4096) -> Job:
    assert prepared.release_nb is not None, "with_release() first"
    return Job(student, path, problem, prepared.assignment, str(prepared.solutions),
               str(prepared.release_nb), prepared.plan, prepared.limits,
               str(site) if site else None, inkernel, confined, mask, kernel_memory_mb)


def attempt(job: Job) -> dict:
    """``grade_one(job)``; the grader's own failure is tried once more, then becomes a reason."""
    error: Exception | None = None
    start = time.monotonic()
    for _ in range(2):
        try:
            return grade_one(job)
        except Exception as err:  # the grader's own failure on this notebook
            error = err
    return {"student": job.student, "notes": [], "tests": {}, "inkernel": None,
            "seconds": time.monotonic() - start,
            "unreadable": clean(f"grading failed twice: {type(error).__name__}: {error}", 300)}


def row_and_tests(res: dict, points: dict[str, float], confinement: str
                  ) -> tuple[dict, list[dict]]:
    """A report row, and per test cell {"test", "max", "score", "failures"}.

    A test cell earns its points when every case of every check on it matched the key;
    failure lines name visible cases in full and hidden ones by number and note only.
    """
    tests = [{"test": t, "max": p, "score": p if res["tests"].get(t, {}).get("passed") else 0.0,
              "failures": res["tests"].get(t, {}).get("failures", [])} for t, p in points.items()]
    if not res["tests"]:
        tests = [{**t, "score": 0.0} for t in tests]
    for t in tests:
        t["failures"] = clean_notes(t["failures"], max_notes=20)
    row: dict = {"student": clean(res["student"], 300), "score": sum(t["score"] for t in tests),
                 "max_score": sum(points.values())}
    row.update({t["test"]: t["score"] for t in tests})
    ik = res.get("inkernel")
    row["nbgrader_score"] = "" if ik is None else sum(ik.values())
    disagree = [t["test"] for t in tests if ik is not None and ik.get(t["test"]) != t["score"]]
    row["flagged"] = ("nbgrader in-kernel disagrees on " + ", ".join(disagree)) if disagree else ""
    row["problem"] = clean(res.get("unreadable") or "", 1000)
    row["notes"] = "; ".join(clean_notes(res.get("notes", []) + (
        [f"nbgrader: {res['inkernel_error']}"] if res.get("inkernel_error") else [])))
    row["seconds"] = round(res.get("seconds", 0.0), 2)
    row["confinement"] = confinement
    return row, tests


def grade_notebook(assignment: str, notebook: Path | None, *, problem: str | None = None,
                   solutions: Path = SOLUTIONS, release_nb: Path | None = None,
                   checks_dir: Path | None = None, seed: int | None = None,
                   inkernel: bool = False, unconfined: bool = False,
                   student: str = "submission", hide: tuple[Path | str, ...] = (),
                   kernel_memory_mb: int = 4096, limits: Limits | None = None) -> dict:
    """Grade the one notebook at ``notebook`` (None: nothing gradable, ``problem`` says why).

    Returns the report row's fields plus ``tests`` (one entry per test cell, with the
    functions checked on it), ``notes`` (a list), ``graded`` (False when the notebook
    could not be graded: ``problem`` says why), ``seed`` and ``assignment``. ``hide``:
    more paths to keep out of the sandboxes (the platform's root, the submission folder).
    Raises ``SandboxUnavailable`` (unless ``unconfined``) and ``GraderFilesChanged``.
    """
    if not unconfined:
        check_available()
    solutions = Path(solutions).resolve()
    protected = protected_paths(solutions, checks_dir)
    before = digest(protected)
    confinement = UNCONFINED if unconfined else "bubblewrap"
    with tempfile.TemporaryDirectory(prefix="gm-one-") as tmp_name:
        tmp = Path(tmp_name)
        prepared = prepare(assignment, solutions, checks_dir, seed, limits)
        if release_nb is None:  # generated by nbgrader, as the class grader's course root
            from .gradebook import make_template

            template = make_template(tmp / "template", assignment, solutions)
            release_nb = template.parent / "release" / assignment / f"{assignment}.ipynb"
        prepared = with_release(prepared, release_nb)
        site = make_site(tmp)
        mask = mask_paths(solutions, tmp, checks_dir, *hide,
                          *([notebook.parent] if notebook is not None else []))
        path = None
        if notebook is not None:
            (tmp / "in").mkdir()
            copy = tmp / "in" / "submission.ipynb"
            why = snapshot(Path(notebook), copy)
            path = None if why else str(copy)
            problem = why or problem
        job = make_job(prepared, student, path, problem, site, mask, inkernel,
                       not unconfined, kernel_memory_mb)
        res = attempt(job)
    changed = changes(before, digest(protected))
    if changed:
        raise GraderFilesChanged("the grader's own files changed while it graded, so its "
                                 "result is not to be trusted: " + "; ".join(changed))
    row, tests = row_and_tests(res, prepared.points, confinement)
    for t in tests:
        t["functions"] = prepared.functions.get(t["test"], [])
    return {**row, "assignment": assignment, "tests": tests,
            "notes": list(res.get("notes", [])) + (
                [f"nbgrader: {res['inkernel_error']}"] if res.get("inkernel_error") else []),
            "graded": not res.get("unreadable"), "seed": prepared.seed}

