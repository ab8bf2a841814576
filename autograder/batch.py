"""Plain nbgrader batch grading: nbgrader's own autograde, export and feedback, one by one.

This is the course's baseline workflow (and the benchmark's reference): submissions are
copied into the grading root's ``submitted/`` folder, autograded by nbgrader in the
student's kernel, exported to CSV and turned into feedback HTML. ``autograder.grader``
is the hardened grader built on the same course root.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .course import COURSE_ID, GRADING, SOLUTIONS, check_assignment, nbgrader_api
from .intake import Submission, find_submissions


@dataclass
class BatchResult:
    csv: Path
    scores: dict[str, float]                      # student -> nbgrader's total score
    failed: dict[str, str] = field(default_factory=dict)  # student -> nbgrader's error
    feedback: dict[str, Path] = field(default_factory=dict)


def course_api(root: Path, solutions: Path, log_level: int = logging.ERROR):
    """The nbgrader API of a grading root, releasing into the root's own ``release/``."""
    root = Path(root)
    return nbgrader_api(root=root, solutions=solutions, release=root / "release",
                        log_level=log_level)


def ensure_assignment(api, assignment: str) -> None:
    """Put the assignment (cells, points, checksums) in the gradebook unless it is there.

    Generated into the grading root's own release folder, never the repository's
    ``notebooks/``; an assignment already in the gradebook is left alone so that
    regenerating cannot disturb grades it holds.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        try:
            gb.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    result = api.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader could not generate {assignment}: "
                           f"{result.get('error') or result.get('log')}")


def submitted_path(root: Path, student: str, assignment: str) -> Path:
    return Path(root) / "submitted" / student / assignment / f"{assignment}.ipynb"


def copy_in(root: Path, sub: Submission, assignment: str) -> Path:
    """Copy a student's notebook to where nbgrader looks for it."""
    target = submitted_path(root, sub.student, assignment)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sub.path, target)
    return target


def export_csv(db_url: str, assignment: str, to: Path) -> Path:
    """nbgrader's CSV export of one assignment's scores (from the gradebook at ``db_url``)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins.export import CsvExportPlugin

    to = Path(to)
    to.parent.mkdir(parents=True, exist_ok=True)
    plugin = CsvExportPlugin(to=str(to), assignment=[assignment])
    with Gradebook(db_url, COURSE_ID) as gb:
        plugin.export(gb)
    return to


def total_scores(api, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(assignment)}


def grade_plain(assignment: str, submissions: Path, root: Path = GRADING,
                solutions: Path = SOLUTIONS, feedback: bool = True) -> BatchResult:
    """Autograde every submission in ``submissions`` with nbgrader, serially."""
    check_assignment(assignment, solutions)
    api = course_api(root, solutions)
    ensure_assignment(api, assignment)
    subs = find_submissions(submissions, assignment)
    failed: dict[str, str] = {}
    for sub in subs:
        if sub.path is None or not sub.usable_id:
            failed[sub.student] = sub.problem or "no notebook"
            continue
        copy_in(root, sub, assignment)
        with warnings.catch_warnings():  # nbgrader's SQLAlchemy autoflush warning; harmless
            warnings.filterwarnings("ignore", message="Object of type .* not in session")
            result = api.autograde(assignment, sub.student, force=True, create=True)
        if not result["success"]:
            failed[sub.student] = _last_line(result.get("error") or result.get("log") or "")
    csv = export_csv(api.coursedir.db_url, assignment, Path(root) / "exports" / f"{assignment}.csv")
    out = BatchResult(csv=csv, scores=total_scores(api, assignment), failed=failed)
    if feedback:
        for student in out.scores:
            if student in failed:
                continue
            result = api.generate_feedback(assignment, student, force=True)
            html = Path(root) / "feedback" / student / assignment / f"{assignment}.html"
            if result["success"] and html.exists():
                out.feedback[student] = html
    return out


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "nbgrader failed without a message"
