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

@dataclass
class Structure:
    notebook: NotebookNode | None          # readable as nbformat 4, or None
    solutions: dict[str, str] = field(default_factory=dict)  # grade id -> source
    notes: list[str] = field(default_factory=list)
    unreadable: str = ""                   # why ``notebook`` is None


MAX_SOURCE_BYTES = 20 * 1024 * 1024   # what is left once outputs and attachments are gone
MAX_VALUES = 5_000_000                # JSON values in the whole file
CELL_TYPES = ("code", "markdown", "raw")


def read_submission(path: Path) -> tuple[NotebookNode | None, str, list[str]]:
    """(notebook as nbformat 4, reason it could not be read, notes on what was repaired).

    The grader re-executes everything, so outputs and attachments are dropped before any
    size limit applies. The notebook is rebuilt from its cells' types, sources and
    metadata alone: odd metadata, unknown format minor versions, sources that are lists or
    not text at all are repaired (with a note), not reasons to refuse the notebook.
    """
    try:
        data = path.read_bytes()
        if not data:
            return None, "the notebook file is empty", []
        # Each value costs the parser tens of bytes of memory: a file of millions of tiny
        # values (not a notebook anyone saved) is refused before it is parsed.
        values = data.count(b",") + data.count(b"[") + data.count(b"{")
        if values > MAX_VALUES:
            return None, (f"the notebook holds {values:,} JSON values (limit {MAX_VALUES:,}): "
                          "clear its outputs (Edit > Clear outputs of all cells) and submit "
                          "it again"), []
        raw = json.loads(data)
    except RecursionError:
        return None, "not a readable notebook (nested too deeply)", []
    except (OSError, UnicodeDecodeError, ValueError) as err:
        return None, f"not a readable notebook (invalid JSON: {str(err)[:80]})", []
    del data
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        return None, "not a notebook (no list of cells)", []
    notes: list[str] = []
    major = raw.get("nbformat")
    if major in (1, 2, 3) and "worksheets" in raw:
        try:
            raw = nbformat.reads(json.dumps(raw), as_version=4)
            notes.append(f"notebook format {major} was converted to format 4")
        except Exception as err:  # nbformat raises a variety of errors on odd files
            return None, f"not a readable notebook ({type(err).__name__}: {str(err)[:80]})", []
    elif major != 4 or raw.get("nbformat_minor") not in range(nbformat.current_nbformat_minor + 1):
        notes.append(f"notebook format {major}.{raw.get('nbformat_minor')} was read as format "
                     f"4.{nbformat.current_nbformat_minor}")
    cells = raw.get("cells")
    if not isinstance(cells, list):
        return None, "not a notebook (no list of cells)", notes
    _strip(cells)
    if len(json.dumps(cells)) > MAX_SOURCE_BYTES:
        return None, (f"the notebook's cells hold more than {MAX_SOURCE_BYTES // 2**20} MiB "
                      "of text even without outputs"), notes
    nb = nbformat.v4.new_notebook()
    for k, cell in enumerate(cells):
        rebuilt = _cell(cell, k, notes)
        if rebuilt is not None:
            nb.cells.append(rebuilt)
    if not nb.cells:
        return None, "the notebook has no cells", notes
    return nb, "", notes


def _strip(cells) -> None:
    for cell in cells:
        if isinstance(cell, dict):
            for key in ("outputs", "attachments", "prompt_number"):
                cell.pop(key, None)


def _cell(cell: object, k: int, notes: list[str]) -> NotebookNode | None:
    """A valid nbformat 4 cell from whatever the file holds at position ``k``."""
    if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES + ("heading",):
        notes.append(f"cell {k + 1} is not a notebook cell and was skipped")
        return None
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        source = "".join(source)
    elif not isinstance(source, str):
        notes.append(f"cell {k + 1}'s source is not text ({type(source).__name__}); read as empty")
        source = ""
    meta = cell.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    kind = cell["cell_type"]
    make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell,
            "raw": nbformat.v4.new_raw_cell, "heading": nbformat.v4.new_markdown_cell}[kind]
    keep = {key: meta[key] for key in ("nbgrader", "tags") if key in meta}
    try:
        new = make(source, metadata=json.loads(json.dumps(keep)))
    except (TypeError, ValueError):
        new = make(source)
    new["id"] = f"cell-{k}"
    return new


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
