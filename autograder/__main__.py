"""The course's command line: ``python -m autograder <command> --help``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .course import GRADING, NOTEBOOKS, REPO, SOLUTIONS, assignments


def cmd_generate(args: argparse.Namespace) -> int:
    from .generate import generate

    for path in generate(args.assignments or None):
        print(f"generated {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


def cmd_run_course(args: argparse.Namespace) -> int:
    import nbformat

    from .execute import execute

    names = args.assignments or assignments()
    if not names:
        raise ValueError(f"no assignments found in {SOLUTIONS}")
    out = Path(args.out)
    folder = SOLUTIONS if args.version == "solutions" else NOTEBOOKS
    failed = []
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] executing {name} ...", flush=True)
        result = execute(folder / name / f"{name}.ipynb", fast=args.fast,
                         allow_errors=args.version == "notebooks")
        target = out / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(result.notebook, str(target))
        status = "ok" if not result.errors else f"{len(result.errors)} cells raised"
        print(f"      {status} in {result.seconds:.1f} s -> {target}", flush=True)
        if result.errors and args.version == "solutions":
            failed.append(name)
    if failed:
        print(f"these notebooks failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_sync_setup_cells(args: argparse.Namespace) -> int:
    from .setup_cell import sync, sync_badges

    changed = sync()
    for path in changed:
        print(f"updated the set-up cell of {path.relative_to(REPO)}")
    if sync_badges():
        print("pointed the Colab badges of docs/COURSE.md at the course repository")
    print(f"{len(changed)} notebooks changed; now run `python -m autograder generate`")
    return 0


def cmd_autograde(args: argparse.Namespace) -> int:
    solutions = Path(args.solutions)
    if args.plain:
        from .batch import grade_plain

        result = grade_plain(args.assignment, Path(args.submissions), Path(args.course_root),
                             solutions)
        for student, score in sorted(result.scores.items()):
            print(f"{student}\t{score:g}")
        for student, why in sorted(result.failed.items()):
            print(f"{student}\tnot graded: {why}")
        print(f"scores: {result.csv}")
        if result.failed:
            print(f"{len(result.failed)} submission(s) could not be graded")
            return 4
        return 0

    from .grader import Options, grade
    from .integrity import GraderFilesChanged
    from .late import LatePolicy, parse_due
    from .sandbox import Limits, SandboxUnavailable

    limits = None
    if args.time_limit or args.memory_mb:
        limits = Limits(step_s=args.time_limit or Limits.step_s,
                        memory_mb=args.memory_mb or Limits.memory_mb)
    if args.penalty_per_day and not args.due:
        raise ValueError("--penalty-per-day needs --due")
    if not 0 <= args.penalty_per_day <= 100:
        raise ValueError("--penalty-per-day is a percentage of the maximum, 0 to 100")
    policy = LatePolicy(parse_due(args.due), args.penalty_per_day) if args.due else None
    printed: dict[str, str] = {}

    def show(row: dict, resumed: bool) -> None:
        """One student's row on stdout, as soon as it is known (the bar is on stderr)."""
        from tqdm.auto import tqdm

        line = _row_line(row, args.unconfined, resumed)
        printed[row["student"]] = row["problem"]
        tqdm.write(line, file=sys.stdout)
        sys.stdout.flush()

    opts = Options(workers=args.workers, seed=args.seed, inkernel=not args.no_inkernel,
                   checks_dir=Path(args.checks) if args.checks else None, limits=limits,
                   unconfined=args.unconfined, resume=args.resume, late=policy,
                   canvas_name=args.canvas_name, canvas_id=args.canvas_id, on_row=show)
    if policy:
        print(f"late policy: {policy.describe()}", flush=True)
    try:
        report = grade(args.assignment, Path(args.submissions), Path(args.course_root),
                       solutions, opts)
    except SandboxUnavailable as err:
        print(f"error: student code runs only in a sandbox, and {err}", file=sys.stderr)
        return 2
    except GraderFilesChanged as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    if args.unconfined:
        print("warning: graded WITHOUT a sandbox (--unconfined): student code ran as your "
              "user and could read or change anything you can", file=sys.stderr)
    for student, row in sorted(report.rows.items()):
        if printed.get(student) != row["problem"]:  # something failed after the row was shown
            print(f"{student}\t{row['problem']}")
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{len(report.graded)} graded, {len(report.resumed)} unchanged since the last batch "
          f"(kept); report: {report.csv} (seed {report.seed}); Canvas: {report.canvas_csv}; "
          f"feedback: {Path(args.course_root) / 'feedback'}")
    if report.ungraded:
        n = len(report.ungraded)
        print(f"error: {n} submission{'s' if n != 1 else ''} could not be graded: "
              + ", ".join(sorted(report.ungraded)), file=sys.stderr)
        print(f"{n} submission{'s' if n != 1 else ''} could not be graded")
        return 4
    return 0


