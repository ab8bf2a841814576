"""Per-student feedback from the re-check: what passed, what failed and why.

Hidden cases are named by their number and the spec's note ("an empty group"), never by
their inputs or expected values; visible cases (those the student notebook shows) are
quoted in full.
"""

from __future__ import annotations

import html
from pathlib import Path


def render(student: str, assignment: str, row: dict, tests: list[dict], notes: list[str]) -> str:
    """An HTML page; ``tests`` holds {"test", "score", "max", "failures"} per test cell."""
    esc = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>{esc(assignment)}: feedback</title>",
             "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
             ".ok{color:#176b1b}.bad{color:#a31515}li{margin:.3em 0}</style>",
             f"<h1>{esc(assignment)}</h1><p>Student: <b>{esc(student)}</b></p>",
             f"<p>Score: <b>{row['score']:g} / {row['max_score']:g}</b></p>"]
    if row.get("late_days"):
        days = int(row["late_days"])
        parts.append(f"<p class='bad'>Submitted {esc(str(row.get('submitted_at', '')))}, "
                     f"{days} day{'s' if days != 1 else ''} late (counted per started day): "
                     f"{float(row.get('penalty', 0)):g} points off, from "
                     f"{float(row.get('score_before_penalty', row['score'])):g}.</p>")
    if row.get("problem"):
        parts.append(f"<p class='bad'>{esc(row['problem'])}</p>")
    if tests:
        parts.append("<h2>Exercises</h2><ul>")
        for t in tests:
            cls = "ok" if t["score"] == t["max"] else "bad"
            parts.append(f"<li class='{cls}'><b>{esc(t['test'])}</b>: "
                         f"{t['score']:g} / {t['max']:g}")
            if t["failures"]:
                parts.append("<ul>" + "".join(f"<li>{esc(f)}</li>" for f in t["failures"][:8])
                             + "</ul>")
            parts.append("</li>")
        parts.append("</ul>")
    if notes:
        parts.append("<h2>About your notebook</h2><ul>"
                     + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    if row.get("confinement", "bubblewrap") != "bubblewrap":
        parts.append(f"<p class='bad'>Graded without a sandbox: {esc(row['confinement'])}.</p>")
    parts.append("<p>Each function was called on examples (the notebook's visible ones are "
                 "quoted above when they fail) and on hidden cases the grader draws afresh, in "
                 "a separate Python process, and its results compared with the course's own "
                 "solution.</p>")
    return "\n".join(parts) + "\n"


def write(root: Path, student: str, assignment: str, page: str) -> Path:
    """Where nbgrader's release_feedback looks for feedback."""
    from .safe_write import write_text

    return write_text(root, f"feedback/{student}/{assignment}/{assignment}.html", page)
