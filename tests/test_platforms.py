"""The Gradescope and PrairieLearn adapters, end to end on notebook 02.

Each platform's bundle is built with the README's command, laid out in a temporary folder
the way the platform lays it out (``/autograder`` for Gradescope, from the unpacked zip;
``/grade`` for PrairieLearn), and its own entrypoint (``run_autograder``, ``run.sh``) grades
a correct, a blank and a one-wrong submission in a subprocess. The results files are
checked field by field against each platform's documented schema, and the scores against
the notebook's points.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.__main__ import main
from autograder.checks import load_spec
from tests.course import answered, nbgrader_meta, read, student_path

NAME = "02_measuring_proxies"
REPO = Path(__file__).resolve().parents[1]
GRADESCOPE_VISIBILITY = {"visible", "hidden", "after_due_date", "after_published"}
# What each metric of notebook 02 is worth, over all of its test cells (10 in all).
FUNCTION_POINTS = {"conflict_accuracy": 2, "proxy_agreement": 1, "worst_group_accuracy": 3,
                   "flip_rate": 1, "linear_probe_accuracy": 3}


def _points() -> dict[str, float]:
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
            for c in read(student_path(NAME)).cells if nbgrader_meta(c).get("grade")}


def _expected(wrong: str) -> dict[str, float]:
    """Scores of the three submissions: the wrong function loses its value test cell's points
    (a wrong number still raises where the key raises, so an inputs cell, if any, stays)."""
    points = _points()
    total = sum(points.values())
    value_cell = next(c.test for c in load_spec(NAME).checks if c.function == wrong)
    return {"correct": total, "blank": 0.0, "one_wrong": total - points[value_cell]}


def test_notebook02_is_worth_what_the_adapters_expect():
    """The metrics are worth 10 points in all (more exercises may add to the total)."""
    points, spec = _points(), load_spec(NAME)
    cells: dict[str, set[str]] = {}
    for check in spec.checks:
        cells.setdefault(check.function, set()).update(
            {check.test, getattr(check, "inputs_test", None)} - {None})
    worth = {f: sum(points[c] for c in cs) for f, cs in cells.items()}
    assert {f: worth.get(f) for f in FUNCTION_POINTS} == FUNCTION_POINTS
    assert sum(points.values()) >= 10


def _submissions(wrong: str) -> dict[str, nbformat.NotebookNode]:
    return {"correct": answered(NAME), "blank": read(student_path(NAME)),
            "one_wrong": answered(NAME, wrong=wrong)}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Both bundles, built with the README's commands."""
    out = tmp_path_factory.mktemp("dist")
    assert main(["gradescope", NAME, "--out", str(out)]) == 0
    assert main(["prairielearn", NAME, "--out", str(out), "--image", "example/gm-grader:1"]) == 0
    return {"zip": out / f"{NAME}_gradescope.zip", "pl": out / f"{NAME}_prairielearn"}


# ---- Gradescope ----------------------------------------------------------------------

def _unpack(zip_path: Path, root: Path) -> Path:
    """Lay the zip out as Gradescope does: /autograder/source, /autograder/run_autograder."""
    source = root / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            z.extract(info, source)
            os.chmod(source / info.filename, (info.external_attr >> 16) & 0o777)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    return root


def assert_gradescope_schema(data: dict) -> None:
    """Gradescope's results.json: https://gradescope-autograders.readthedocs.io/en/latest/specs/"""
    assert isinstance(data, dict)
    assert set(data) <= {"score", "execution_time", "output", "output_format", "visibility",
                         "stdout_visibility", "extra_data", "tests", "leaderboard"}, set(data)
    assert isinstance(data["score"], float) and data["score"] >= 0
    assert isinstance(data["output"], str)
    if "execution_time" in data:
        assert isinstance(data["execution_time"], int) and data["execution_time"] >= 0
    for key in ("visibility", "stdout_visibility"):
        if key in data:
            assert data[key] in GRADESCOPE_VISIBILITY
    if "extra_data" in data:
        assert isinstance(data["extra_data"], dict)
    assert isinstance(data.get("tests", []), list)  # optional when the score is given
    for test in data.get("tests", []):
        assert set(test) <= {"score", "max_score", "status", "name", "number", "output",
                             "tags", "visibility", "extra_data"}, set(test)
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]
        assert isinstance(test["output"], str)
        assert test["visibility"] in GRADESCOPE_VISIBILITY
        assert test["status"] in {"passed", "failed"}
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])


