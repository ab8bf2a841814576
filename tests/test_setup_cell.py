"""The set-up cell and the package's requirements admit what Colab ships; quick checks.

The slow end-to-end checks (a Colab-like environment, the set-up cell run in it, the wheel
route, every student notebook) are in tests/test_colab_install.py.
"""

from __future__ import annotations

import importlib.metadata as md
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from autograder.course import REPO
from autograder.setup_cell import CELL_SOURCE, WHEEL_GLOB

PINS = tomllib.loads((Path(__file__).with_name("colab_pins.toml")).read_text())


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {Requirement(r).name.lower(): Requirement(r) for r in project["dependencies"]}


def test_the_requirements_admit_what_colab_ships_and_what_this_machine_has():
    requirements = _requirements()
    checked = []
    for name, version in PINS["pins"].items():
        if name in requirements:
            versions = {version, PINS.get("substitutes", {}).get(name, version)}
            for v in versions:
                assert requirements[name].specifier.contains(v), (
                    f"pyproject's {requirements[name]} does not admit Colab's {name} {v}: the "
                    f"set-up cell would replace it")
            checked.append(name)
    assert {"torch", "ipywidgets", "numpy", "matplotlib", "gymnasium", "tqdm"} <= set(checked)
    # torch: Colab's 2.11 and this machine's 2.13; ipywidgets: Colab's 7.7.1 and the 8 here.
    assert requirements["torch"].specifier.contains("2.11.0")
    assert requirements["torch"].specifier.contains("2.13.0")
    assert requirements["ipywidgets"].specifier.contains("7.7.1")
    assert requirements["ipywidgets"].specifier.contains(md.version("ipywidgets"))


def test_minigrid_asks_for_a_pygame_that_the_cell_knows():
    """minigrid 3.0 asks for pygame, 3.1 and later for pygame-ce: the cell keeps either."""
    asked = [Requirement(r).name for r in md.requires("minigrid") or []
             if Requirement(r).name.startswith("pygame")]
    assert asked and set(asked) <= {"pygame", "pygame-ce"}, asked
    assert '"pygame", "pygame-ce"' in CELL_SOURCE and 'find_spec("pygame")' in CELL_SOURCE


def test_the_cell_is_python_and_names_every_way_out():
    compile(CELL_SOURCE, "course_setup", "exec")
    for needed in (WHEEL_GLOB, "python -m autograder wheel", "GM_COURSE_SOURCE", "/content",
                   "already installed, left alone"):
        assert needed in CELL_SOURCE, needed


def test_with_the_course_at_hand_the_cell_prints_one_line_and_installs_nothing(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-c", CELL_SOURCE], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("\n") == 1 and "nothing to install" in run.stdout, run.stdout
    assert not run.stderr, "a set-up cell that writes to stderr looks broken (and scores 0)"


def test_a_widget_shows_a_line_of_text_where_it_cannot_be_drawn(monkeypatch):
    pytest.importorskip("ipywidgets")
    import ipywidgets
    import IPython.display
    from IPython.utils.dir2 import get_real_method

    from gmlib.widgets import WIDGET_VIEW, interactive_available, with_fallback

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: shown.append(data))
    slider = with_fallback(ipywidgets.IntSlider(), lambda: "a slider, drawn by a live notebook")
    get_real_method(slider, "_ipython_display_")()  # what IPython calls to show it
    assert shown == [{WIDGET_VIEW: {"version_major": 2, "version_minor": 0,
                                    "model_id": slider.model_id},
                      "text/plain": "a slider, drawn by a live notebook"}]
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert not interactive_available()
