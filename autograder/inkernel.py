"""nbgrader's own, in-kernel autograde of one submission, isolated and limited.

Each submission is executed with nbgrader's own preprocessors in a throw-away folder, with
no gradebook in reach (nothing to read or spoil), by a kernel started through a kernelspec
that sets resource limits before it becomes ipykernel. The score this gives is
not the grade (the re-check's is); the grader reports where the two disagree.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

# Runs as `python -c BOOT <memory MiB> <cpu s> -m ipykernel_launcher -f <connection file>`.
BOOT = ("import os,sys,resource as r;m=int(sys.argv[1])*2**20;c=int(sys.argv[2]);"
        "r.setrlimit(r.RLIMIT_AS,(m,m));r.setrlimit(r.RLIMIT_CPU,(c,c+2));"
        "r.setrlimit(r.RLIMIT_CORE,(0,0));n=os.open(os.devnull,os.O_WRONLY);os.dup2(n,2);os.execv(sys.executable,[sys.executable]+sys.argv[3:])")


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


def inkernel_score(nb: NotebookNode, source: NotebookNode, assignment_dir: Path,
                   cell_timeout: int, keep: Path, deadline_s: float = 300.0) -> InKernel:
    """nbgrader's in-kernel autograde of ``nb``, minus the database: the same
    preprocessors (clear, de-duplicate, locked and test cells restored from the
    instructor's notebook, execute, limit output) and nbgrader's ``determine_grade``.

    Each cell has ``cell_timeout`` seconds; the whole notebook ``deadline_s``, after which
    the kernel is killed (cells that sleep use no CPU time, so the CPU limit alone would
    not stop them).
    """
    from nbgrader.preprocessors import ClearOutput, DeduplicateIds, Execute, LimitOutput
    from nbgrader.utils import determine_grade, is_grade, setenv

    nb = copy.deepcopy(nb)
    nb, _ = ClearOutput().preprocess(nb, {})
    nb, _ = DeduplicateIds().preprocess(nb, {})
    _overwrite_locked(nb, source)
    with tempfile.TemporaryDirectory(prefix="gm-inkernel-") as tmp:
        # The assignment's other files (data), as nbgrader copies them next to the notebook.
        for f in Path(assignment_dir).iterdir():
            if f.is_file() and f.suffix != ".ipynb":
                shutil.copy(f, tmp)
        # The kernel is thrown away after the run: no graceful shutdown to wait for.
        executor = Execute(timeout=cell_timeout, interrupt_on_timeout=False,
                           shutdown_kernel="immediate")
        watchdog = threading.Timer(deadline_s, _kill_kernel, args=(executor,))
        watchdog.start()
        try:
            with setenv(NBGRADER_EXECUTION="autograde"):
                nb, _ = executor.preprocess(nb, {"metadata": {"path": tmp}})
        except Exception as err:  # a dead kernel, or nbgrader tripping over the notebook
            if not watchdog.is_alive():
                return InKernel(None, f"stopped after {deadline_s:.0f} s (whole-notebook "
                                "time limit)")
            return InKernel(None, f"{type(err).__name__}: {err}".splitlines()[0][:300])
        finally:
            watchdog.cancel()
    nb, _ = LimitOutput().preprocess(nb, {})
    scores = {}
    for cell in nb.cells:
        if is_grade(cell):
            score, _ = determine_grade(cell)
            scores[cell.metadata["nbgrader"]["grade_id"]] = float(score or 0)
    keep.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(keep))
    return InKernel(scores, notebook=keep)


def _kill_kernel(executor) -> None:
    """SIGKILL the kernel an nbclient executor runs (the watchdog's action)."""
    process = getattr(getattr(getattr(executor, "km", None), "provisioner", None),
                      "process", None)
    if process is not None and process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)


def _overwrite_locked(nb: NotebookNode, source: NotebookNode) -> None:
    """nbgrader's OverwriteCells: locked and test cells come back as the instructor wrote
    them (hidden tests included); answer cells stay the student's."""
    originals = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("locked")
                 or c.metadata.get("nbgrader", {}).get("grade")}
    for i, cell in enumerate(nb.cells):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in originals and not originals[gid].metadata["nbgrader"].get("solution"):
            fresh = copy.deepcopy(originals[gid])
            if fresh.cell_type == "code":
                fresh.outputs, fresh.execution_count = [], None
            if "id" in cell:
                fresh["id"] = cell["id"]
            nb.cells[i] = fresh


def use_kernelspec(folder: Path) -> None:
    """Make kernels started from this process use the limited kernelspec in ``folder``."""
    paths = os.environ.get("JUPYTER_PATH", "")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(folder), paths) if p)
