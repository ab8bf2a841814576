"""nbgrader's own, in-kernel autograde of one submission, inside the sandbox.

The notebook is prepared here with nbgrader's preprocessors (clear outputs, de-duplicate
cell ids, locked and test cells restored from the instructor's notebook), then executed by
nbgrader's ``Execute`` in a bubblewrap sandbox (``inkernel_runner.py``): kernel and client
both confined, no gradebook, repository or course root in reach. What comes back is
untrusted: only the outputs of cells that still match the ones sent are taken, onto the
grader's own copy, and nbgrader's ``determine_grade`` scores that copy. The score is not
the grade (the re-check's is); the grader reports where the two disagree.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .plain_text import clean
from .sandbox import Limits, Sandbox
from .warm_cache import cache_env

RUNNER = Path(__file__).with_name("inkernel_runner.py")
MAX_RESULT = 64 * 1024 * 1024     # the executed notebook, as JSON, at most


@dataclass
class InKernel:
    scores: dict[str, float] | None   # test grade id -> nbgrader's score; None if it failed
    error: str = ""
    notebook: NotebookNode | None = None  # nbgrader's autograded copy (outputs grafted)


def prepare(nb: NotebookNode, source: NotebookNode) -> NotebookNode:
    """What nbgrader's autograde does before executing: ClearOutput, DeduplicateIds, and
    OverwriteCells (locked and test cells as the instructor wrote them)."""
    from nbgrader.preprocessors import ClearOutput, DeduplicateIds

    nb = copy.deepcopy(nb)
    nb, _ = ClearOutput().preprocess(nb, {})
    nb, _ = DeduplicateIds().preprocess(nb, {})
    _overwrite_locked(nb, source)
    return nb


def inkernel_score(nb: NotebookNode, source: NotebookNode, assignment_dir: Path,
                   cell_timeout: int, deadline_s: float = 300.0, memory_mb: int = 4096,
                   site: Path | None = None, confined: bool = True,
                   mask: tuple[str, ...] = (), fill_cache: Path | None = None) -> InKernel:
    """nbgrader's in-kernel score of ``nb``; never raises: it only sets the flags, so a
    notebook that trips it costs the cross-check, not the re-check's grade.

    The kernel reads the batch's training cache (``site/grading-cache``, read-only in the
    sandbox); ``fill_cache`` (the warm-up's unconfined run of the solution notebook only)
    names the folder it writes instead."""
    try:
        return _inkernel_score(nb, source, assignment_dir, cell_timeout, deadline_s,
                               memory_mb, site, confined, mask, fill_cache)
    except Exception as err:  # anything nbgrader or odd metadata throws
        return InKernel(None, clean(f"{type(err).__name__}: {err}", 300))


def _inkernel_score(nb: NotebookNode, source: NotebookNode, assignment_dir: Path,
                    cell_timeout: int, deadline_s: float, memory_mb: int,
                    site: Path | None, confined: bool, mask: tuple[str, ...],
                    fill_cache: Path | None = None) -> InKernel:
    """nbgrader's in-kernel autograde of ``nb``, minus the database.

    Each cell has ``cell_timeout`` seconds; the whole notebook ``deadline_s``, after which
    the sandbox is killed (cells that sleep use no CPU time, so a CPU limit alone would not
    stop them). ``site`` is a folder holding the gmlib the kernel imports.
    """
    from nbgrader.preprocessors import LimitOutput
    from nbgrader.utils import determine_grade, is_grade

    prepared = prepare(nb, source)
    # A kernel and its client run ~20 threads and hold ~100 sockets and files.
    # The warm-up writes the batch's cache: its files are larger than any output.
    limits = Limits(memory_mb=memory_mb, processes=64, open_files=256,
                    file_mb=8 if fill_cache is None else 256)
    cpu = int(deadline_s) + 30
    confinement = json.dumps({"memory": memory_mb * 2**20, "cpu": [cpu, cpu + 2],
                              "file": limits.file_mb * 2**20, "processes": limits.processes,
                              "open_files": limits.open_files})
    with tempfile.TemporaryDirectory(prefix="gm-inkernel-") as tmp:
        stage = Path(tmp) / "stage"
        (stage / "data").mkdir(parents=True)
        shutil.copyfile(RUNNER, stage / "inkernel_runner.py")
        shutil.copyfile(RUNNER.with_name("sandbox_runner.py"), stage / "sandbox_runner.py")
        if site is not None:  # gmlib for the kernel (the grader's copy of it)
            shutil.copytree(site, stage / "site", symlinks=False)
        # The assignment's other files (data), as nbgrader copies them next to the notebook.
        for f in Path(assignment_dir).iterdir():
            if f.is_file() and not f.is_symlink() and f.suffix != ".ipynb":
                shutil.copy(f, stage / "data")
        box = Sandbox(stage, limits, confined, mask)
        inside = box.stage_path
        read_fd, write_fd = os.pipe()
        with open(Path(tmp) / "log.txt", "wb") as log:
            proc = box.popen([box.python, f"{inside}/inkernel_runner.py", str(write_fd),
                              confinement, str(cell_timeout)],
                             env={"PYTHONPATH": f"{inside}/site", "NBGRADER_EXECUTION": "autograde",
                                  "MPLBACKEND": "module://matplotlib_inline.backend_inline",
                                  "JUPYTER_PLATFORM_DIRS": "1",
                                  **cache_env(stage / "site", f"{inside}/site", fill_cache)},
                             stdin=subprocess.PIPE, stdout=log, stderr=log,
                             pass_fds=(write_fd,))
        os.close(write_fd)
        timer = threading.Timer(deadline_s, _kill, args=(proc,))
        timer.start()
        try:
            writer = threading.Thread(target=_feed, args=(proc, nbformat.writes(prepared)))
            writer.start()
            raw = _read_capped(read_fd)
            proc.wait()
            writer.join()
        finally:
            fired = not timer.is_alive()
            timer.cancel()
            _kill(proc)
    if fired and proc.returncode != 0:
        return InKernel(None, f"stopped after {deadline_s:.0f} s (whole-notebook time limit)")
    result = _parse(raw)
    if isinstance(result, str):
        return InKernel(None, result)
    executed = _graft(prepared, result)
    if executed is None:
        return InKernel(None, "the in-kernel run returned a notebook that does not match "
                        "the one it was given (changed from inside the kernel?)")
    executed, _ = LimitOutput().preprocess(executed, {})
    graded = {c.metadata["nbgrader"]["grade_id"] for c in source.cells if is_grade(c)}
    scores = {}
    for cell in executed.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        # Only the instructor's test cells count: they were put back from the source, points
        # and all, so a cell a student added or copied cannot trip determine_grade.
        if gid in graded and gid not in scores and is_grade(cell):
            score, _ = determine_grade(cell)
            scores[gid] = float(score or 0)
    return InKernel(scores, notebook=executed)


def _feed(proc: subprocess.Popen, text: str) -> None:
    try:
        proc.stdin.write(text.encode())
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def _read_capped(fd: int) -> bytes:
    chunks, total = [], 0
    with os.fdopen(fd, "rb") as pipe:
        while chunk := pipe.read(1 << 20):
            total += len(chunk)
            if total > MAX_RESULT:
                return b""  # too large to be a notebook this course produces
            chunks.append(chunk)
    return b"".join(chunks)


def _parse(raw: bytes) -> dict | str:
    """The runner's result, or why there is none."""
    if not raw:
        return "the kernel's sandbox returned nothing (killed, out of memory, or output too large)"
    try:
        result = json.loads(raw)
    except (ValueError, RecursionError):
        return "the kernel's sandbox returned something unreadable"
    if not isinstance(result, dict):
        return "the kernel's sandbox returned something unreadable"
    if not result.get("ok"):
        return str(result.get("error", "nbgrader's execution failed"))[:300]
    return result


def _graft(prepared: NotebookNode, result: dict) -> NotebookNode | None:
    """Our copy of the cells with the returned outputs, or None if the cells differ."""
    try:
        cells = result["notebook"]["cells"]
        if len(cells) != len(prepared.cells):
            return None
        out = copy.deepcopy(prepared)
        for mine, theirs in zip(out.cells, cells):
            if mine.cell_type != theirs.get("cell_type") or mine.source != _text(theirs.get("source")):
                return None
            if mine.cell_type == "code":
                mine.outputs = [safe for o in theirs.get("outputs", [])
                                if (safe := _safe_output(o)) is not None]
        return out
    except (KeyError, TypeError, AttributeError):
        return None


# What formgrader may render of an output: text and raster images. HTML, JavaScript, SVG,
# widgets and the rest could run script in the instructor's browser.
_SAFE_DATA = ("text/plain", "image/png", "image/jpeg")


def _safe_output(output: object) -> NotebookNode | None:
    """An output the instructor's browser may render safely, or None."""
    if not isinstance(output, dict):
        return None
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        return nbformat.v4.new_output("stream", name=str(output.get("name", "stdout"))[:10],
                                      text=clean(_text(text), 100_000))
    if kind == "error":
        return nbformat.v4.new_output("error", ename=clean(output.get("ename", ""), 200),
                                      evalue=clean(output.get("evalue", ""), 2000),
                                      traceback=[clean(t, 2000) for t in
                                                 list(output.get("traceback") or [])[:50]])
    if kind in ("display_data", "execute_result"):
        data = output.get("data") if isinstance(output.get("data"), dict) else {}
        kept = {k: v for k, v in data.items() if k in _SAFE_DATA and isinstance(v, (str, list))}
        if not kept:
            return None
        if kind == "execute_result":
            return nbformat.v4.new_output(kind, data=kept, execution_count=None)
        return nbformat.v4.new_output(kind, data=kept)
    return None


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


def _overwrite_locked(nb: NotebookNode, source: NotebookNode) -> None:
    """nbgrader's OverwriteCells: locked and test cells come back as the instructor wrote
    them (hidden tests included); answer cells stay the student's."""
    originals = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("locked")
                 or c.metadata.get("nbgrader", {}).get("grade")}
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader")
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if isinstance(gid, str) and gid in originals and not originals[gid].metadata["nbgrader"].get("solution"):
            fresh = copy.deepcopy(originals[gid])
            if fresh.cell_type == "code":
                fresh.outputs, fresh.execution_count = [], None
            if "id" in cell:
                fresh["id"] = cell["id"]
            nb.cells[i] = fresh
