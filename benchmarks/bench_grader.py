"""Grade a class with this grader and with plain serial ``nbgrader autograde``, side by side.

    python benchmarks/bench_grader.py [--assignment 02_measuring_proxies] [-n 30] [--workers 3]
    python benchmarks/bench_grader.py --toy -n 3       # the test suite's toy course: seconds

By default it grades notebook 02: the solution notebook and the released (blank) student
notebook, in rotation. With ``--toy`` it uses the toy course of the test suite instead, whose
submissions are fully correct, blank, and one function wrong, in rotation. Both graders start
from a gradebook that already holds the assignment; the wall time of each is the grading itself
(nbgrader: one ``nbgrader autograde`` command over all submissions; ours: ``grade()``,
re-check and nbgrader's isolated in-kernel run included).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from autograder.course import COURSE_ID, SOLUTIONS  # noqa: E402
from autograder.grader import Options, grade  # noqa: E402
from autograder.gradebook import make_template  # noqa: E402
from autograder.sandbox import check_available  # noqa: E402


def toy_class(tmp: Path, n: int) -> tuple[str, Path, Path | None, list[nbformat.NotebookNode]]:
    from tests.adversarial import toy

    course = toy.build_course(tmp / "course")
    wrong = {"mean_abs": "def mean_abs(x):\n    return 2.0",
             "accuracy": "def accuracy(p, l):\n    return 0.5",
             "normalize": "def normalize(x):\n    return x"}
    variants = [toy.correct(course["student"]), toy.student_notebook(course["student"])]
    variants += [toy.answer(course["student"], **{**{f: True for f in toy.CORRECT}, fn: body})
                 for fn, body in wrong.items()]
    return toy.ASSIGNMENT, course["solutions"], course["checks"], \
        [variants[i % len(variants)] for i in range(n)]


def real_class(assignment: str, n: int) -> tuple[str, Path, None, list[nbformat.NotebookNode]]:
    """Student notebook as released, and the solution notebook itself, in rotation."""
    released = REPO / "notebooks" / assignment / f"{assignment}.ipynb"
    solved = SOLUTIONS / assignment / f"{assignment}.ipynb"
    variants = [nbformat.read(str(solved), as_version=4), nbformat.read(str(released), as_version=4)]
    return assignment, SOLUTIONS, None, [variants[i % 2] for i in range(n)]


def prepare_root(root: Path, template_db: Path, assignment: str) -> None:
    root.mkdir(parents=True)
    shutil.copyfile(template_db, root / "gradebook.db")
    shutil.copytree(template_db.parent / "release", root / "release")


def run_nbgrader(root: Path, solutions: Path, assignment: str, notebooks) -> float:
    for i, nb in enumerate(notebooks):
        path = root / "submitted" / f"s{i:02d}" / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, str(path))
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    cmd = [str(Path(sys.executable).parent / "nbgrader"), "autograde", assignment,
           f"--CourseDirectory.root={root}", f"--CourseDirectory.source_directory={solutions}",
           f"--CourseDirectory.db_url=sqlite:///{root / 'gradebook.db'}",
           f"--CourseDirectory.course_id={COURSE_ID}", "--log-level=ERROR"]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=root, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def run_ours(root: Path, solutions: Path, checks: Path | None, assignment: str, notebooks,
             workers: int) -> tuple[float, dict]:
    folder = root.parent / f"{root.name}-in"
    folder.mkdir()
    for i, nb in enumerate(notebooks):
        nbformat.write(nb, str(folder / f"s{i:02d}.ipynb"))
    start = time.perf_counter()
    report = grade(assignment, folder, root=root, solutions=solutions,
                   options=Options(workers=workers, seed=0, checks_dir=checks))
    return time.perf_counter() - start, report.rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="02_measuring_proxies", help="a course assignment")
    parser.add_argument("--toy", action="store_true", help="grade the test suite's toy course instead")
    parser.add_argument("-n", type=int, default=30, help="number of submissions")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    args = parser.parse_args()
    check_available()  # the comparison is with the sandbox on
    with tempfile.TemporaryDirectory(prefix="gm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if args.toy:
            assignment, solutions, checks, notebooks = toy_class(tmp, args.n)
        elif (SOLUTIONS / args.assignment).is_dir():
            assignment, solutions, checks, notebooks = real_class(args.assignment, args.n)
        else:
            parser.error(f"no assignment {args.assignment!r} in {SOLUTIONS}")
        template = make_template(tmp / "cache", assignment, solutions)
        prepare_root(tmp / "nbgrader", template, assignment)
        prepare_root(tmp / "ours", template, assignment)
        shutil.copytree(template.parent, tmp / "ours" / ".grader" / template.parent.name)
        load = os.getloadavg()[0]
        print(f"{len(notebooks)} submissions of {assignment}, {os.cpu_count()} cores, "
              f"grader workers: {args.workers}, load average at start {load:.1f}")
        t_nb = run_nbgrader(tmp / "nbgrader", solutions, assignment, notebooks)
        print(f"plain serial nbgrader autograde : {t_nb:7.1f} s  ({t_nb / len(notebooks):.2f} s each)")
        t_ours, rows = run_ours(tmp / "ours", solutions, checks, assignment, notebooks,
                                args.workers)
        print(f"this grader, sandboxed (bwrap)  : {t_ours:7.1f} s  ({t_ours / len(notebooks):.2f} s each)")
        print(f"speed-up                        : {t_nb / t_ours:7.2f}x  (target >= 2x)")
        flagged = sum(1 for r in rows.values() if r["flagged"])
        print(f"graded {len(rows)} submissions, {flagged} flagged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
