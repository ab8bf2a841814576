"""A student notebook runs in a fresh environment set up only by its own first cell.

The test builds what Colab offers (a Python with torch and a Jupyter kernel, nothing of
this course), points the set-up cell at this checkout instead of the public repository,
and executes the first student notebook: the set-up cell installs the package, and every
cell other than the exercises and their tests runs. Then notebook 06, which loads agents
shipped inside the package, runs in the same environment from a folder with no agent files in it.
"""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest
from nbclient import NotebookClient

from autograder.course import REPO
from tests.course import ASSIGNMENTS, nbgrader_meta, read, student_path

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments yet")]


def _pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args], check=True)


def test_setup_cell_installs_the_course_into_a_colab_like_environment(tmp_path):
    import torch

    env_dir = tmp_path / "colab"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    # What Colab ships: torch (here the same CPU build as the test's own) and a kernel.
    _pip(python, f"torch=={torch.__version__.split('+')[0]}", "ipykernel")
    kernels = tmp_path / "kernels"
    subprocess.run([str(python), "-m", "ipykernel", "install", "--prefix", str(kernels),
                    "--name", "colab-like"], check=True, capture_output=True)

    saved = dict(os.environ)

    def run(name: str):
        """Execute the student notebook in a folder of its own, as Colab opens it: alone."""
        nb = read(student_path(name))
        os.environ["JUPYTER_PATH"] = str(kernels / "share" / "jupyter")
        os.environ["GM_COURSE_SOURCE"] = str(REPO)
        os.environ.pop("PYTHONPATH", None)
        try:
            NotebookClient(nb, timeout=900, kernel_name="colab-like", allow_errors=True,
                           resources={"metadata": {"path": str(tmp_path)}}).execute()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        broken = [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"
                  and not (nbgrader_meta(c).get("solution") or nbgrader_meta(c).get("grade"))]
        assert not broken, f"{name}: cells failed in the Colab-like environment: {broken}"
        return nb

    nb = run(ASSIGNMENTS[0])
    setup_output = "".join(o.get("text", "") for o in nb.cells[
        next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")].outputs)
    assert "Installing the course package" in setup_output, setup_output
    installed = subprocess.run([str(python), "-c", "import gmlib, sys; print(gmlib.__file__)"],
                               capture_output=True, text=True, check=True,
                               cwd=tmp_path).stdout  # not the checkout: `-c` imports from cwd
    assert str(env_dir) in installed, f"gmlib came from {installed}, not the fresh environment"
    # A second run of the set-up cell installs nothing.
    again = subprocess.run([str(python), "-c", nb.cells[next(
        i for i, c in enumerate(nb.cells) if c.cell_type == "code")].source],
        capture_output=True, text=True, check=True, env={**saved, "PYTHONPATH": ""}, cwd=tmp_path)
    assert "Installing" not in again.stdout

    # A notebook that loads shipped agents finds them in the installed package, not beside it.
    if "06_which_goal" in ASSIGNMENTS:
        run("06_which_goal")
