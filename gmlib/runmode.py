"""How a notebook is being run: by a student, quickly, or by the autograder.

Under nbgrader's autograder the environment variable ``NBGRADER_EXECUTION`` is set: that is
*grading mode*. Heavy cells then load shipped checkpoints or use small budgets, so that a
notebook grades in well under a minute, and no widgets are shown (a grader has no live
kernel to drive them). ``GMLIB_FAST=1`` (what ``run-course --fast`` sets) asks for the same
small budgets without grading: *fast mode*. Self-study and classroom runs train for real.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")


def grading_mode() -> bool:
    """True when nbgrader (or this course's grader) is executing the notebook."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def fast_mode() -> bool:
    """True when grading, or when a quick run was asked for with ``GMLIB_FAST=1``."""
    return grading_mode() or bool(os.environ.get("GMLIB_FAST"))


def budget(full: T, fast: T) -> T:
    """Pick the full budget for learning runs and the small one in fast mode."""
    return fast if fast_mode() else full
