"""Execute notebooks for real, in a Jupyter kernel (nbclient), one cell after another."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from .course import REPO


@dataclass
class Executed:
    notebook: NotebookNode
    seconds: float
    errors: list[tuple[int, str, str]]  # (cell index, error name, error value)


def _kernel_environment(grading: bool, fast: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    # The kernel must import this checkout's gmlib, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if grading:
        env["NBGRADER_EXECUTION"] = "autograde"
    else:
        env.pop("NBGRADER_EXECUTION", None)
    if fast:
        env["GMLIB_FAST"] = "1"
    return env


def execute(path: str | Path, *, grading: bool = False, fast: bool = False,
            allow_errors: bool = False, timeout: int = 600) -> Executed:
    """Run every cell of the notebook at ``path`` in a fresh kernel started in its folder.

    ``grading``: as the autograder runs it (gmlib's grading mode: small budgets, no widgets);
    ``fast``: small budgets only (gmlib's fast mode). With ``allow_errors`` a failing cell is
    recorded and execution goes on; otherwise the first error raises
    ``nbclient.exceptions.CellExecutionError``.
    """
    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(_kernel_environment(grading, fast))
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                allow_errors=allow_errors,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    errors = [(i, out.ename, out.evalue) for i, cell in enumerate(nb.cells)
              if cell.cell_type == "code" for out in cell.get("outputs", [])
              if out.output_type == "error"]
    return Executed(nb, seconds, errors)
