"""Late submissions: when a notebook was submitted, and what the late policy takes off.

The submission time is nbgrader's ``timestamp.txt`` in the student's folder (what
``nbgrader collect``/``zip_collect`` leave next to a submission: ``2026-12-01 23:59:59.000000
UTC``), looked for beside the notebook and in the folders above it up to the student's
folder; otherwise the notebook file's modification time (which a copy may not keep: say
``cp -p``, or unzip, which keeps it). The policy: ``percent`` of the maximum score off per
started day after the due date, never below 0.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

TIMESTAMP = "timestamp.txt"
NBGRADER_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


def parse_due(text: str) -> datetime:
    """``2026-12-01T23:59`` (this machine's local time) or with an offset (``...+01:00``, ``Z``)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--due {text!r} is not a date and time like 2026-12-01T23:59") from None
    return when.astimezone(timezone.utc)  # a naive time is taken as local time


@dataclass(frozen=True)
class LatePolicy:
    due: datetime                  # aware
    percent_per_day: float = 0.0   # of the maximum score, per started day late

    def days_late(self, submitted: datetime | None) -> int:
        if submitted is None or submitted <= self.due:
            return 0
        return math.ceil((submitted - self.due).total_seconds() / 86400)

    def describe(self) -> str:
        return (f"due {self.due.astimezone().isoformat(timespec='minutes')}, "
                f"{self.percent_per_day:g}% of the maximum off per started day late")


def apply(row: dict, submitted: datetime | None, source: str,
          policy: LatePolicy | None) -> dict:
    """Add the late columns to a report row; ``row["score"]`` becomes the score after penalty."""
    before = float(row.get("score_before_penalty", row["score"]))
    days = policy.days_late(submitted) if policy else 0
    penalty = 0.0
    if policy and days:
        penalty = min(before, float(row["max_score"]) * policy.percent_per_day / 100 * days)
    row["score_before_penalty"] = before
    row["late_days"] = days
    row["penalty"] = round(penalty, 6)
    row["score"] = round(max(0.0, before - penalty), 6)
    row["submitted_at"] = submitted.isoformat(timespec="seconds") if submitted else ""
    row["submitted_from"] = source if submitted else ""
    return row


def submission_time(notebook: Path | None, student_folder: Path | None
                    ) -> tuple[datetime | None, str]:
    """(when, where that came from): ``timestamp.txt`` if there is one, else the file's time."""
    if notebook is None:
        return None, ""
    notebook = Path(notebook)
    if student_folder is not None:
        folder, top = notebook.parent, Path(student_folder)
        while folder == top or top in folder.parents:
            when = _read_timestamp(folder / TIMESTAMP)
            if when is not None:
                return when, TIMESTAMP
            folder = folder.parent
    try:
        return datetime.fromtimestamp(os.lstat(notebook).st_mtime, timezone.utc), "file time"
    except OSError:
        return None, ""


def _read_timestamp(path: Path) -> datetime | None:
    """nbgrader's timestamp, read without following a link; None if absent or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        text = os.read(fd, 200).decode(errors="replace").strip()
    except OSError:
        return None
    finally:
        os.close(fd)
    if not text:
        return None
    from nbgrader.utils import parse_utc

    try:
        return parse_utc(text).replace(tzinfo=timezone.utc)  # parse_utc: naive UTC
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None


def nbgrader_timestamp(when: datetime) -> str:
    """``when`` as nbgrader writes ``timestamp.txt``."""
    return when.astimezone(timezone.utc).strftime(NBGRADER_FORMAT)
