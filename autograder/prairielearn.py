"""PrairieLearn: build an externally graded question, and grade one submission inside it.

``python -m autograder prairielearn <assignment> [--out DIR]`` writes
``DIR/<assignment>_prairielearn/``, laid out as the files go into a PrairieLearn course:

- ``serverFilesCourse/gm_autograder/``: the course package (``autograder/``, ``gmlib/``) and
  ``run.sh``, the entrypoint; PrairieLearn copies it to ``/grade/serverFilesCourse``;
- ``questions/<assignment>/``: ``info.json`` (external grading: image, entrypoint, timeout),
  ``question.html`` (upload the notebook, show the results), ``clientFilesQuestion/`` (the
  student notebook to download) and ``tests/`` (copied to ``/grade/tests``, never shown to
  students): the answer keys, the checks spec, the release notebook and ``grader.json``;
- ``Dockerfile`` and ``requirements.txt``: the grading image (Python, the course's
  dependencies, bubblewrap; no course code and no answer keys, so the image may be public).

``run.sh`` grades the notebook in ``/grade/student/`` with ``single.grade_notebook`` and
writes ``/grade/results/results.json`` in PrairieLearn's format: ``gradable``, ``score``
in [0, 1], ``message``, ``output`` and ``tests`` (``name``, ``description``, ``points``,
``max_points``, ``message``, ``output``). A notebook that cannot be read, or a grader that
cannot start its sandbox, gives ``gradable: false``: the student keeps the attempt.

Paths: ``GRADE_ROOT`` (default ``/grade``) and ``GM_PYTHON`` (default
``/opt/gm-grader/bin/python``) let ``run.sh`` run anywhere, e.g. in a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
import uuid
from pathlib import Path

from .bundle import VENV, Bundle, answer_keys, course_package, failure_script, find_notebook, \
    release_notebook, requirements, write_results
from .course import SOLUTIONS

CONFIG = "grader.json"
PACKAGE = "gm_autograder"
MAX_FAILURES = 8
DEFAULT_IMAGE = "YOUR_DOCKERHUB_USER/gm-grader:latest"

RUN_SH = """#!/usr/bin/env bash
# PrairieLearn's entrypoint: grade /grade/student/<notebook> into /grade/results/results.json.
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${GRADE_ROOT:-/grade}"
PY="${GM_PYTHON:-%(venv)s/bin/python}"
[ -x "$PY" ] || PY=python3
cd "$HERE" || exit 1
"$PY" -m autograder.prairielearn --root "$ROOT"
status=$?
%(fallback)s
exit $status
""" % {"venv": VENV, "fallback": failure_script("$ROOT/results/results.json", {
    "gradable": False, "score": 0.0,
    "message": "The autograder failed before it could grade this submission; the attempt "
               "is not counted. Tell your instructor."})}

DOCKERFILE = f"""# The grading image for PrairieLearn: Python, the course's dependencies and bubblewrap.
# No course code and no answer keys: PrairieLearn mounts those at grading time
# (/grade/serverFilesCourse, /grade/tests), so this image may be public.
#   docker build -t YOUR_DOCKERHUB_USER/gm-grader:latest . && docker push ...
FROM ubuntu:22.04
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      python3 python3-venv python3-pip bubblewrap util-linux ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN python3 -m venv {VENV} \\
 && {VENV}/bin/pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu \\
      "torch>=2.2,<3" \\
 && {VENV}/bin/pip install --no-cache-dir -r /tmp/requirements.txt
"""

QUESTION_HTML = """<pl-question-panel>
  <p>Download the notebook <a href="{{{{options.client_files_question_url}}}}/{name}.ipynb"
     download><code>{name}.ipynb</code></a>, complete its exercises, then upload it here.
     Each graded function is re-checked against the course's solution on the notebook's
     visible examples and on hidden cases.</p>
</pl-question-panel>
<pl-file-upload file-names="{name}.ipynb"></pl-file-upload>
<pl-submission-panel>
  <pl-external-grader-results></pl-external-grader-results>
  <pl-file-preview></pl-file-preview>