def test_the_gradescope_zip_has_what_gradescope_expects(built):
    with zipfile.ZipFile(built["zip"]) as z:
        infos = {i.filename: i for i in z.infolist()}
        names = set(infos)
        for script in ("setup.sh", "run_autograder"):  # at the zip's top level, executable
            assert script in names
            assert (infos[script].external_attr >> 16) & stat.S_IXUSR
            assert z.read(script).startswith(b"#!/usr/bin/env bash")
        setup = z.read("setup.sh").decode()
        config = json.loads(z.read("gm_autograder.json"))
    assert "apt-get install" in setup and "bubblewrap" in setup and "pip install" in setup
    assert config["assignment"] == NAME and not config["unconfined"]
    # The course package, this assignment's answer key and checks spec, nothing else's.
    assert {"autograder/single.py", "autograder/gradescope.py", "gmlib/__init__.py",
            f"solutions/{NAME}/{NAME}.ipynb", f"autograder/checks/{NAME}.py",
            f"release/{NAME}/{NAME}.ipynb", "pyproject.toml"} <= names
    assert not [n for n in names if n.startswith("solutions/") and NAME not in n]
    assert not [n for n in names if n.startswith("autograder/checks/")
                and n not in (f"autograder/checks/{NAME}.py", "autograder/checks/__init__.py")]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


@pytest.mark.slow
def test_gradescope_run_autograder_grades_from_the_unpacked_zip(built, tmp_path):
    root = _unpack(built["zip"], tmp_path / "autograder")
    expected = _expected("conflict_accuracy")
    for student, nb in _submissions("conflict_accuracy").items():
        for folder in ("submission", "results"):
            shutil.rmtree(root / folder, ignore_errors=True)
        (root / "submission").mkdir()
        (root / "results").mkdir()
        nbformat.write(nb, str(root / "submission" / f"{NAME}.ipynb"))
        proc = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True,
                              text=True, timeout=300,
                              env={**os.environ, "AUTOGRADER_ROOT": str(root),
                                   "AUTOGRADER_PYTHON": sys.executable})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        # The grader that ran is the zip's own copy, not this repository's.
        assert f"autograder in {(root / 'source' / 'autograder').resolve()}" in proc.stdout
        data = json.loads((root / "results" / "results.json").read_text())
        assert_gradescope_schema(data)
        assert data["score"] == pytest.approx(expected[student]), (student, data)
        assert sum(t["score"] for t in data["tests"]) == pytest.approx(data["score"])
        assert [t["name"].split(" ")[0] for t in data["tests"]] == list(_points())
        assert {t["visibility"] for t in data["tests"]} == {"visible"}
        assert data["extra_data"]["confinement"] == "bubblewrap"
        failed = [t for t in data["tests"] if t["status"] == "failed"]
        if student == "correct":
            assert not failed
        if student == "one_wrong":
            assert [t["name"] for t in failed] == ["test_conflict_accuracy (conflict_accuracy)"]
            # Hidden cases are named by number and note, never by their inputs or values.
            lines = failed[0]["output"].splitlines()
            assert lines and all(line.startswith("conflict_accuracy, hidden case")
                                 or line.startswith("conflict_accuracy(") for line in lines)
            assert not any("expected" in line for line in lines if "hidden case" in line)
    # What setup.sh installs (`pip install -e /autograder/source[course]`) is a package:
    # the zip's pyproject.toml and sources build (offline: no dependencies fetched).
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(wheels), "."],
                           cwd=root / "source", capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-2000:]
    assert [w.name.split("-")[0] for w in wheels.glob("*.whl")] == [
        "goal_misgeneralization_course"]


