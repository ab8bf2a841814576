"""The students' self-check: the visible examples' verdict, with a helpful message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gmlib.selfcheck import check


def accuracy(p, l):
    p, l = np.asarray(p), np.asarray(l)
    if p.shape != l.shape:
        raise ValueError("lengths differ")
    return float(np.mean(p == l))


EXAMPLES = [((np.array([1, 0, 1]), np.array([1, 1, 1])), 2 / 3),
            ((np.array([1]), np.array([1, 0])), ValueError)]


def test_a_correct_function_passes(capsys):
    check(accuracy, EXAMPLES)
    assert "accuracy passes 2 visible examples" in capsys.readouterr().out


@pytest.mark.parametrize("fn, message", [
    (lambda p, l: 0.5, "example 1: <lambda>([1 0 1], [1 1 1]): wrong value (returned 0.5); "
                       "expected 0.6666666666666666"),
    (lambda p, l: [0.6], "returned a list of length 1, expected a number"),
    (lambda p, l: float(np.mean(np.asarray(p) == np.asarray(l))),
     "example 2: <lambda>([1], [1 0]) should raise ValueError (check the inputs first)"),
    (lambda p, l: 1 / 0, "should return 0.666"),
])
def test_failures_say_which_example_and_how(fn, message):
    with pytest.raises(AssertionError) as err:
        check(fn, EXAMPLES)
    assert message in str(err.value)


def test_a_stub_says_not_implemented():
    def stub(p, l):
        raise NotImplementedError()
    with pytest.raises(AssertionError, match="not implemented yet"):
        check(stub, EXAMPLES)


def test_selfcheck_imports_nothing_of_the_autograder():
    code = ("import sys, gmlib.selfcheck; "
            "print(any(m.startswith('autograder') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1] / "gmlib")
    assert out.returncode == 0 or "No module named 'gmlib'" in out.stderr
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("fn, message", [
    (lambda p, l: None, "returned None: is the `return` statement missing?"),
    (lambda p, l: float("nan"), "returned NaN where a number was expected"),
    (lambda p, l: "0.67", "returned a str, expected a number"),
    (lambda p, l: np.array(["0.67"]).reshape(()), "returned values of type <U4 where numbers were expected"),
    (lambda p, l: np.ones(3), "returned an array of shape (3,), expected a number"),
])
def test_common_mistakes_get_a_message_that_says_what_to_fix(fn, message):
    with pytest.raises(AssertionError) as err:
        check(fn, EXAMPLES)
    assert message in str(err.value)