</pl-submission-panel>
"""


def build(assignment: str, out: Path, *, solutions: Path = SOLUTIONS,
          checks_dir: Path | None = None, image: str = DEFAULT_IMAGE, timeout: int = 120,
          inkernel: bool = False, unconfined: bool = False,
          cache: Path | None = None) -> Path:
    """Write ``out/<assignment>_prairielearn/``; return that folder."""
    if not 1 <= timeout <= 600:
        raise ValueError("PrairieLearn's grading timeout is 1 to 600 seconds")
    if cache is None:
        with tempfile.TemporaryDirectory(prefix="gm-release-") as tmp:
            return build(assignment, out, solutions=solutions, checks_dir=checks_dir,
                         image=image, timeout=timeout, inkernel=inkernel,
                         unconfined=unconfined, cache=Path(tmp))
    bundle = Bundle()
    server = f"serverFilesCourse/{PACKAGE}"
    bundle.add(f"{server}/run.sh", RUN_SH, 0o755)
    course_package(bundle, server, assignment, checks_dir, with_spec=False)
    question = f"questions/{assignment}"
    answer_keys(bundle, f"{question}/tests", assignment, solutions, checks_dir, cache)
    bundle.add(f"{question}/tests/{CONFIG}", json.dumps(
        {"assignment": assignment, "inkernel": inkernel, "unconfined": unconfined},
        indent=2) + "\n")
    bundle.add(f"{question}/clientFilesQuestion/{assignment}.ipynb",
               release_notebook(assignment, solutions, cache).read_bytes())
    bundle.add(f"{question}/info.json", json.dumps({
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"goal-misgeneralization/{assignment}")),
        "title": f"{assignment} (autograded notebook)",
        "topic": "Goal misgeneralization",
        "tags": ["notebook", "autograded"],
        "type": "v3",
        "singleVariant": True,
        "gradingMethod": "External",
        "externalGradingOptions": {
            "enabled": True,
            "image": image,
            "entrypoint": f"/grade/serverFilesCourse/{PACKAGE}/run.sh",
            "serverFilesCourse": [f"{PACKAGE}/"],
            "timeout": timeout,
        },
    }, indent=2) + "\n")
    bundle.add(f"{question}/question.html", QUESTION_HTML.format(name=assignment))
    bundle.add("Dockerfile", DOCKERFILE)
    bundle.add("requirements.txt", "\n".join(
        r for r in requirements() if not r.startswith("torch")) + "\n")
    return bundle.write(Path(out) / f"{assignment}_prairielearn")


def results_json(result: dict) -> dict:
    """PrairieLearn's results.json for one graded notebook (``single.grade_notebook``)."""
    tests = []
    for t in result["tests"]:
        failures = t["failures"]
        passed = t["score"] == t["max"]
        tests.append({
            "name": t["test"],
            "description": "checks " + ", ".join(t.get("functions", [])),
            "points": float(t["score"]), "max_points": float(t["max"]),
            "message": "All cases passed." if passed else (
                f"{len(failures)} case{'s' if len(failures) != 1 else ''} failed."
                if failures else "Not graded."),
            "output": "\n".join(failures[:MAX_FAILURES]) + (
                f"\n... and {len(failures) - MAX_FAILURES} more"
                if len(failures) > MAX_FAILURES else ""),
        })
    total = float(result["max_score"]) or 1.0
    message = f"Score: {result['score']:g} / {result['max_score']:g}."
    if result["problem"] and result["graded"]:
        message += " " + result["problem"]
    out = {"gradable": bool(result["graded"]),
           "score": min(1.0, max(0.0, float(result["score"]) / total)),
           "message": message,
           "output": "\n".join(["About your notebook:", *(f"- {n}" for n in result["notes"])])
           if result["notes"] else "",
           "tests": tests}
    if not result["graded"]:
        out["message"] = f"Your notebook could not be graded: {result['problem']}"
        out["format_errors"] = [result["problem"]]
    return out


def not_gradable(message: str) -> dict:
    return {"gradable": False, "score": 0.0, "message": message, "tests": []}


def run(root: Path) -> int:
    """Grade ``root/student`` with the answer keys in ``root/tests``; write the results."""
    from .integrity import GraderFilesChanged
    from .sandbox import SandboxUnavailable
    from .single import grade_notebook

    root = Path(root).resolve()
    tests = root / "tests"
    code = 0
    try:
        config = json.loads((tests / CONFIG).read_text())
        assignment = config["assignment"]
        print(f"grading {assignment} with the autograder in {Path(__file__).resolve().parent}",
              flush=True)
        notebook, problem = find_notebook(root / "student", assignment)
        result = grade_notebook(
            assignment, notebook, problem=problem, solutions=tests / "solutions",
            release_nb=tests / "release" / assignment / f"{assignment}.ipynb",
            checks_dir=tests / "checks", inkernel=bool(config.get("inkernel")),
            unconfined=bool(config.get("unconfined")), hide=(root,))
        data = results_json(result)
        print(f"score {result['score']:g}/{result['max_score']:g}; seed {result['seed']}; "
              f"confinement {result['confinement']}")
        for line in filter(None, [result["problem"], result["flagged"], *result["notes"]]):
            print(f"  {line}")
    except SandboxUnavailable as err:
        print(f"error: {err}")
        data, code = not_gradable("The autograder could not start its sandbox; the attempt "
                                  "is not counted. Tell your instructor."), 2
    except GraderFilesChanged as err:
        print(f"error: {err}")
        data, code = not_gradable("The autograder's own files changed while it ran; the "
                                  "attempt is not counted. Tell your instructor."), 3
    except Exception:
        traceback.print_exc(file=sys.stdout)
        data, code = not_gradable("The autograder failed on this submission; the attempt is "
                                  "not counted. Tell your instructor."), 1
    write_results(root, "results/results.json", data)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.prairielearn",
                                     description="Grade one PrairieLearn submission.")
    parser.add_argument("--root", default="/grade",
                        help="PrairieLearn's folder: student/, tests/, results/")
    args = parser.parse_args(argv)
    return run(Path(args.root))


if __name__ == "__main__":
    sys.exit(main())
