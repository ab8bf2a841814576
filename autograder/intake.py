"""Find the submissions in a folder handed to the grader: one notebook per student.

A folder holds ``<student>.ipynb`` files or ``<student>/<anything>.ipynb`` folders (what an
LMS download or ``nbgrader zip_collect`` leaves). A student folder with several notebooks is
read by the assignment's own name first; a folder without a notebook is still reported, so
that every student gets a result row. Symbolic links are never followed (a link to the
solution notebook is not a student's work), and only regular files count as notebooks.
``snapshot`` copies a submission's bytes once, at intake: grading reads the copy, so a
file that changes or disappears during the batch changes nothing.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .plain_text import clean

MAX_BYTES = 256 * 1024 * 1024   # a submitted file; outputs and attachments are dropped later

_STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None          # None: nothing gradable was found
    problem: str | None = None  # why ``path`` is None, or why it was a guess
    usable_id: bool = True     # False: reported, but kept out of the gradebook and feedback/


def find_submissions(folder: Path, assignment: str) -> list[Submission]:
    """Every student in ``folder``, sorted by id."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"submissions folder not found: {folder}")
    found: dict[str, Submission] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "__")):
            continue  # .ipynb_checkpoints, __MACOSX and friends
        if entry.is_symlink():
            if entry.suffix != ".ipynb" and not entry.is_dir():
                continue
            name = entry.stem if entry.suffix == ".ipynb" else entry.name
            sub = Submission(name, None, f"{entry.name} is a symbolic link, not a submitted "
                             "file: not graded (submit the notebook itself)")
        elif entry.is_dir():
            sub = _from_student_folder(entry, assignment)
        elif entry.suffix == ".ipynb":
            regular = stat.S_ISREG(os.lstat(entry).st_mode)
            sub = Submission(entry.stem, entry) if regular else Submission(
                entry.stem, None, f"{entry.name} is not a regular file: not graded")
        else:
            continue
        if not _STUDENT_ID.match(sub.student):
            # Still a row in the report (the batch goes on), never a path or a gradebook id;
            # the name as printable text (a file name need not even be valid UTF-8).
            shown = clean(repr(entry.name), 200)
            sub = Submission(clean(sub.student, 200), None, f"{shown} is not usable as a "
                             "student id (letters, digits and _.@+- only): not graded", False)
        if sub.student in found:
            kept, other = found[sub.student], entry.name
            if kept.path is None and sub.path is not None:  # the one with a notebook wins
                kept, other = sub, found[sub.student].student + " (folder without a notebook)"
            note = f"also submitted {other}, which was not graded"
            found[sub.student] = Submission(kept.student, kept.path,
                                            "; ".join(x for x in (kept.problem, note) if x),
                                            kept.usable_id)
            continue
        found[sub.student] = sub
    if not found:
        raise ValueError(f"no submissions in {folder} (expected <student>.ipynb files "
                         "or <student>/ folders holding a notebook)")
    return [found[s] for s in sorted(found)]


MAX_DEPTH, MAX_ENTRIES = 8, 10_000   # how far and how much of a student's folder is read


def _notebooks_in(folder: Path) -> tuple[list[Path], list[str]]:
    """Regular ``.ipynb`` files under ``folder`` (links not followed, at most MAX_DEPTH folders
    deep and MAX_ENTRIES entries read), and what was skipped."""
    found, skipped, seen = [], [], 0
    stack = [(folder, 0)]
    while stack:
        top, depth = stack.pop()
        try:
            entries = sorted(os.scandir(top), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                skipped.append(f"more than {MAX_ENTRIES} files: the rest was not read")
                return sorted(found), skipped
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False) and entry.name != ".ipynb_checkpoints" \
                    and not entry.name.endswith(".ipynb"):
                if depth < MAX_DEPTH:
                    stack.append((path, depth + 1))
                continue
            if not entry.name.endswith(".ipynb"):
                continue
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISREG(mode):
                found.append(path)
            else:
                kind = "a symbolic link" if stat.S_ISLNK(mode) else \
                    "a folder" if stat.S_ISDIR(mode) else "not a regular file"
                skipped.append(clean(f"{path.relative_to(folder)} is {kind}: not graded", 300))
    return sorted(found), skipped


def _from_student_folder(folder: Path, assignment: str) -> Submission:
    notebooks, skipped = _notebooks_in(folder)
    if not notebooks:
        return Submission(folder.name, None, "; ".join(
            skipped + ["no notebook in the student's folder"]))
    named = [p for p in notebooks if p.stem == assignment]
    if named:
        return Submission(folder.name, named[0])
    if len(notebooks) == 1:
        return Submission(folder.name, notebooks[0],
                          f"notebook was renamed to {notebooks[0].name}")
    return Submission(folder.name, None,
                      f"{len(notebooks)} notebooks and none named {assignment}.ipynb: "
                      f"{', '.join(p.name for p in notebooks)}")


def snapshot(path: Path, to: Path) -> str:
    """Copy the regular file at ``path`` to ``to`` without following a link; '' or why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return "the notebook disappeared before it could be read"
    except OSError as err:
        return f"the notebook could not be opened ({err.strerror or err})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "the submitted notebook is not a regular file"
        if info.st_size > MAX_BYTES:
            return (f"the notebook file is {info.st_size // 2**20} MiB "
                    f"(limit {MAX_BYTES // 2**20} MiB)")
        with os.fdopen(fd, "rb", closefd=False) as f, open(to, "wb") as out:
            out.write(f.read(MAX_BYTES + 1))
        return ""
    except OSError as err:
        return f"the notebook could not be read ({err.strerror or err})"
    finally:
        os.close(fd)
