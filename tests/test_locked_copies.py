"""Locked copies of earlier notebooks' graded functions stay identical to their source.

Notebooks 03 and 09 carry notebook 02's metrics and notebook 07 carries notebook 04's episode
metrics in read-only cells (graded functions are never in gmlib). If the earlier notebook's
solution changes, the copy must be regenerated; this test says so.
"""

from __future__ import annotations

import pytest

from tests.course import nbgrader_meta, read, solution_path

COPIES = [
    ("03_fixing_the_classifier", "metrics_from_02", "02_measuring_proxies",
     ["conflict_accuracy", "proxy_agreement", "worst_group_accuracy", "flip_rate",
      "linear_probe_accuracy"]),
    ("07_inner_alignment", "metrics_from_04", "04_classifiers_to_agents",
     ["classify_episode", "capability_score", "misgeneralization_rate"]),
    ("09_suggested_answers", "metrics_from_02", "02_measuring_proxies",
     ["conflict_accuracy", "worst_group_accuracy", "flip_rate"]),
]


def _solution_body(src: str) -> str:
    """A solution cell without its markers, its numpy import and any trailing 'Try it' demo."""
    keep = []
    for line in src.splitlines():
        if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION", "import numpy as np"):
            continue
        if line.startswith("# Try it"):
            break
        keep.append(line)
    return "\n".join(keep).strip("\n")


@pytest.mark.parametrize("target, cell_id, source, functions", COPIES)
def test_locked_copy_matches_the_source_notebook(target, cell_id, source, functions):
    if not solution_path(source).exists() or not solution_path(target).exists():
        pytest.skip(f"{source} or {target} is not in this checkout")
    cells = {nbgrader_meta(c).get("grade_id"): c for c in read(solution_path(target)).cells}
    copy = cells[cell_id]
    assert nbgrader_meta(copy).get("locked") and not nbgrader_meta(copy).get("solution"), \
        f"{target}:{cell_id} must be a locked, read-only cell"
    originals = {nbgrader_meta(c).get("grade_id"): c.source
                 for c in read(solution_path(source)).cells if nbgrader_meta(c).get("solution")}
    for name in functions:
        body = _solution_body(originals[name])
        assert body in copy.source, (
            f"{target}:{cell_id} has an outdated copy of {source}'s {name}; "
            f"copy the solution cell again (without its markers)")
