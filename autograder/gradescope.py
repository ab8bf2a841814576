"""Gradescope: build the autograder zip, and grade one submission inside Gradescope.

``python -m autograder gradescope <assignment> [--out DIR]`` writes
``DIR/<assignment>_gradescope.zip`` holding, at its top level, what Gradescope's
autograder specification asks for:

- ``setup.sh``: run once as root when Gradescope builds the image (Ubuntu): bubblewrap
  from apt, a virtual environment in ``/opt/gm-grader`` with CPU torch and the course's
  dependencies, the course package installed from the zip (editable, so its code stays in
  ``/autograder/source``, out of the sandboxes' reach);
- ``run_autograder``: grades ``/autograder/submission/*.ipynb`` and writes
  ``/autograder/results/results.json``;

and beside them the course package (``autograder/``, ``gmlib/``), the answer keys
(``solutions/<assignment>/``), the checks spec (``autograder/checks/<assignment>.py``), the
release notebook (``release/``) and ``gm_autograder.json`` (what to grade, how to show it).

Grading is ``single.grade_notebook``: the class grader's sandboxed re-check of one
notebook. The results follow Gradescope's ``results.json`` schema: top-level ``score``,
``output``, ``execution_time``, ``stdout_visibility``, ``extra_data`` and ``tests``, one
per graded test cell, with ``name``, ``score``, ``max_score``, ``status``, ``output`` and
``visibility``. Failure lines quote visible cases in full and name hidden ones by number
and note only (what feedback pages say); the instructor's details (seed, in-kernel
disagreement, the grader's own errors) go to stdout, which Gradescope shows instructors.

Paths: ``AUTOGRADER_ROOT`` (default ``/autograder``) and ``AUTOGRADER_PYTHON`` (default
``/opt/gm-grader/bin/python``) let ``run_autograder`` run anywhere, e.g. in a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

from .bundle import VENV, Bundle, answer_keys, course_package, failure_script, find_notebook, \
    write_results
from .course import REPO, SOLUTIONS
from .safe_write import write_bytes

CONFIG = "gm_autograder.json"
VISIBILITY = ("visible", "hidden", "after_due_date", "after_published")
MAX_FAILURES = 8

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
set -euxo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap \\
    util-linux ca-certificates
python3 -m venv {VENV}
{VENV}/bin/pip install --upgrade pip
{VENV}/bin/pip install --index-url https://download.pytorch.org/whl/cpu "torch>=2.2,<3" \\
    || {VENV}/bin/pip install "torch>=2.2,<3"
# Editable: the package's code (and the answer keys beside it) stay in /autograder/source,
# which no sandbox sees; only the dependencies go into the environment the sandboxes bind.
{VENV}/bin/pip install -e "/autograder/source[course]"
cd /autograder/source
{VENV}/bin/python -c "from autograder.sandbox import check_available; check_available(); \\
print('the grading sandbox (bubblewrap) starts here')" \\
    || echo "WARNING: bubblewrap cannot start a sandbox in this image: every submission \\
will be reported as not graded (see README.md, 'Gradescope')"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope copies this to /autograder/run_autograder and runs it once per submission.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PY="${AUTOGRADER_PYTHON:-%(venv)s/bin/python}"
cd "$ROOT/source" || exit 1
"$PY" -m autograder.gradescope --root "$ROOT"
status=$?
%(fallback)s
exit $status
""" % {"venv": VENV, "fallback": failure_script("$ROOT/results/results.json", {
    "score": 0.0, "output": "The autograder failed before it could grade this submission. "
                          "Your instructor can see why in the autograder output."})}


def build(assignment: str, out: Path, *, solutions: Path = SOLUTIONS,
          checks_dir: Path | None = None, visibility: str = "visible",
          stdout_visibility: str = "hidden", inkernel: bool = False,
          unconfined: bool = False, cache: Path | None = None) -> Path:
    """Write ``out/<assignment>_gradescope.zip``; return its path."""
    for v in (visibility, stdout_visibility):
        if v not in VISIBILITY:
            raise ValueError(f"visibility {v!r} is not one of {', '.join(VISIBILITY)}")
    if cache is None:
        with tempfile.TemporaryDirectory(prefix="gm-release-") as tmp:
            return build(assignment, out, solutions=solutions, checks_dir=checks_dir,
                         visibility=visibility, stdout_visibility=stdout_visibility,
                         inkernel=inkernel, unconfined=unconfined, cache=Path(tmp))
    bundle = Bundle()
    bundle.add("setup.sh", SETUP_SH, 0o755)
    bundle.add("run_autograder", RUN_AUTOGRADER, 0o755)
    course_package(bundle, "", assignment, checks_dir)
    answer_keys(bundle, "", assignment, solutions, checks_dir, cache, spec=False)
    bundle.add("pyproject.toml", (REPO / "pyproject.toml").read_bytes())
    bundle.add("README.md", (REPO / "README.md").read_bytes())
    bundle.add(CONFIG, json.dumps({
        "assignment": assignment, "visibility": visibility,
        "stdout_visibility": stdout_visibility, "inkernel": inkernel,
        "unconfined": unconfined}, indent=2) + "\n")
    return write_bytes(Path(out), f"{assignment}_gradescope.zip", bundle.zip())


