"""docs/SESSIONS.md: a 60-minute reading-group session for every notebook."""

from __future__ import annotations

import re

import pytest

from autograder.course import REPO, assignments

DOCS = REPO / "docs"
PARTS = ("Warm-up", "Activity", "Discussion", "Wrap-up")


def _sections() -> dict[str, str]:
    text = (DOCS / "SESSIONS.md").read_text()
    heads = list(re.finditer(r"^## (\d\d) · .+$", text, re.M))
    return {m.group(1): text[m.end():(heads[i + 1].start() if i + 1 < len(heads) else len(text))]
            for i, m in enumerate(heads)}


def test_the_facilitator_guide_links_the_sessions():
    assert "](SESSIONS.md)" in (DOCS / "FACILITATORS.md").read_text()
    text = (DOCS / "SESSIONS.md").read_text()
    for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
        assert (DOCS / link).exists(), f"docs/SESSIONS.md links to {link}, which does not exist"


@pytest.mark.parametrize("name", assignments())
def test_every_notebook_has_a_timed_hour(name):
    section = _sections().get(name[:2])
    assert section is not None, f"docs/SESSIONS.md has no section '## {name[:2]} · ...'"
    for needle in ("**Before the meeting**", "**Plan**", "**Common misconceptions**"):
        assert needle in section, f"session {name[:2]} lacks {needle}"
    rows = dict(re.findall(r"^\| (" + "|".join(PARTS) + r") \| (\d+) \|", section, re.M))
    assert list(rows) == list(PARTS), f"session {name[:2]}: plan rows {list(rows)}, want {PARTS}"
    minutes = sum(int(m) for m in rows.values())
    assert minutes == 60, f"session {name[:2]}: the parts add up to {minutes} minutes, not 60"
    misconceptions = section.split("**Common misconceptions**")[1]
    assert len(re.findall(r"^- \*", misconceptions, re.M)) >= 3, \
        f"session {name[:2]}: fewer than three misconceptions"
