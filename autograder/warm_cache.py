"""Train the course's own models once per batch, not once per student.

Every student's notebook repeats the trainings the instructor wrote (notebook 02 trains seven
classifiers on tiles that no student code touches), and with the same data, settings and seed
they give the same weights every time. Before the batch, the grader runs the *solution*
notebook once, under grading mode, with ``GMLIB_GRADING_CACHE`` naming a folder beside the
batch's copy of gmlib (see ``gmlib/grading_cache.py``); that run fills the folder. The
sandboxes of every submission get it read-only with the rest of gmlib, so a run whose
training matches byte for byte loads the weights, and anything else trains as before.

The warm-up is the instructor's own code, so it runs unconfined, like the answer keys that
the grader calls to fix expected outcomes. A warm-up that fails costs only time: nothing is
cached and every run trains.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

CACHE = "grading-cache"  # the folder's name, inside the batch's site folder
ENV_VAR = "GMLIB_GRADING_CACHE"
# The gmlib modules that draw tile data or train classifiers (gmlib.grading_cache's users). A
# notebook that imports none of them would gain nothing from a warm-up, only its cost.
_USERS = re.compile(r"\b(?:from|import)\s+gmlib\.(?:tile_data|train_classifier|sweeps|mitigations|"
                    r"telling_sets|training_mixes)\b")


def cache_env(site: Path, inside_site: str, fill: Path | None = None) -> dict[str, str]:
    """The environment that points a sandboxed run at the batch's cache: ``fill`` for the
    warm-up, else ``inside_site``'s copy if the batch has one (none: nothing cached)."""
    if fill is not None:
        return {ENV_VAR: str(fill)}
    if (Path(site) / CACHE).is_dir():
        return {ENV_VAR: f"{inside_site}/{CACHE}"}
    return {}


def warm_training_cache(site: Path | None, assignment: str, solutions: Path,
                        cell_timeout: int, deadline_s: float, memory_mb: int) -> str:
    """Run the solution notebook once so that ``site/grading-cache`` holds its trainings.

    Returns "" or why the warm-up did not finish (the batch then trains in every run)."""
    from .inkernel import inkernel_score

    source_path = Path(solutions) / assignment / f"{assignment}.ipynb"
    source = nbformat.read(str(source_path), as_version=4)
    if site is None or not any(c.cell_type == "code" and _USERS.search(c.source)
                               for c in source.cells):
        return ""
    folder = Path(site) / CACHE
    folder.mkdir(exist_ok=True)
    run = inkernel_score(source, source, source_path.parent, cell_timeout, deadline_s,
                         memory_mb, site, confined=False, fill_cache=folder.resolve())
    return f"training cache warm-up: {run.error}" if run.error else ""
