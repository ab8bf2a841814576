"""What the last batch graded, for ``autograde --resume``: ``exports/<assignment>_graded.json``.

One entry per student who was graded: the sha256 of the notebook as submitted, the report
row before any late penalty, the per-test results and notes (so that feedback can be
written again under a new late policy) and the seed of the batch. An entry is used only
while the answer key, the checks spec and the in-kernel setting it was graded with are
unchanged (``context``); a submission that could not be graded has no entry, so a resumed
batch tries it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from .checks import spec_path
from .keys import solution_notebook
from .safe_write import write_bytes

VERSION = 1
MAX_BYTES = 64 * 1024 * 1024


def relative(assignment: str) -> str:
    return f"exports/{assignment}_graded.json"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def context(assignment: str, solutions: Path, checks_dir: Path | None, inkernel: bool) -> str:
    """A digest of what decides a grade besides the notebook: key, spec, in-kernel run."""
    h = hashlib.sha256()
    for path in (solution_notebook(assignment, Path(solutions)), spec_path(assignment, checks_dir)):
        h.update(Path(path).read_bytes())
    h.update(b"inkernel" if inkernel else b"recheck-only")
    return h.hexdigest()


def load(root: Path, assignment: str, ctx: str) -> tuple[dict[str, dict], str]:
    """(student -> entry, a warning or ''): entries of the last batch that still apply."""
    path = Path(root) / relative(assignment)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return {}, ""
    except OSError as err:
        return {}, f"{path} could not be read ({err.strerror or err}): grading everything"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or os.fstat(fd).st_size > MAX_BYTES:
            return {}, f"{path} is not a usable state file: grading everything"
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = json.loads(f.read())
    except (OSError, ValueError) as err:
        return {}, f"{path} is not readable JSON ({str(err)[:80]}): grading everything"
    finally:
        os.close(fd)
    if not isinstance(data, dict) or data.get("version") != VERSION or \
            not isinstance(data.get("students"), dict):
        return {}, f"{path} is from another version of the grader: grading everything"
    if data.get("context") != ctx:
        return {}, ("the answer key, the checks spec or the in-kernel setting changed since "
                    "the last batch: grading everything again")
    entries = {s: e for s, e in data["students"].items() if _usable(s, e)}
    return entries, ""


def _usable(student: str, entry) -> bool:
    """An entry that can stand in for grading: its row has what a report row has."""
    if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("row"), dict) and isinstance(entry.get("tests"), list)):
        return False
    row = entry["row"]
    return (row.get("student") == student
            and all(isinstance(row.get(k), (int, float)) and not isinstance(row.get(k), bool)
                    for k in ("score", "max_score"))
            and all(isinstance(row.get(k), str) for k in ("problem", "flagged", "notes")))


def save(root: Path, assignment: str, ctx: str, entries: dict[str, dict]) -> Path:
    data = {"version": VERSION, "assignment": assignment, "context": ctx,
            "students": {s: entries[s] for s in sorted(entries)}}
    return write_bytes(root, relative(assignment),
                       json.dumps(data, indent=1, default=str).encode())
