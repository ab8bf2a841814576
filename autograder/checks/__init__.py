"""Checks specs: what the grader calls each graded function with, and how it compares.

One module per assignment, ``autograder/checks/<assignment>.py``, defines

- ``SETUP``: grade ids of locked cells (from the *instructor's* notebook) that the graded
  functions need, run before the student's solution cells in the re-check (imports, small
  constants). Never heavy cells: the re-check runs in seconds.
- ``CHECKS``: a list of ``Check(test=<test cell grade_id>, function=<name>, cases=...,
  compare="allclose" | "exact", rtol=, atol=, strict_types=, inputs_test=)``. With
  ``inputs_test`` (the grade id of a second test cell), the cases on which the answer key
  raises (the exercise's input rules) count for that cell instead: validation and
  computation are then graded as separate parts. ``cases`` mixes
  ``Case(*args, **kwargs)`` and callables ``rng -> list[Case]`` (inputs drawn afresh for
  every batch, so answers copied from a notebook's hidden tests do not help). Several
  checks may share one test cell; the cell's points are earned when all of its cases agree
  with the answer key.
- optionally ``TIME_LIMIT_S`` (per call) and ``MEMORY_MB`` (per submission).

Expected outcomes come from the answer key (``autograder.keys``) called on the same
inputs in the grader's own process: a value, or the exception it raises (then the
student's function must raise the same kind). ``Case(visible=True)`` marks inputs that
the student notebook shows anyway, so feedback may quote them; ``note`` says in words
what a hidden case is about ("an empty group") without giving its inputs. An argument
wrapped in ``OnePass([...])`` arrives as a one-pass iterator.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence, Union

import numpy as np

CHECKS_DIR = Path(__file__).resolve().parent


class Case:
    """Positional and keyword arguments of one call of a graded function."""

    def __init__(self, *args: Any, visible: bool = False, note: str = "", **kwargs: Any):
        self.args, self.kwargs, self.visible, self.note = args, kwargs, visible, note

    def __repr__(self) -> str:
        return f"Case(args={self.args!r}, kwargs={self.kwargs!r})"


class OnePass(list):
    """An argument the graded function receives as a one-pass iterator, ``iter(items)``: for
    exercises that promise to accept any iterable (the answer key gets an iterator too)."""


CaseSource = Union[Case, Callable[[np.random.Generator], Sequence[Case]]]


@dataclass
class Check:
    test: str                     # grade_id of the nbgrader test cell whose points this earns
    function: str                 # name the student's solution cell defines
    cases: Sequence[CaseSource] | Callable[[np.random.Generator], Sequence[Case]]
    compare: str | Callable[[Any, Any], bool] = "allclose"
    rtol: float = 1e-6
    atol: float = 1e-9
    strict_types: bool = False    # a list is then not accepted where a tuple is expected
    # Partial credit: cases on which the key raises (the input rules) earn this test cell's
    # points instead of ``test``'s, so a right computation without checks keeps most points.
    inputs_test: str | None = None

    def draw(self, rng: np.random.Generator) -> list[Case]:
        """The concrete cases for one batch."""
        sources = self.cases if isinstance(self.cases, (list, tuple)) else [self.cases]
        out: list[Case] = []
        for src in sources:
            out.extend([src] if isinstance(src, Case) else list(src(rng)))
        if not out:
            raise ValueError(f"check of {self.function} has no cases")
        return out


@dataclass
class Spec:
    assignment: str
    checks: list[Check]
    setup: list[str] = field(default_factory=list)
    time_limit_s: float = 10.0
    memory_mb: int = 2048

    @property
    def tests(self) -> list[str]:
        return list(dict.fromkeys(t for c in self.checks
                                  for t in (c.test, c.inputs_test) if t))


def spec_path(assignment: str, checks_dir: Path | None = None) -> Path:
    return Path(checks_dir or CHECKS_DIR) / f"{assignment}.py"


def load_spec(assignment: str, checks_dir: Path | None = None) -> Spec:
    """Load ``<checks_dir>/<assignment>.py`` (module names may start with a digit)."""
    path = spec_path(assignment, checks_dir)
    if not path.exists():
        raise FileNotFoundError(f"no checks spec for {assignment!r}: write {path} "
                                "(see autograder/checks/__init__.py)")
    module = _load_module(path, f"autograder_checks_{assignment}")
    checks = list(getattr(module, "CHECKS", []))
    if not checks or not all(isinstance(c, Check) for c in checks):
        raise ValueError(f"{path}: CHECKS must be a non-empty list of Check")
    return Spec(assignment, checks, list(getattr(module, "SETUP", [])),
                float(getattr(module, "TIME_LIMIT_S", 10.0)),
                int(getattr(module, "MEMORY_MB", 2048)))


def _load_module(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # Registered so that pickle finds the spec's own functions (a custom `compare`) by name
    # when a job is sent to a forked grading worker.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
