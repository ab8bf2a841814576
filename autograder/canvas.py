"""A CSV for Canvas's gradebook import: ``exports/<assignment>_canvas.csv``.

Canvas reads ``Student, ID, SIS User ID, SIS Login ID, Section`` and one column per
assignment, headed ``<Assignment name> (<Canvas assignment id>)``; a header without an id
makes Canvas create a new assignment of that name on import. Canvas matches each row to a
student by one of its identifying columns: the grader knows only the student id of the
submission (its file or folder name), which goes into ``SIS Login ID``; the others are left
for the instructor (see README.md). A submission that could not be graded has an empty
grade, so that importing never turns a grader's failure into a zero.
"""

from __future__ import annotations

import csv
import io

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def column(assignment: str, name: str | None = None, canvas_id: str | None = None) -> str:
    title = name or assignment
    return f"{title} ({canvas_id})" if canvas_id else title


def render(rows: dict[str, dict], ungraded: set[str], assignment: str,
           name: str | None = None, canvas_id: str | None = None) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(HEADER + [column(assignment, name, canvas_id)])
    for student in sorted(rows):
        score = "" if student in ungraded else f"{float(rows[student]['score']):g}"
        writer.writerow(["", "", "", student, "", score])
    return text.getvalue().encode("utf-8", "replace")
