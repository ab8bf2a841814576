"""The course gradebook during a batch: guarded against outside writes, then updated.

The grader is the only writer of the gradebook while a batch runs: no sandbox can reach it.
Only when an instructor grades ``--unconfined`` (student code running as the grader's
user) does ``Guard`` take a copy at the start and put it back if the file changed by the
end, before the grader records anything; the batch report says so.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path


class Guard:
    """Snapshot of a file (the gradebook) taken at the start of a batch."""

    def __init__(self, path: Path, backup_dir: Path):
        self.path = Path(path)
        self.backup = Path(backup_dir) / (self.path.name + ".batch-start")
        shutil.copyfile(self.path, self.backup)
        self.digest = _digest(self.path)

    def restore_if_changed(self) -> bool:
        """Put the snapshot back if the file changed; True when it had to."""
        if self.path.exists() and _digest(self.path) == self.digest:
            return False
        shutil.copyfile(self.backup, self.path)
        return True


def _digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def record(db_url: str, course_id: str, assignment: str,
           scores: dict[str, dict[str, float]],
           late: dict[str, tuple[datetime | None, float]] | None = None,
           due: datetime | None = None) -> dict[str, str]:
    """Set the autograded score of each test cell (student -> grade id -> points).

    One gradebook session for the whole class, one commit per student: a student whose
    scores cannot be recorded gets a reason (returned, student -> why), the others are
    recorded. Manual scores an instructor gave earlier stay: nbgrader's total prefers them.
    ``late``: student -> (submission time, late penalty in points), kept where nbgrader
    keeps them (the submission's timestamp, the notebook's ``late_submission_penalty``), so
    that nbgrader's own export subtracts the same penalty; ``due`` becomes the assignment's
    due date.
    """
    from nbgrader.api import Gradebook

    failed: dict[str, str] = {}
    with warnings.catch_warnings(), Gradebook(db_url, course_id) as gb:
        # nbgrader's own submission code trips SQLAlchemy's autoflush warning; harmless.
        warnings.filterwarnings("ignore", message="Object of type .* not in session")
        if due is not None:
            gb.update_or_create_assignment(assignment, duedate=_utc(due))
        for student, cells in scores.items():
            try:
                when, penalty = (late or {}).get(student, (None, 0.0))
                gb.update_or_create_student(student)
                gb.update_or_create_submission(
                    assignment, student, **({"timestamp": _utc(when)} if when else {}))
                nb = gb.find_submission_notebook(assignment, assignment, student)
                for grade in nb.grades:
                    if grade.name in cells:
                        grade.auto_score = float(cells[grade.name])
                        grade.needs_manual_grade = False
                nb.late_submission_penalty = float(penalty)
                gb.db.commit()
            except Exception as err:  # this student's row says so; the others go on
                gb.db.rollback()
                failed[student] = (f"the score could not be recorded in the gradebook "
                                   f"({type(err).__name__}: {str(err)[:120]})")
    return failed


def _utc(when: datetime) -> datetime:
    """nbgrader keeps naive UTC times."""
    return when.astimezone(timezone.utc).replace(tzinfo=None)


def make_template(cache: Path, assignment: str, solutions: Path) -> Path:
    """A gradebook holding only the assignment (and its release folder beside it).

    Cached under ``cache`` by the solution notebook's digest: creating a gradebook runs
    nbgrader's database migrations in a subprocess, which takes seconds.
    """
    from .batch import course_api, ensure_assignment
    from .keys import solution_notebook

    digest = hashlib.sha256(solution_notebook(assignment, solutions).read_bytes()).hexdigest()
    cached = Path(cache) / f"{assignment}-{digest[:12]}"
    if not (cached / "gradebook.db").exists():
        with tempfile.TemporaryDirectory(prefix="gm-template-") as tmp:
            ensure_assignment(course_api(Path(tmp), solutions), assignment)
            cached.mkdir(parents=True, exist_ok=True)
            shutil.copytree(Path(tmp) / "release", cached / "release", dirs_exist_ok=True)
            shutil.copyfile(Path(tmp) / "gradebook.db", cached / "gradebook.db")
    return cached / "gradebook.db"
