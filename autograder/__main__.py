"""The course's command line: ``python -m autograder <command> --help``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import NOTEBOOKS, REPO, SOLUTIONS, assignments


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
        result = execute(folder / name / f"{name}.ipynb", grading=args.fast,
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
    from .setup_cell import sync

    changed = sync()
    for path in changed:
        print(f"updated the set-up cell of {path.relative_to(REPO)}")
    print(f"{len(changed)} notebooks changed; now run `python -m autograder generate`")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="regenerate student notebooks (notebooks/) from solutions/")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("run-course", help="execute the course's notebooks and save executed copies")
    p.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    p.add_argument("--out", default="executed", help="folder for executed notebooks")
    p.add_argument("--version", choices=["solutions", "notebooks"], default="solutions",
                   help="run the instructor solutions (default) or the student notebooks")
    p.add_argument("--fast", action="store_true",
                   help="grading-mode budgets (shipped checkpoints, small training runs)")
    p.set_defaults(func=cmd_run_course)

    p = sub.add_parser("sync-setup-cells",
                       help="write the Colab set-up cell into every solution notebook")
    p.set_defaults(func=cmd_sync_setup_cells)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
