"""Generate student notebooks (``notebooks/``) from the solution notebooks (``solutions/``).

This is ``nbgrader generate_assignment`` run in a throw-away course root, so that the
generation never touches a gradebook that holds real grades.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .course import NOTEBOOKS, SOLUTIONS, assignments, check_assignment, nbgrader_api


class GenerationError(RuntimeError):
    pass


def generate(names: list[str] | None = None, solutions: Path = SOLUTIONS,
             release: Path = NOTEBOOKS) -> list[Path]:
    """Write the student version of each assignment into ``release``; return the notebooks."""
    names = names or assignments(solutions)
    for name in names:
        check_assignment(name, solutions)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="gm-generate-") as tmp:
        staging = Path(tmp) / "release"
        api = nbgrader_api(root=Path(tmp) / "course", solutions=solutions, release=staging)
        for name in names:
            result = api.generate_assignment(name, force=True, create=True)
            if not result["success"]:
                raise GenerationError(f"nbgrader could not generate {name}:\n"
                                      f"{result.get('error') or result.get('log')}")
            target = Path(release) / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(staging / name, target)
            written.extend(sorted(target.glob("*.ipynb")))
    return written
