"""Build the course wheel that a student uploads where the course repository cannot be reached.

    python -m autograder wheel              # writes dist/goal_misgeneralization_course-<version>-py3-none-any.whl
    python -m autograder wheel --out DIR

The wheel is the course package ``goal-misgeneralization-course`` (``gmlib`` with its shipped
agents, and this autograder), built with ``pip wheel --no-deps``. The set-up cell that opens
every notebook (``autograder/setup_cell.py``) installs it when it lies next to the notebook or
in Colab's upload folder ``/content`` and the repository cannot be reached: a private fork, a
classroom without access, or the placeholder address of ``COURSE_REPOSITORY``.

It is built from a copy of the files of this checkout that git tracks or would track (all
files, where this is no git checkout, but build outputs, virtual environments and grading
state), so that stale ``build/`` folders never end up in the wheel and nothing is written into
the checkout.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .course import REPO
from .setup_cell import WHEEL_GLOB

DEFAULT_OUT = REPO / "dist"
# Not copied where the checkout is no git repository (see .gitignore).
_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info",
                                 "__pycache__", "*.pyc", ".pytest_cache", ".ipynb_checkpoints",
                                 "grading", "executed", "slides", "test-artifacts", "*.whl")


def _source_files(source: Path) -> list[Path] | None:
    """The files git tracks or would track under ``source`` (relative), or None without git."""
    try:
        listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                                 "-z"], cwd=source, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = [Path(n) for n in listed.decode().split("\0") if n]
    return [n for n in names if (source / n).is_file()]  # a tracked file may be deleted


def copy_source(source: Path, to: Path) -> None:
    """Copy into ``to`` the files of ``source`` that a wheel is built from (see above)."""
    files = _source_files(source)
    if files is None:
        shutil.copytree(source, to, ignore=_IGNORE)
        return
    for name in files:
        (to / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, to / name)


def _setuptools_at_hand() -> bool:
    """True when this Python can build the wheel without fetching setuptools (no network)."""
    try:
        import setuptools
    except ImportError:
        return False
    major_minor = tuple(int(p) for p in setuptools.__version__.split(".")[:2])
    return major_minor >= (70, 1)  # pyproject asks for >= 64; bdist_wheel built in since 70.1


def build_wheel(out_dir: str | Path = DEFAULT_OUT, source: str | Path = REPO) -> Path:
    """Build the course wheel into ``out_dir`` (replacing one of the same name); return its path."""
    out_dir, source = Path(out_dir).resolve(), Path(source).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gm-course-wheel-") as tmp:
        tree, built = Path(tmp) / "src", Path(tmp) / "out"
        copy_source(source, tree)
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                   "--disable-pip-version-check", "-w", str(built), str(tree)]
        if _setuptools_at_hand():
            command.insert(4, "--no-build-isolation")
        run = subprocess.run(command, capture_output=True, text=True)
        wheels = sorted(built.glob(WHEEL_GLOB))
        if run.returncode or len(wheels) != 1:
            raise RuntimeError(f"pip wheel failed ({run.returncode}):\n{run.stdout}{run.stderr}")
        target = out_dir / wheels[0].name
        shutil.copyfile(wheels[0], target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograder wheel",
        description="Build the course wheel (goal_misgeneralization_course-*.whl) for students "
                    "who cannot install the course from its repository.")
    parser.add_argument("--out", default=str(DEFAULT_OUT),
                        help="folder to write the wheel to (default: dist/ in the checkout)")
    args = parser.parse_args(argv)
    try:
        wheel = build_wheel(args.out)
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {wheel} ({wheel.stat().st_size / 1e6:.1f} MB)")
    print("Students upload this file next to the notebook (on Colab: into the Files pane) and "
          "run the notebook's first cell, which installs it when the course repository "
          "cannot be reached.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
