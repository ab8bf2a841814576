"""What the platform adapters ship and share: the course package, the answer keys, the
student's notebook as a platform hands it over, and the results file.

A bundle is a mapping of relative paths to bytes (and modes), written with ``safe_write``
(no link followed) or into a zip. The course package is ``autograder/`` (with only the
assignment's own checks spec) and ``gmlib/``; the answer keys are the assignment's
solution folder, its checks spec and the release notebook nbgrader generates from it.
"""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

from .checks import spec_path
from .course import REPO, check_assignment
from .safe_write import write_bytes

EXECUTABLE = 0o755
# A fixed time for zip entries: the same course builds the same zip.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}
VENV = "/opt/gm-grader"   # where setup.sh (Gradescope) and the Dockerfile (PrairieLearn) install


class Bundle(dict):
    """relative path -> (bytes, mode)."""

    def add(self, relative: str, data: bytes | str, mode: int = 0o644) -> None:
        self[relative] = (data.encode() if isinstance(data, str) else data, mode)

    def add_tree(self, src: Path, prefix: str, skip: set[str] = frozenset()) -> None:
        """Regular files under ``src`` (links and caches left out) as ``prefix/...``."""
        src = Path(src)
        for folder, dirs, files in os.walk(src, followlinks=False):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and
                             not os.path.islink(Path(folder, d)))
            for name in sorted(files):
                path = Path(folder, name)
                rel = path.relative_to(src).as_posix()
                if name.endswith((".pyc", ".pyo")) or rel in skip:
                    continue
                if stat.S_ISREG(os.lstat(path).st_mode):
                    self.add(f"{prefix}/{rel}", path.read_bytes())

    def write(self, root: Path) -> Path:
        for relative, (data, mode) in sorted(self.items()):
            path = write_bytes(root, relative, data)
            if mode != 0o644 and not os.path.islink(path):
                os.chmod(path, mode)
        return Path(root)

    def zip(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for relative, (data, mode) in sorted(self.items()):
                info = zipfile.ZipInfo(relative, ZIP_TIME)
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
        return out.getvalue()


def course_package(bundle: Bundle, prefix: str, assignment: str,
                   checks_dir: Path | None = None, with_spec: bool = True) -> None:
    """``autograder/`` and ``gmlib/`` under ``prefix`` (``""``: the top), one checks spec."""
    top = f"{prefix}/" if prefix else ""
    other_specs = {f"checks/{p.name}" for p in (REPO / "autograder" / "checks").glob("*.py")
                   if p.name != "__init__.py"}
    bundle.add_tree(REPO / "autograder", f"{top}autograder", skip=other_specs)
    if with_spec:
        bundle.add(f"{top}autograder/checks/{assignment}.py",
                   spec_path(assignment, checks_dir).read_bytes())
    bundle.add_tree(REPO / "gmlib", f"{top}gmlib")


def answer_keys(bundle: Bundle, prefix: str, assignment: str, solutions: Path,
                checks_dir: Path | None, cache: Path, spec: bool = True) -> None:
    """The solution folder, the checks spec (``spec``) and the release notebook."""
    solutions = Path(solutions).resolve()
    check_assignment(assignment, solutions)
    top = f"{prefix}/" if prefix else ""
    bundle.add_tree(solutions / assignment, f"{top}solutions/{assignment}")
    if spec:
        bundle.add(f"{top}checks/{assignment}.py", spec_path(assignment, checks_dir).read_bytes())
    bundle.add(f"{top}release/{assignment}/{assignment}.ipynb",
               release_notebook(assignment, solutions, cache).read_bytes())


def release_notebook(assignment: str, solutions: Path, cache: Path) -> Path:
    """The student notebook nbgrader generates (as the class grader's course root holds),
    cached under ``cache`` (generating it takes seconds)."""
    from .gradebook import make_template

    template = make_template(Path(cache), assignment, Path(solutions))
    return template.parent / "release" / assignment / f"{assignment}.ipynb"


def requirements() -> list[str]:
    """The course's dependencies and its ``course`` extra, from pyproject.toml."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"]) + list(project["optional-dependencies"]["course"])


def find_notebook(folder: Path, assignment: str) -> tuple[Path | None, str | None]:
    """The one notebook a platform put in ``folder``: (path, None) or (maybe None, why)."""
    from .intake import _from_student_folder

    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return None, f"no submission folder at {folder}"
    sub = _from_student_folder(folder, assignment)
    problem = sub.problem
    if sub.path is None and problem and problem.endswith("no notebook in the student's folder"):
        problem = problem.replace("no notebook in the student's folder",
                                  f"no notebook (.ipynb) was submitted: upload {assignment}.ipynb")
    return sub.path, problem


def write_results(root: Path, relative: str, data: dict) -> Path:
    """A platform's results file, written without following links."""
    return write_bytes(root, relative, (json.dumps(data, indent=2) + "\n").encode())


def failure_script(results: str, data: dict) -> str:
    """Shell lines that leave ``data`` as the results file if the grader wrote none.

    ``set -C`` (noclobber) creates the file exclusively: a link planted there is not
    written through.
    """
    text = json.dumps(data)
    assert "'" not in text, "the fallback results are quoted in single quotes"
    return (f'if [ ! -e "{results}" ] && [ ! -L "{results}" ]; then\n'
            f'    mkdir -p "$(dirname "{results}")" && '
            f"(set -C; printf '%s\\n' '{text}' > \"{results}\") || true\n"
            "fi\n")
