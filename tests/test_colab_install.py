"""A student notebook runs on Colab as Colab is, set up only by its own first cell.

The module builds one virtual environment pinned to what Colab ships of everything the course
touches (tests/colab_pins.toml: Colab's published package list, read 2026-12-01, as reported in
the project's issue 15): ipywidgets 7.7.1 with widgetsnbextension 3.6.10, pygame 2.6.1 (not
pygame-ce), Colab's numpy, matplotlib, gymnasium, tqdm, pip, and its kernel (ipykernel,
IPython, traitlets, jupyter_client). Two things cannot be matched here and are substituted:

* torch: Colab's is 2.11.0 (CPU); this machine has a 2.13.0 CPU wheel on local disk and 2.11
  may not be at hand, so the environment gets 2.13.0. Both lie in the course's torch range
  (tests/test_setup_cell.py checks that).
* Python: Colab's is 3.13; the environment uses this machine's Python (3.11 here).

Each test starts from that environment as built (what a test installed is uninstalled first),
runs the set-up cell in a Jupyter kernel of the environment, from a folder of its own, and
checks with ``pip list`` that no package the environment had before moved or went away, and
that pygame-ce (which would overwrite pygame's files) was not installed. The tests:

* with the course source unreachable and no wheel anywhere, the cell fails with one message
  that says what to do;
* with the course source unreachable and a wheel built by ``python -m autograder wheel`` next
  to the notebook, the cell installs from the wheel; then gmlib's widgets (the episode player
  and the correlation slider) work in the kernel with ipywidgets 7.7.1, and grading mode still
  draws the static figure;
* with the source a copy of this checkout, the cell installs the course, and every student
  notebook runs (GMLIB_FAST=1: small budgets, widgets still shown) with every cell other than
  the exercises and their tests passing; a second run of the cell installs nothing.
* the wheel holds the course package, its shipped agents, and pyproject's requirements.

Run time here (2 cores shared with other jobs, 2026-12-01): 3.5 to 4.5 minutes, of which 1 to
2 to build the environment (pip takes this machine's local wheels where they have the pinned
version, torch included, and downloads the rest) and about 2 to run the seven notebooks
(11-34 s each).
"""

from __future__ import annotations

import contextlib
import email
import json
import os
import re
import shutil
import subprocess
import time
import tomllib
import venv
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from autograder.execute import RearmingNotebookClient
from packaging.requirements import Requirement

from autograder.course import REPO
from autograder.setup_cell import CELL_SOURCE, WHEEL_GLOB
from tests.course import ASSIGNMENTS, nbgrader_meta, read, student_path

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments yet")]

PINS_FILE = Path(__file__).with_name("colab_pins.toml")
KERNEL = "colab-like"
COURSE = "goal-misgeneralization-course"
NOT_THERE = "/nonexistent/goal-misgeneralization-course"


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    """What the environment gets: Colab's versions, with this machine's substitutes."""
    table = tomllib.loads(PINS_FILE.read_text())
    return {_canon(n): table.get("substitutes", {}).get(n, v) for n, v in table["pins"].items()}


def _no_deps() -> set[str]:
    return {_canon(n) for n in tomllib.loads(PINS_FILE.read_text())["no_deps"]["packages"]}


