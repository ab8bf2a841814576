"""A digest of the grader's own files, taken before and after a batch.

Student code cannot reach ``autograder/`` or ``solutions/`` from inside the sandbox; this
is the tripwire that says so loudly if anything (a bug, an unconfined run, another
process) changed them while a batch ran.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


class GraderFilesChanged(RuntimeError):
    """The grader's own files changed during a batch: its results are not to be trusted."""


def digest(paths: list[Path]) -> dict[str, str]:
    """Path -> digest of every file, link and folder under ``paths`` (links not followed)."""
    out: dict[str, str] = {}
    for top in paths:
        top = Path(top)
        if not os.path.lexists(top):
            continue
        for folder, dirs, files in os.walk(top, followlinks=False):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            out[folder] = "folder"
            for name in sorted(files) + [d for d in dirs if os.path.islink(Path(folder, d))]:
                path = Path(folder, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode):
                    out[str(path)] = "link:" + os.readlink(path)
                elif stat.S_ISREG(mode):
                    if name.endswith(".pyc"):
                        continue
                    out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
                else:
                    out[str(path)] = f"mode:{mode:o}"
    return out


def changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """What differs, in words (at most 10 entries)."""
    added = [f"added {p}" for p in after if p not in before]
    removed = [f"removed {p}" for p in before if p not in after]
    changed = [f"changed {p}" for p in before if p in after and before[p] != after[p]]
    return (changed + added + removed)[:10]
