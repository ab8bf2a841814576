"""Find the submissions in a folder handed to the grader: one notebook per student.

A folder holds ``<student>.ipynb`` files or ``<student>/<anything>.ipynb`` folders (what an
LMS download or ``nbgrader zip_collect`` leaves). A student folder with several notebooks is
read by the assignment's own name first; a folder without a notebook is still reported, so
that every student gets a result row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

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
        if entry.is_file() and entry.suffix == ".ipynb":
            sub = Submission(entry.stem, entry)
        elif entry.is_dir():
            sub = _from_student_folder(entry, assignment)
        else:
            continue
        if not _STUDENT_ID.match(sub.student):
            # Still a row in the report (the batch goes on), never a path or a gradebook id.
            sub = Submission(sub.student, None, f"{entry.name!r} is not usable as a student "
                             "id (letters, digits and _.@+- only): not graded", False)
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


def _from_student_folder(folder: Path, assignment: str) -> Submission:
    notebooks = sorted(p for p in folder.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts)
    if not notebooks:
        return Submission(folder.name, None, "no notebook in the student's folder")
    named = [p for p in notebooks if p.stem == assignment]
    if named:
        return Submission(folder.name, named[0])
    if len(notebooks) == 1:
        return Submission(folder.name, notebooks[0],
                          f"notebook was renamed to {notebooks[0].name}")
    return Submission(folder.name, None,
                      f"{len(notebooks)} notebooks and none named {assignment}.ipynb: "
                      f"{', '.join(p.name for p in notebooks)}")