def test_gradescope_says_why_when_nothing_could_be_graded(built, tmp_path, monkeypatch):
    from autograder import gradescope, single
    from autograder.sandbox import SandboxUnavailable

    root = _unpack(built["zip"], tmp_path / "autograder")
    (root / "submission").mkdir()
    (root / "submission" / f"{NAME}.ipynb").write_text("{not a notebook")
    # A grader that dies before writing anything still leaves a results file.
    proc = subprocess.run([str(root / "run_autograder")], cwd=root, capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "AUTOGRADER_ROOT": str(root),
                               "AUTOGRADER_PYTHON": shutil.which("false") or "/bin/false"})
    assert proc.returncode != 0
    data = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_schema(data)
    assert data["score"] == 0.0 and "failed before it could grade" in data["output"]
    assert gradescope.run(root) == 0
    data = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_schema(data)
    assert data["score"] == 0.0 and "could not be graded" in data["output"]
    assert all(t["output"].startswith("Not graded") for t in data["tests"])

    def refuse() -> None:
        raise SandboxUnavailable("bubblewrap refused (test)")

    monkeypatch.setattr(single, "check_available", refuse)
    assert gradescope.run(root) == 2
    data = json.loads((root / "results" / "results.json").read_text())
    assert_gradescope_schema(data)
    assert data["score"] == 0.0 and "sandbox" in data["output"] and data["tests"] == []


# ---- PrairieLearn --------------------------------------------------------------------

def _grade_folder(built_pl: Path, root: Path) -> Path:
    """Lay the bundle out as PrairieLearn does: /grade/serverFilesCourse, /grade/tests."""
    shutil.copytree(built_pl / "serverFilesCourse", root / "serverFilesCourse")
    shutil.copytree(built_pl / "questions" / NAME / "tests", root / "tests")
    return root


def assert_prairielearn_schema(data: dict, raw: bytes) -> None:
    """PrairieLearn's results.json (docs/externalGrading.md, 'Grading results')."""
    assert len(raw) < 1024 * 1024
    assert isinstance(data, dict)
    assert isinstance(data["gradable"], bool)
    assert isinstance(data["score"], float) and 0.0 <= data["score"] <= 1.0
    assert isinstance(data["message"], str)
    if "output" in data:
        assert isinstance(data["output"], str)
    if "format_errors" in data:
        assert not data["gradable"]
        assert isinstance(data["format_errors"], list)
        assert all(isinstance(e, str) for e in data["format_errors"])
    assert isinstance(data["tests"], list)
    for test in data["tests"]:
        assert set(test) <= {"name", "description", "points", "max_points", "message",
                             "output", "images"}, set(test)
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["points"], float) and isinstance(test["max_points"], float)
        assert 0 <= test["points"] <= test["max_points"]
        for key in ("message", "output", "description"):
            assert isinstance(test[key], str)
    if data["gradable"] and data["tests"]:
        total = sum(t["max_points"] for t in data["tests"])
        assert sum(t["points"] for t in data["tests"]) / total == pytest.approx(data["score"])