def _row_line(row: dict, unconfined: bool, resumed: bool) -> str:
    late = (f"{row['late_days']} day{'s' if row['late_days'] != 1 else ''} late: "
            f"-{row['penalty']:g}") if row.get("late_days") else ""
    extra = "; ".join(x for x in (row["problem"], row["flagged"], late,
                                  "unchanged since the last batch: not graded again"
                                  if resumed else "",
                                  "UNCONFINED" if unconfined else "") if x)
    return f"{row['student']}\t{row['score']:g}/{row['max_score']:g}" + \
        (f"\t{extra}" if extra else "")


def cmd_gradescope(args: argparse.Namespace) -> int:
    from .gradescope import build

    path = build(args.assignment, Path(args.out), solutions=Path(args.solutions),
                 checks_dir=Path(args.checks) if args.checks else None,
                 visibility=args.visibility, stdout_visibility=args.stdout_visibility,
                 inkernel=args.inkernel, unconfined=args.unconfined)
    print(f"wrote {path}")
    print("upload it as the assignment's autograder (Gradescope: Configure Autograder > "
          "Zip file upload); students submit their notebook")
    return 0


def cmd_prairielearn(args: argparse.Namespace) -> int:
    from .prairielearn import build

    folder = build(args.assignment, Path(args.out), solutions=Path(args.solutions),
                   checks_dir=Path(args.checks) if args.checks else None, image=args.image,
                   timeout=args.timeout, inkernel=args.inkernel, unconfined=args.unconfined)
    print(f"wrote {folder}")
    print(f"copy its serverFilesCourse/ and questions/ into your PrairieLearn course; build "
          f"and push the image from its Dockerfile as {args.image} (or pass --image)")
    return 0


def cmd_wheel(args: argparse.Namespace) -> int:
    from .wheel import main as wheel_main

    return wheel_main(["--out", args.out])


