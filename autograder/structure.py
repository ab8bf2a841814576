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

from .plain_text import clean, clean_notes

@dataclass
class Structure:
    notebook: NotebookNode | None          # readable as nbformat 4, or None
    solutions: dict[str, str] = field(default_factory=dict)  # grade id -> source
    helpers: list[str] = field(default_factory=list)  # code cells the student added
    notes: list[str] = field(default_factory=list)
    unreadable: str = ""                   # why ``notebook`` is None


MAX_SOURCE_BYTES = 20 * 1024 * 1024   # what is left once outputs and attachments are gone
MAX_VALUES = 5_000_000                # JSON values in the whole file
MAX_CELLS = 2_000                     # cells kept; beyond it, only the graded ones
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
    skipped: list[int] = []
    dropped = 0
    for k, cell in enumerate(cells):
        graded = isinstance(cell, dict) and isinstance(cell.get("metadata"), dict) and \
            "nbgrader" in cell["metadata"]
        if not graded and len(nb.cells) >= MAX_CELLS:
            dropped += 1  # past the limit only graded cells are read at all
            continue
        rebuilt = _cell(cell, k, notes)
        if rebuilt is None:
            skipped.append(k + 1)
        else:
            nb.cells.append(rebuilt)
    if skipped:
        notes.append(f"{len(skipped)} entries of the cell list are not notebook cells and were "
                     f"skipped (the first: entry {skipped[0]})")
    if dropped:
        notes.append(f"the notebook has more than {MAX_CELLS} cells: {dropped} cells without "
                     "nbgrader metadata after the first ones were dropped")
    if not nb.cells:
        return None, "the notebook has no cells", notes
    return nb, "", notes


# nbgrader's cell metadata, field by field, with the type each field must have.
_NBGRADER_FIELDS = {"grade": bool, "solution": bool, "locked": bool, "task": bool,
                    "grade_id": str, "points": (int, float), "schema_version": int,
                    "checksum": str, "cell_type": str}


def _nbgrader_metadata(meta: object) -> dict:
    """The well-typed fields of a cell's nbgrader metadata ({} when there is nothing usable)."""
    if not isinstance(meta, dict) or not isinstance(meta.get("grade_id"), str):
        return {}
    out = {}
    for key, kind in _NBGRADER_FIELDS.items():
        value = meta.get(key)
        if isinstance(value, kind) and not (kind is not bool and isinstance(value, bool)):
            out[key] = value[:200] if isinstance(value, str) else value
    return out


def _strip(cells) -> None:
    for cell in cells:
        if isinstance(cell, dict):
            for key in ("outputs", "attachments", "prompt_number"):
                cell.pop(key, None)


def _cell(cell: object, k: int, notes: list[str]) -> NotebookNode | None:
    """A valid nbformat 4 cell from whatever the file holds at position ``k``."""
    if not isinstance(cell, dict) or cell.get("cell_type") not in CELL_TYPES + ("heading",):
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
    keep = {}
    nbgrader = _nbgrader_metadata(meta.get("nbgrader"))
    if nbgrader:
        keep["nbgrader"] = nbgrader
    elif "nbgrader" in meta:
        notes.append(f"cell {k + 1}'s nbgrader metadata is not readable and was dropped")
    tags = meta.get("tags")
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        keep["tags"] = tags[:20]
    new = make(source, metadata=keep)
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
        return Structure(None, notes=clean_notes(notes), unreadable=clean(reason, 500))
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
    # Code cells of the student's own: ungraded cells of the assignment left as they were
    # are the course's (demos, plots), not helpers, and are not run by the re-check.
    course_cells = {c.source for c in release.cells if c.cell_type == "code"}
    helpers = [c.source for c in nb.cells if c.cell_type == "code"
               and not isinstance(c.metadata.get("nbgrader", {}).get("grade_id"), str)
               and c.source not in course_cells]
    return Structure(nb, solutions, notes=clean_notes(notes), helpers=helpers)
