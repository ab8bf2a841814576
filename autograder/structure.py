"""Read a submitted notebook defensively and compare its graded cells with the release.

Whatever a student did to the file (broken JSON, an old nbformat, cells deleted,
duplicated, reordered, turned into markdown, locked cells or points edited), the grader
gets the sources of the student's solution cells plus plain-words notes, or a reason why
nothing could be read. Nothing here executes student code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Structure:
    notebook: NotebookNode | None          # readable as nbformat 4, or None
    solutions: dict[str, str] = field(default_factory=dict)  # grade id -> source
    notes: list[str] = field(default_factory=list)
    unreadable: str = ""                   # why ``notebook`` is None


def read_submission(path: Path) -> tuple[NotebookNode | None, str, list[str]]:
    """(notebook as nbformat 4, reason it could not be read, notes on conversion)."""
    try:
        size = path.stat().st_size
        if size == 0:
            return None, "the notebook file is empty", []
        if size > MAX_BYTES:
            return None, f"the notebook file is {size // 2**20} MiB (limit {MAX_BYTES // 2**20})", []
        raw = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return None, f"not a readable notebook (invalid JSON: {str(err)[:80]})", []
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        return None, "not a notebook (no list of cells)", []
    notes = []
    major = raw.get("nbformat")
    if major != 4:
        notes.append(f"notebook format {major} was converted to format 4")
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as err:  # nbformat raises a variety of errors on odd files
        return None, f"not a readable notebook ({type(err).__name__}: {str(err)[:80]})", notes
    if not nb.cells:
        return None, "the notebook has no cells", notes
    return nb, "", notes


def _grade_cells(nb: NotebookNode) -> list[tuple[str, NotebookNode]]:
    out = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str):
            out.append((meta["grade_id"], cell))
    return out


def diagnose(path: Path | None, release: NotebookNode, problem: str | None = None) -> Structure:
    """Solution-cell sources of a submission, with notes on everything that differs."""
    if path is None:
        return Structure(None, unreadable=problem or "no notebook submitted")
    nb, reason, notes = read_submission(path)
    if problem:
        notes.insert(0, problem)
    if nb is None:
        return Structure(None, notes=notes, unreadable=reason)
    ours = _grade_cells(release)
    theirs = _grade_cells(nb)
    by_id: dict[str, list[NotebookNode]] = {}
    for gid, cell in theirs:
        by_id.setdefault(gid, []).append(cell)
    solutions: dict[str, str] = {}
    for gid, ref in ours:
        meta = ref.metadata["nbgrader"]
        kind = "answer cell" if meta.get("solution") else \
            "test cell" if meta.get("grade") else "locked cell"
        cells = by_id.get(gid, [])
        if not cells:
            notes.append(f"{kind} {gid} is missing (deleted, or its metadata was removed)")
            continue
        if len(cells) > 1:
            notes.append(f"{kind} {gid} appears {len(cells)} times; the last one counts")
        cell = cells[-1]
        if cell.cell_type != ref.cell_type:
            notes.append(f"{kind} {gid} was changed from {ref.cell_type} to {cell.cell_type}")
            continue
        if meta.get("solution"):
            solutions[gid] = cell.source
            continue
        if cell.source != ref.source:
            notes.append(f"{kind} {gid} was edited; the original is used")
        points = cell.metadata["nbgrader"].get("points")
        if meta.get("grade") and points != meta.get("points"):
            notes.append(f"points of {gid} were changed to {points!r}; "
                         f"the original {meta.get('points')} count")
    order = [g for g, _ in theirs if g in dict(ours)]
    expected = [g for g, _ in ours if g in order]
    if list(dict.fromkeys(order)) != expected:
        notes.append("graded cells are in a different order than in the assignment")
    return Structure(nb, solutions, notes)
