"""The package installs under its own name, and both dependency lists agree."""

import re
import subprocess
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}
NOT_PACKAGES = {"python", "pip"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _environment_dependencies() -> list[str]:
    # A tiny reader for the flat list in environment.yml, so the test needs no YAML parser.
    deps, in_deps = [], False
    for line in (REPO / "environment.yml").read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
        elif in_deps and re.match(r"^  - [^ ]", line) and not line.strip().endswith(":"):
            deps.append(line.strip()[2:])
    return deps


def test_distribution_is_not_named_gmlib():
    assert _pyproject()["project"]["name"] != "gmlib", "gmlib on PyPI is an unrelated package"


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    project = _pyproject()["project"]
    pip_side = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_side |= {_name(r) for r in extra}
    conda_side = {CONDA_TO_PIP.get(_name(d), _name(d)) for d in _environment_dependencies()}
    conda_side -= NOT_PACKAGES
    assert conda_side == pip_side, (
        f"only in environment.yml: {sorted(conda_side - pip_side)}; "
        f"only in pyproject.toml: {sorted(pip_side - conda_side)}")


def test_torch_range_admits_the_local_cpu_build():
    torch_req = next(r for r in _pyproject()["project"]["dependencies"] if _name(r) == "torch")
    lower = re.search(r">=\s*([\d.]+)", torch_req).group(1)
    upper = re.search(r"<\s*([\d.]+)", torch_req).group(1)
    as_tuple = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
    assert as_tuple(lower) <= (2, 13, 0) < as_tuple(upper), torch_req


def test_no_instruction_installs_the_unrelated_gmlib():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True,
                             check=True).stdout.split()
    offenders = []
    for name in tracked:
        path = REPO / name
        if path.suffix in {".md", ".py", ".ipynb", ".sh", ".yml", ".toml", ".txt", ""} \
                and path.is_file() and name != "tests/test_packaging.py":
            if re.search(r"pip3? install +(-U +)?gmlib\b", path.read_text(errors="ignore")):
                offenders.append(name)
    assert not offenders, f"these files tell people to install PyPI's unrelated gmlib: {offenders}"