def _pip(python: Path, *args: str) -> str:
    run = subprocess.run([str(python), "-m", "pip", *args, "--disable-pip-version-check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, f"pip {' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run.stdout


def _installed(python: Path) -> dict[str, str]:
    listed = json.loads(_pip(python, "list", "--format=json"))
    return {_canon(d["name"]): d["version"] for d in listed}


@pytest.fixture(scope="module")
def colab(tmp_path_factory):
    """One Colab-like environment, its kernel, its package list as built, and a course wheel."""
    from autograder.wheel import main as wheel_main

    root = tmp_path_factory.mktemp("colab")
    started = time.perf_counter()
    venv.EnvBuilder(with_pip=True).create(root / "env")
    python = root / "env" / "bin" / "python"
    pins = _pins()
    _pip(python, "install", "--quiet", f"pip=={pins['pip']}")  # Colab's pip installs the rest
    _pip(python, "install", "--quiet",
         *(f"{n}=={v}" for n, v in pins.items() if n not in _no_deps() | {"pip"}))
    _pip(python, "install", "--quiet", "--no-deps",
         *(f"{n}=={v}" for n, v in pins.items() if n in _no_deps()))
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(root / "kernels"),
                    "--name", KERNEL], check=True, capture_output=True)
    baseline = _installed(python)
    public = {n: (baseline.get(n) or "").split("+")[0] for n in pins}  # torch 2.13.0+cpu
    assert public == pins, "the environment is not what Colab has"
    assert "pygame-ce" not in baseline
    built = time.perf_counter() - started
    # The wheel a student uploads, built as the instructor does: `python -m autograder wheel`.
    assert wheel_main(["--out", str(root / "dist")]) == 0
    (wheel,) = (root / "dist").glob(WHEEL_GLOB)
    print(f"\nColab-like environment built in {built:.0f} s; wheel {wheel.name}")
    return SimpleNamespace(python=python, kernels=root / "kernels" / "share" / "jupyter",
                           baseline=baseline, wheel=wheel)


def _reset(colab) -> None:
    """Back to the environment as built: uninstall what an earlier test installed."""
    extra = sorted(set(_installed(colab.python)) - set(colab.baseline))
    if extra:
        _pip(colab.python, "uninstall", "--yes", "--quiet", *extra)


def _assert_nothing_moved(colab) -> dict[str, str]:
    now = _installed(colab.python)
    moved = {n: (v, now.get(n, "removed")) for n, v in colab.baseline.items() if now.get(n) != v}
    assert not moved, f"the set-up cell changed packages the environment had: {moved}"
    assert "pygame-ce" not in now, "pygame-ce was installed over pygame"
    return now


@contextlib.contextmanager
def _environ(colab, **changes: str | None):
    saved = dict(os.environ)
    for name in ("PYTHONPATH", "NBGRADER_EXECUTION", "GM_COURSE_SOURCE", "GMLIB_FAST"):
        os.environ.pop(name, None)
    os.environ["JUPYTER_PATH"] = str(colab.kernels)
    os.environ["GMLIB_FAST"] = "1"
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # ipykernel 6.17's debugger, on 3.11
    for name, value in changes.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _execute(colab, nb, folder: Path, **env: str | None):
    """Execute ``nb`` in a kernel of the Colab-like environment started in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with _environ(colab, **env):
        RearmingNotebookClient(nb, timeout=900, kernel_name=KERNEL, allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _errors(cell) -> list:
    return [o for o in cell.outputs if o.output_type == "error"]


def _setup_notebook(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s)
                                           for s in (CELL_SOURCE, *sources)])


def _gmlib_location(colab, folder: Path) -> str:
    run = subprocess.run([str(colab.python), "-c", "import gmlib; print(gmlib.__file__)"],
                         capture_output=True, text=True, cwd=folder,
                         env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    return run.stdout.strip() if run.returncode == 0 else ""


def test_the_wheel_holds_the_course_and_asks_for_what_pyproject_asks(colab):
    with zipfile.ZipFile(colab.wheel) as wheel:
        names = wheel.namelist()
        meta = email.message_from_bytes(wheel.read(next(
            n for n in names if n.endswith(".dist-info/METADATA"))))
    assert meta["Name"] == COURSE and "gmlib/__init__.py" in names
    assert any(n.startswith("gmlib/rl/checkpoints/") and n.endswith(".pt") for n in names), \
        "the shipped agents are missing"
    assert not [n for n in names if n.split("/")[0] in ("tests", "solutions", "notebooks")]
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    asked = {str(Requirement(r)) for r in meta.get_all("Requires-Dist") if "extra ==" not in r}
    assert asked == {str(Requirement(r)) for r in project["dependencies"]}


def test_without_the_repository_or_a_wheel_the_cell_says_what_to_do(colab, tmp_path):
    _reset(colab)
    nb = _execute(colab, _setup_notebook(), tmp_path / "notebook", GM_COURSE_SOURCE=NOT_THERE)
    (error,) = _errors(nb.cells[0])
    assert error.ename == "RuntimeError"
    message = error.evalue
    for needed in (NOT_THERE, "cannot be reached", WHEEL_GLOB, str(tmp_path / "notebook"),
                   "/content", "python -m autograder wheel", "Files pane", "GM_COURSE_SOURCE",
                   "run this cell again"):
        assert needed in message, f"the message lacks {needed!r}: {message}"
    assert not _text(nb.cells[0]), "one message, not a printout and then an error"
    assert not _gmlib_location(colab, tmp_path)
    _assert_nothing_moved(colab)


WIDGET_CHECKS = '''
import ipywidgets
from gmlib.rl.baselines import ShortestPathPolicy
from gmlib.rl.player import play, widgets_available
print("ipywidgets", ipywidgets.__version__, "widgets", widgets_available())
box = play(ShortestPathPolicy(), seed=1)
box
''', '''
controls, step, image, caption = box.children
step.value = step.max
print("last step:", caption.value)
controls.children[0].value = 2
controls.children[-1].click()
print("rerun:", step.value, step.max, len(image.value) > 0)
''', '''
import os
from gmlib.classifiers import accuracy
from gmlib.sweeps import correlation_sweep
from gmlib.widgets import correlation_explorer
sweep = correlation_sweep([0.5, 1.0], lambda m, s: {"acc": accuracy(m, s["test"])}, seeds=[0],
                          n_train=100, n_test=20, epochs=1, progress=False)
slider = correlation_explorer(sweep)
slider.value = 0.5
print("slider", type(slider).__name__, slider.value)
''', '''
os.environ["NBGRADER_EXECUTION"] = "autograde"
print("grading:", type(play(ShortestPathPolicy(), seed=1)).__name__,
      correlation_explorer(sweep) is None)
'''


def test_an_uploaded_wheel_installs_the_course_and_the_widgets_work_with_ipywidgets_7(
        colab, tmp_path):
    _reset(colab)
    folder = tmp_path / "notebook"
    folder.mkdir()
    shutil.copy(colab.wheel, folder)
    nb = _execute(colab, _setup_notebook(*WIDGET_CHECKS), folder, GM_COURSE_SOURCE=NOT_THERE)
    setup = _text(nb.cells[0])
    assert not _errors(nb.cells[0]), _errors(nb.cells[0])
    assert f"Cannot reach {NOT_THERE} (no such file or folder); installing from the uploaded " \
           f"{folder / colab.wheel.name} instead." in setup, setup
    assert f"installed from {folder / colab.wheel.name}" in setup, setup
    assert str(colab.python.parents[1]) in _gmlib_location(colab, tmp_path)
    _assert_nothing_moved(colab)

    broken = [(i, e.ename, e.evalue) for i, c in enumerate(nb.cells) for e in _errors(c)]
    assert not broken, f"the widget checks failed with ipywidgets 7: {broken}"
    printed = [_text(c) for c in nb.cells]
    assert f"ipywidgets {colab.baseline['ipywidgets']} widgets True" in printed[1], printed[1]
    shown = [o for o in nb.cells[1].outputs if o.output_type in ("display_data", "execute_result")]
    assert len(shown) == 1 and "application/vnd.jupyter.widget-view+json" in shown[0].data
    assert "play(agent, seed=1, interactive=False)" in shown[0].data["text/plain"], \
        "a front end without widgets should be told how to get the static strip"
    assert "last step:" in printed[2] and "rerun: 0" in printed[2] and "True" in printed[2]
    views = [o for o in nb.cells[3].outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1 and "curves above" in views[0].data["text/plain"]
    assert "slider SelectionSlider 0.5" in printed[3]
    assert "grading: Figure True" in printed[4], "grading mode must draw the static figure"


def test_setup_cell_installs_the_course_and_every_student_notebook_runs(colab, tmp_path):
    from autograder.wheel import copy_source

    _reset(colab)
    source = tmp_path / "course"  # a copy of this checkout: pip builds in it, not in the checkout
    copy_source(REPO, source)
    seconds, outputs = {}, {}
    for name in ASSIGNMENTS:
        nb = read(student_path(name))
        start = time.perf_counter()
        _execute(colab, nb, tmp_path / name, GM_COURSE_SOURCE=str(source))
        seconds[name] = time.perf_counter() - start
        setup = next(c for c in nb.cells if c.cell_type == "code")
        assert setup.source == CELL_SOURCE
        outputs[name] = _text(setup)
        broken = [(i, e.ename, e.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  for e in _errors(c)
                  if not (nbgrader_meta(c).get("solution") or nbgrader_meta(c).get("grade"))]
        assert not broken, f"{name}: cells failed in the Colab-like environment: {broken}"
        if name == "02_measuring_proxies":  # the correlation slider, with ipywidgets 7
            assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
                       for c in nb.cells for o in c.get("outputs", [])), name
    print("\nseconds per notebook: " + ", ".join(f"{n} {s:.0f}" for n, s in seconds.items()))

    first = outputs[ASSIGNMENTS[0]]
    for name in ("torch", "numpy", "matplotlib", "gymnasium", "ipywidgets", "tqdm"):
        assert f"{name} {colab.baseline[name]} (already installed, left alone)" in first, first
    assert re.search(r"^minigrid [\d.]+ \(installed without its pygame-ce: pygame "
                     + re.escape(colab.baseline["pygame"]) + r" stays\)$", first, re.M), first
    assert re.search(rf"^{COURSE} [\d.]+ \(installed from {re.escape(str(source))}\)$", first,
                     re.M), first
    now = _assert_nothing_moved(colab)
    assert {"minigrid", COURSE} <= set(now) - set(colab.baseline)
    assert str(colab.python.parents[1]) in _gmlib_location(colab, tmp_path), \
        "gmlib came from somewhere else than the fresh environment"
    for name in ASSIGNMENTS[1:]:  # the later notebooks found the course installed
        assert "nothing to install" in outputs[name] and "installed from" not in outputs[name]
    again = subprocess.run([str(colab.python), "-c", CELL_SOURCE], capture_output=True,
                           text=True, cwd=tmp_path,
                           env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    assert again.returncode == 0 and again.stdout.count("\n") == 1 \
        and "nothing to install" in again.stdout, again.stdout + again.stderr
    _assert_nothing_moved(colab)
