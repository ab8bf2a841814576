"""nbgrader's own, in-kernel autograde of one submission, isolated and limited.

Each submission is autograded in a throw-away course root whose gradebook holds only the
assignment (no other student's grades to read or spoil), by a kernel started through a
kernelspec that sets resource limits before it becomes ipykernel. The score this gives is
not the grade (the re-check's is); the grader reports where the two disagree.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Runs as `python -c BOOT <memory MiB> <cpu s> -m ipykernel_launcher -f <connection file>`.
BOOT = ("import os,sys,resource as r;m=int(sys.argv[1])*2**20;c=int(sys.argv[2]);"
        "r.setrlimit(r.RLIMIT_AS,(m,m));r.setrlimit(r.RLIMIT_CPU,(c,c+2));"
        "r.setrlimit(r.RLIMIT_CORE,(0,0));os.execv(sys.executable,[sys.executable]+sys.argv[3:])")


@dataclass
class InKernel:
    scores: dict[str, float] | None   # test grade id -> nbgrader's score; None if it failed
    error: str = ""
    notebook: Path | None = None      # nbgrader's autograded copy (kept by the caller)


def write_limited_kernelspec(folder: Path, memory_mb: int, cpu_s: int) -> Path:
    """A ``python3`` kernelspec under ``folder`` (to put first on JUPYTER_PATH)."""
    spec = Path(folder) / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-c", BOOT, str(memory_mb), str(cpu_s),
            "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "Python 3 (limited)", "language": "python"}))
    return Path(folder)


def make_template(cache: Path, assignment: str, solutions: Path) -> Path:
    """A gradebook holding only the assignment (and its release folder beside it).

    Cached under ``cache`` by the solution notebook's digest: creating a gradebook runs
    nbgrader's database migrations in a subprocess, which takes seconds.
    """
    from .batch import course_api, ensure_assignment
    from .keys import solution_notebook

    digest = hashlib.sha256(solution_notebook(assignment, solutions).read_bytes()).hexdigest()
    cached = Path(cache) / f"{assignment}-{digest[:12]}"
    if not (cached / "gradebook.db").exists():
        with tempfile.TemporaryDirectory(prefix="gm-template-") as tmp:
            ensure_assignment(course_api(Path(tmp), solutions), assignment)
            cached.mkdir(parents=True, exist_ok=True)
            shutil.copytree(Path(tmp) / "release", cached / "release", dirs_exist_ok=True)
            shutil.copyfile(Path(tmp) / "gradebook.db", cached / "gradebook.db")
    return cached / "gradebook.db"


def autograde_isolated(notebook: Path, student: str, assignment: str, solutions: Path,
                       template_db: Path, cell_timeout: int, keep: Path) -> InKernel:
    """nbgrader autograde of ``notebook`` alone; its autograded copy is moved to ``keep``."""
    from nbgrader.api import Gradebook

    from .batch import course_api

    with tempfile.TemporaryDirectory(prefix="gm-inkernel-") as tmp:
        root = Path(tmp)
        shutil.copyfile(template_db, root / "gradebook.db")
        target = root / "submitted" / student / assignment / f"{assignment}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(notebook, target)
        api = course_api(root, solutions, log_level=logging.CRITICAL)
        api.config.Execute.timeout = cell_timeout
        api.config.Execute.interrupt_on_timeout = False
        try:
            result = api.autograde(assignment, student, force=True, create=True)
        except Exception as err:  # nbgrader itself tripped over the notebook
            return InKernel(None, f"nbgrader failed: {type(err).__name__}: {err}"[:300])
        graded = root / "autograded" / student / assignment / f"{assignment}.ipynb"
        if not result["success"] or not graded.exists():
            text = (result.get("error") or result.get("log") or "").strip().splitlines()
            return InKernel(None, "nbgrader failed: " + (text[-1] if text else "no message")[:300])
        with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
            sub = gb.find_submission_notebook(assignment, assignment, student)
            scores = {g.name: float(g.score) for g in sub.grades}
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(graded, keep)
        return InKernel(scores, notebook=keep)


def use_kernelspec(folder: Path) -> None:
    """Make kernels started from this process use the limited kernelspec in ``folder``."""
    paths = os.environ.get("JUPYTER_PATH", "")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(folder), paths) if p)