def cmd_export(args: argparse.Namespace) -> int:
    from .batch import export_csv
    from .course import check_assignment

    check_assignment(args.assignment, Path(args.solutions))
    if not (Path(args.course_root) / "gradebook.db").exists():
        raise FileNotFoundError(f"no gradebook in {args.course_root}: autograde first")
    db_url = f"sqlite:///{(Path(args.course_root) / 'gradebook.db').resolve()}"
    to = Path(args.to or Path(args.course_root) / "exports" / f"{args.assignment}_gradebook.csv")
    print(f"wrote {export_csv(db_url, args.assignment, to)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="regenerate student notebooks (notebooks/) from solutions/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("run-course", help="execute the course's notebooks and save executed copies")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--out", default="executed-solutions", help="folder for executed notebooks")
    p.add_argument("--version", choices=["solutions", "notebooks"], default="solutions",
                   help="run the instructor solutions (default) or the student notebooks")
    p.add_argument("--fast", action="store_true",
                   help="small budgets, as when grading (shipped checkpoints, short training "
                        "runs; sets GMLIB_FAST=1)")
    p.set_defaults(func=cmd_run_course)

    p = sub.add_parser("sync-setup-cells",
                       help="write the Colab set-up cell into every solution notebook and point "
                            "the Colab badges of docs/COURSE.md at COURSE_REPOSITORY")
    p.set_defaults(func=cmd_sync_setup_cells)

    p = sub.add_parser("autograde", help="grade a folder of submissions (<student>.ipynb "
                       "or <student>/*.ipynb) into the gradebook, with a CSV report and feedback")
    p.add_argument("assignment")
    p.add_argument("submissions", help="folder of submitted notebooks")
    p.add_argument("--course-root", default=str(GRADING),
                   help="grading root: gradebook, submitted/, feedback/, exports/ (default: grading/)")
    p.add_argument("--solutions", default=str(SOLUTIONS), help=argparse.SUPPRESS)
    p.add_argument("--checks", help="folder of checks specs (default: autograder/checks/)")
    p.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1,
                   help="parallel grading processes (default: cores + 1)")
    p.add_argument("--seed", type=int, help="seed for the hidden inputs (default: fresh)")
    p.add_argument("--time-limit", type=float, help="seconds per cell or call in the re-check")
    p.add_argument("--memory-mb", type=int, help="address-space limit of the re-check")
    p.add_argument("--no-inkernel", action="store_true",
                   help="skip nbgrader's in-kernel run (no disagreement flags; faster)")
    p.add_argument("--unconfined", action="store_true",
                   help="run student code WITHOUT the bubblewrap sandbox (only where bwrap "
                        "cannot be had; the report and the CSV say so on every row)")
    p.add_argument("--plain", action="store_true",
                   help="nbgrader's own autograde only, serially (no re-check)")
    p.add_argument("--resume", action="store_true",
                   help="keep the rows of submissions unchanged (same sha256) since the last "
                        "batch instead of grading them again")
    p.add_argument("--due", help="due date and time, e.g. 2026-12-01T23:59 (local time, or "
                   "with an offset); submission times from nbgrader's timestamp.txt, else "
                   "the notebook's modification time")
    p.add_argument("--penalty-per-day", type=float, default=0.0,
                   help="percent of the maximum score off per started day late (floor 0)")
    p.add_argument("--canvas-name", help="assignment name in the Canvas CSV's column "
                   "(default: the assignment)")
    p.add_argument("--canvas-id", help="Canvas assignment id for that column, so that "
                   "Canvas updates the existing assignment")
    p.set_defaults(func=cmd_autograde)

    p = sub.add_parser("gradescope", help="build the Gradescope autograder zip of an assignment")
    p.add_argument("assignment")
    p.add_argument("--out", default="dist", help="folder for <assignment>_gradescope.zip "
                   "(default: dist/)")
    p.add_argument("--visibility", default="visible",
                   choices=["visible", "hidden", "after_due_date", "after_published"],
                   help="when students see each test cell's result (default: visible)")
    p.add_argument("--stdout-visibility", default="hidden",
                   choices=["visible", "hidden", "after_due_date", "after_published"],
                   help="the grader's own log (seed, flags); default: instructors only")
    p.add_argument("--inkernel", action="store_true",
                   help="also run nbgrader in-kernel (flags disagreements in the log; slower)")
    p.add_argument("--unconfined", action="store_true",
                   help="grade without bubblewrap where the platform's container forbids it "
                        "(student code then runs as the grader, beside the results file)")
    p.add_argument("--checks", help=argparse.SUPPRESS)
    p.add_argument("--solutions", default=str(SOLUTIONS), help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_gradescope)

    p = sub.add_parser("prairielearn", help="build a PrairieLearn externally graded question "
                       "(grader files, question, image Dockerfile) for an assignment")
    p.add_argument("assignment")
    p.add_argument("--out", default="dist", help="folder for <assignment>_prairielearn/ "
                   "(default: dist/)")
    p.add_argument("--image", default="YOUR_DOCKERHUB_USER/gm-grader:latest",
                   help="the grading image named in info.json (built from the Dockerfile)")
    p.add_argument("--timeout", type=int, default=120, help="grading timeout, seconds (max 600)")
    p.add_argument("--inkernel", action="store_true",
                   help="also run nbgrader in-kernel (flags disagreements in the log; slower)")
    p.add_argument("--unconfined", action="store_true",
                   help="grade without bubblewrap where the platform's container forbids it")
    p.add_argument("--checks", help=argparse.SUPPRESS)
    p.add_argument("--solutions", default=str(SOLUTIONS), help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_prairielearn)

    p = sub.add_parser("wheel", help="build the course wheel (goal_misgeneralization_course-*.whl) "
                       "that students upload where the course repository cannot be reached")
    p.add_argument("--out", default=str(REPO / "dist"), help="folder for the wheel (default: dist/)")
    p.set_defaults(func=cmd_wheel)

    p = sub.add_parser("export", help="export an assignment's gradebook scores to CSV")
    p.add_argument("assignment")
    p.add_argument("--course-root", default=str(GRADING))
    p.add_argument("--solutions", default=str(SOLUTIONS), help=argparse.SUPPRESS)
    p.add_argument("--to", help="CSV path (default: <course-root>/exports/<assignment>_gradebook.csv)")
    p.set_defaults(func=cmd_export)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