def test_the_prairielearn_bundle_is_a_question_and_its_grader(built):
    pl = built["pl"]
    question = pl / "questions" / NAME
    info = json.loads((question / "info.json").read_text())
    options = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and options["enabled"] is True
    assert options["image"] == "example/gm-grader:1"
    assert options["entrypoint"] == "/grade/serverFilesCourse/gm_autograder/run.sh"
    assert options["serverFilesCourse"] == ["gm_autograder/"]
    assert 1 <= options["timeout"] <= 600
    assert f'file-names="{NAME}.ipynb"' in (question / "question.html").read_text()
    assert "<pl-external-grader-results>" in (question / "question.html").read_text()
    assert (question / "clientFilesQuestion" / f"{NAME}.ipynb").is_file()
    tests = question / "tests"
    for part in (f"solutions/{NAME}/{NAME}.ipynb", f"checks/{NAME}.py",
                 f"release/{NAME}/{NAME}.ipynb", "grader.json"):
        assert (tests / part).is_file(), part
    server = pl / "serverFilesCourse" / "gm_autograder"
    assert os.access(server / "run.sh", os.X_OK)
    assert (server / "autograder" / "single.py").is_file() and (server / "gmlib").is_dir()
    # Answer keys only in the question's tests/ (never in the image or the shared files).
    assert not list(server.rglob("*.ipynb")) and not (server / "autograder" / "checks" /
                                                       f"{NAME}.py").exists()
    dockerfile = (pl / "Dockerfile").read_text()
    assert "bubblewrap" in dockerfile and "COPY requirements.txt" in dockerfile
    assert "solutions" not in dockerfile


@pytest.mark.slow
def test_prairielearn_run_sh_grades_the_student_file(built, tmp_path):
    root = _grade_folder(built["pl"], tmp_path / "grade")
    expected = _expected("worst_group_accuracy")
    total = sum(_points().values())
    for student, nb in _submissions("worst_group_accuracy").items():
        for folder in ("student", "results"):
            shutil.rmtree(root / folder, ignore_errors=True)
        (root / "student").mkdir()  # PrairieLearn does not create results/: the grader does
        nbformat.write(nb, str(root / "student" / f"{NAME}.ipynb"))
        proc = subprocess.run(["bash", str(root / "serverFilesCourse" / "gm_autograder" /
                                           "run.sh")],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "GRADE_ROOT": str(root),
                                   "GM_PYTHON": sys.executable})
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "serverFilesCourse/gm_autograder/autograder" in proc.stdout
        raw = (root / "results" / "results.json").read_bytes()
        data = json.loads(raw)
        assert_prairielearn_schema(data, raw)
        assert data["gradable"] is True
        assert data["score"] == pytest.approx(expected[student] / total), (student, data)
        assert sum(t["points"] for t in data["tests"]) == pytest.approx(expected[student])
        assert [t["name"] for t in data["tests"]] == list(_points())
        if student == "one_wrong":
            failed = [t for t in data["tests"] if t["points"] < t["max_points"]]
            assert [t["name"] for t in failed] == ["test_worst_group_accuracy"]


def test_prairielearn_does_not_count_an_attempt_it_could_not_grade(built, tmp_path,
                                                                   monkeypatch):
    from autograder import prairielearn, single
    from autograder.sandbox import SandboxUnavailable

    root = _grade_folder(built["pl"], tmp_path / "grade")
    (root / "student").mkdir()
    (root / "student" / "notes.txt").write_text("not a notebook")
    assert prairielearn.run(root) == 0
    raw = (root / "results" / "results.json").read_bytes()
    data = json.loads(raw)
    assert_prairielearn_schema(data, raw)
    assert data["gradable"] is False and "no notebook" in data["format_errors"][0]

    def refuse() -> None:
        raise SandboxUnavailable("bubblewrap refused (test)")

    monkeypatch.setattr(single, "check_available", refuse)
    nbformat.write(answered(NAME), str(root / "student" / f"{NAME}.ipynb"))
    assert prairielearn.run(root) == 2
    raw = (root / "results" / "results.json").read_bytes()
    data = json.loads(raw)
    assert_prairielearn_schema(data, raw)
    assert data["gradable"] is False and "sandbox" in data["message"]


def test_readme_shows_the_three_routes_the_tests_take():
    readme = (REPO / "README.md").read_text()
    for command in ("python -m autograder autograde 02_measuring_proxies submissions/",
                    "python -m autograder gradescope 02_measuring_proxies",
                    "python -m autograder prairielearn 02_measuring_proxies"):
        assert command in readme, command
    for column in ("Student", "ID", "SIS User ID", "SIS Login ID", "Section"):
        assert column in readme