def results_json(result: dict, config: dict) -> dict:
    """Gradescope's results.json for one graded notebook (``single.grade_notebook``)."""
    visibility = config.get("visibility", "visible")
    tests = []
    for t in result["tests"]:
        functions = ", ".join(t.get("functions", []))
        failures = t["failures"]
        if not result["graded"]:
            output = "Not graded: " + result["problem"]
        elif failures:
            output = "\n".join(failures[:MAX_FAILURES]) + (
                f"\n... and {len(failures) - MAX_FAILURES} more" if len(failures) > MAX_FAILURES
                else "")
        elif t["score"] == t["max"]:
            output = "All cases passed."
        else:
            output = "Not graded."
        tests.append({"name": t["test"] + (f" ({functions})" if functions else ""),
                      "score": float(t["score"]), "max_score": float(t["max"]),
                      "status": "passed" if t["score"] == t["max"] else "failed",
                      "output": output, "visibility": visibility})
    lines = [f"Score: {result['score']:g} / {result['max_score']:g}"]
    if not result["graded"]:
        lines.append(f"Your notebook could not be graded: {result['problem']}")
    elif result["problem"]:
        lines.append(result["problem"])
    if result["notes"]:
        lines += ["", "About your notebook:"] + [f"- {n}" for n in result["notes"]]
    lines += ["", "Each function was called on the notebook's visible examples and on hidden "
              "cases drawn afresh, in a separate sandboxed Python process, and its results "
              "compared with the course's own solution."]
    return {"score": float(result["score"]), "output": "\n".join(lines),
            "execution_time": int(round(float(result.get("seconds") or 0))),
            "stdout_visibility": config.get("stdout_visibility", "hidden"),
            "extra_data": {"assignment": result["assignment"], "seed": result["seed"],
                           "confinement": result["confinement"],
                           "flagged": result["flagged"],
                           "nbgrader_score": result["nbgrader_score"]},
            "tests": tests}


def failed_results(message: str, config: dict) -> dict:
    return {"score": 0.0, "output": message,
            "stdout_visibility": config.get("stdout_visibility", "hidden"), "tests": []}


def run(root: Path) -> int:
    """Grade ``root/submission`` with the zip's grader in ``root/source``; write the results."""
    from .integrity import GraderFilesChanged
    from .sandbox import SandboxUnavailable
    from .single import grade_notebook

    root = Path(root).resolve()
    source = root / "source"
    start = time.monotonic()
    config: dict = {}
    code = 0
    try:
        config = json.loads((source / CONFIG).read_text())
        assignment = config["assignment"]
        print(f"grading {assignment} with the autograder in {Path(__file__).resolve().parent}",
              flush=True)
        notebook, problem = find_notebook(root / "submission", assignment)
        result = grade_notebook(
            assignment, notebook, problem=problem, solutions=source / "solutions",
            release_nb=source / "release" / assignment / f"{assignment}.ipynb",
            inkernel=bool(config.get("inkernel")), unconfined=bool(config.get("unconfined")),
            hide=(root,))
        result["seconds"] = time.monotonic() - start
        data = results_json(result, config)
        print(f"score {result['score']:g}/{result['max_score']:g}; seed {result['seed']}; "
              f"confinement {result['confinement']}")
        for line in filter(None, [result["problem"], result["flagged"], *result["notes"]]):
            print(f"  {line}")
    except SandboxUnavailable as err:
        print(f"error: {err}")
        data, code = failed_results(
            "Not graded: the autograder could not start its sandbox on this machine. Your "
            "submission was received; your instructor has been told and will regrade it.",
            config), 2
    except GraderFilesChanged as err:
        print(f"error: {err}")
        data, code = failed_results("Not graded: the autograder's own files changed while it "
                                    "ran. Your instructor will regrade this submission.",
                                    config), 3
    except Exception:  # the grader's own failure: the instructor sees it in stdout
        traceback.print_exc(file=sys.stdout)
        data, code = failed_results("Not graded: the autograder failed on this submission. "
                                    "Your instructor can see why and will regrade it.",
                                    config), 1
    write_results(root, "results/results.json", data)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope",
                                     description="Grade one Gradescope submission.")
    parser.add_argument("--root", default="/autograder",
                        help="Gradescope's folder: source/, submission/, results/")
    args = parser.parse_args(argv)
    return run(Path(args.root))


if __name__ == "__main__":
    sys.exit(main())
