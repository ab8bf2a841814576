"""Grade one submission (runs in a worker process of the grader's pool).

Three independent looks at the notebook: its structure against the release, nbgrader's
in-kernel autograde in an isolated root, and the out-of-kernel re-check. What comes back
is plain data; scores are assembled by the grader's main process.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .recheck import Plan, run_recheck
from .sandbox import Limits


@dataclass
class Job:
    student: str
    path: str | None
    problem: str | None
    assignment: str
    solutions: str
    release_nb: str
    plan: Plan
    limits: Limits
    site: str | None
    work: str                     # folder for this batch's autograded copies
    inkernel: bool = True
    hide: tuple[str, ...] = ()    # paths the re-check's process must not see


def init_worker(kernelspec_dir: str, pythonpath: str) -> None:
    """Pool initializer: limited kernels, and the course's gmlib importable in them."""
    from .inkernel import use_kernelspec

    use_kernelspec(Path(kernelspec_dir))
    os.environ["PYTHONPATH"] = pythonpath
    os.environ.pop("NBGRADER_EXECUTION", None)


@functools.lru_cache(maxsize=4)
def _source(path: str) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def grade_one(job: Job) -> dict:
    from .inkernel import inkernel_score
    from .structure import diagnose

    start = time.monotonic()
    release = nbformat.read(job.release_nb, as_version=4)
    found = diagnose(Path(job.path) if job.path else None, release, job.problem)
    out: dict = {"student": job.student, "unreadable": found.unreadable,
                 "notes": list(found.notes), "tests": {}, "inkernel": None,
                 "inkernel_error": "", "autograded": None}
    if found.notebook is None:
        out["seconds"] = time.monotonic() - start
        return out
    # The re-check and the in-kernel run are independent and both mostly wait on child
    # processes: the re-check runs in a thread while this one drives the kernel.
    site = Path(job.site) if job.site else None
    recheck: dict = {}
    def run() -> None:
        try:
            recheck["result"] = run_recheck(job.plan, found.solutions, job.limits, site,
                                            list(job.hide))
        except Exception as err:  # the grader's own failure: this row says so
            recheck["error"] = f"re-check failed: {type(err).__name__}: {err}"[:300]

    thread = threading.Thread(target=run)
    thread.start()
    if job.inkernel:
        keep = Path(job.work) / "autograded" / f"{job.student}.ipynb"
        source_path = Path(job.solutions) / job.assignment / f"{job.assignment}.ipynb"
        ik = inkernel_score(found.notebook, _source(str(source_path)), source_path.parent,
                            int(job.limits.step_s * 2), keep, job.limits.total_s)
        out["inkernel"], out["inkernel_error"] = ik.scores, ik.error
        out["autograded"] = str(ik.notebook) if ik.notebook else None
    thread.join()
    if "error" in recheck:
        out["unreadable"] = recheck["error"]
        out["seconds"] = time.monotonic() - start
        return out
    results, notes = recheck["result"]
    out["notes"] += notes
    out["tests"] = {t: {"passed": r.passed, "failures": r.failures} for t, r in results.items()}
    out["seconds"] = time.monotonic() - start
    return out
