"""The nbgrader course: where things live, and an nbgrader API bound to them.

``solutions/`` is nbgrader's *source* directory (instructor notebooks with solutions and
hidden tests) and ``notebooks/`` its *release* directory (what students get), one
assignment folder per numbered notebook. Grading state (submissions, autograded copies,
feedback, the gradebook database) lives in a separate course root, ``grading/`` by default,
so that grading a class never writes into the course's own files.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from traitlets.config import Config

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
NOTEBOOKS = REPO / "notebooks"
GRADING = REPO / "grading"
COURSE_ID = "goal-misgeneralization"


def assignments(solutions: Path = SOLUTIONS) -> list[str]:
    """The assignment names: every folder of ``solutions/`` holding a notebook of its name."""
    return sorted(p.name for p in solutions.iterdir()
                  if p.is_dir() and (p / f"{p.name}.ipynb").exists())


def check_assignment(name: str, solutions: Path = SOLUTIONS) -> str:
    known = assignments(solutions)
    if name not in known:
        raise ValueError(f"unknown assignment {name!r}; the course has: {', '.join(known)}")
    return name


def course_config(root: Path = GRADING, solutions: Path = SOLUTIONS,
                  release: Path = NOTEBOOKS) -> Config:
    """nbgrader configuration for a course rooted at ``root``."""
    root = Path(root).resolve()
    c = Config()
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.root = str(root)
    # Absolute paths: nbgrader joins them onto the root, which leaves absolute paths alone.
    c.CourseDirectory.source_directory = str(Path(solutions).resolve())
    c.CourseDirectory.release_directory = str(Path(release).resolve())
    c.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    c.Exchange.root = str(root / "exchange")
    # Students' exercise cells become this stub: a clear failure, never a silent pass.
    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    return c


def nbgrader_api(root: Path = GRADING, solutions: Path = SOLUTIONS,
                 release: Path = NOTEBOOKS, log_level: int = logging.WARNING):
    """An ``NbGraderAPI`` for the course rooted at ``root`` (created if missing)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    _put_environment_scripts_on_path()
    Path(root).mkdir(parents=True, exist_ok=True)
    config = course_config(root, solutions, release)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(log_level)
    return api


def _put_environment_scripts_on_path() -> None:
    # nbgrader shells out to `alembic` for its database; when Python runs from a virtual
    # environment that was never activated (`.venv/bin/python -m autograder`), its scripts
    # folder is not on PATH.
    scripts = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + path
