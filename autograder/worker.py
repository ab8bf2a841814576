"""Grade one submission: structure, nbgrader's in-kernel run, and the re-check.

Runs in one of the grader's worker threads. The student's code runs only in the two
sandboxes started from here (``inkernel.py``, ``steps.py`` via ``recheck.py``); this
thread reads the submission's snapshot as data, waits on the sandboxes and judges their
plain results. What comes back is plain data; the grader's main thread assembles scores
and writes every file.
"""

from __future__ import annotations

import functools
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
    path: str | None              # the grader's snapshot of the submission
    problem: str | None
    assignment: str
    solutions: str
    release_nb: str
    plan: Plan
    limits: Limits
    site: str | None              # folder holding the gmlib the sandboxes import
    inkernel: bool = True
    confined: bool = True         # False: --unconfined, no bubblewrap
    mask: tuple[str, ...] = ()    # paths kept out of the sandboxes even if bound
    kernel_memory_mb: int = 4096


@functools.lru_cache(maxsize=4)
def _source(path: str) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def grade_one(job: Job) -> dict:
    from .inkernel import inkernel_score
    from .structure import diagnose

    start = time.monotonic()
    release = _source(job.release_nb)
    found = diagnose(Path(job.path) if job.path else None, release, job.problem)
    out: dict = {"student": job.student, "unreadable": found.unreadable,
                 "notes": list(found.notes), "tests": {}, "inkernel": None,
                 "inkernel_error": "", "autograded": None}
    if found.notebook is None:
        out["seconds"] = time.monotonic() - start
        return out
    # The re-check and the in-kernel run are independent and both wait on sandboxes:
    # the re-check runs in a thread while this one waits on the kernel's.
    site = Path(job.site) if job.site else None
    recheck: dict = {}

    def run() -> None:
        for _ in range(2):  # the grader's own failure may be a fluke: once more
            try:
                recheck["result"] = run_recheck(job.plan, found.solutions, job.limits, site,
                                                job.confined, job.mask, found.helpers)
                recheck.pop("error", None)
                return
            except Exception as err:  # twice: this row says so
                recheck["error"] = f"re-check failed: {type(err).__name__}: {err}"[:300]

    thread = threading.Thread(target=run)
    thread.start()
    if job.inkernel:
        source_path = Path(job.solutions) / job.assignment / f"{job.assignment}.ipynb"
        ik = inkernel_score(found.notebook, _source(str(source_path)), source_path.parent,
                            int(job.limits.step_s * 2), job.limits.total_s,
                            job.kernel_memory_mb, site, job.confined, job.mask)
        out["inkernel"], out["inkernel_error"] = ik.scores, ik.error
        out["autograded"] = nbformat.writes(ik.notebook) if ik.notebook is not None else None
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
