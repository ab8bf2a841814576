"""Self-study checks: run an exercise on the notebook's visible examples, explain failures.

    from gmlib.selfcheck import check
    check(conflict_accuracy, [
        ((np.array([1, 0]), np.array([1, 1]), np.array([0, 1])), 0.5),
        ((np.array([1]), np.array([1, 0]), np.array([0])), ValueError),  # must raise
    ])

Each example is ``(args, expected)`` or ``(args, kwargs, expected)``; ``expected`` is a value
(numbers and arrays are compared with a tolerance) or an exception class the call must
raise. An example that a rule of the exercise decides is written ``Rule("a 2-D input raises
ValueError", args, ValueError)``: when it fails, the message names the rule. ``check`` prints a short success line, or raises ``AssertionError`` that says which
example failed and how, so a visible test cell may simply be a ``check`` call: the
self-check and the visible tests then give the same verdict by construction. It needs only
numpy (it works on Colab, with no nbgrader course), and it knows nothing of the hidden
tests or the answer keys: those live with the course's autograder, never in gmlib.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


@dataclass(frozen=True)
class Rule:
    """A visible example that one stated rule of an exercise decides."""
    rule: str
    args: tuple
    expected: Any
    kwargs: dict = field(default_factory=dict)


def kind(x: Any) -> str:
    """A value's shape in words: 'a number', 'an array of shape (3,)', ..."""
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of length {len(x)}"
    if isinstance(x, (bool, np.bool_)):
        return "a bool"
    if isinstance(x, (int, float, np.integer, np.floating)):
        return "a number"
    return f"a {type(x).__name__}"


def difference(expected: Any, actual: Any, exact: bool = False, rtol: float = 1e-6,
               atol: float = 1e-9, strict: bool = False) -> str:
    """'' when ``actual`` matches ``expected``; otherwise what differs, in words.

    Lists and tuples stand in for each other unless ``strict``. The autograder's re-check
    uses this same comparison on its plain-data results.
    """
    numeric = (int, float, np.integer, np.floating, np.bool_, np.ndarray)
    if actual is None and expected is not None:
        return "returned None: is the `return` statement missing?"
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        if len(expected) != len(actual):
            return f"returned {kind(actual)}, expected length {len(expected)}"
        if strict and type(expected) is not type(actual):
            return f"returned {kind(actual)}, expected {kind(expected)}"
        return next((f"item {i}: {w}" for i, (e, a) in enumerate(zip(expected, actual))
                     if (w := difference(e, a, exact, rtol, atol, strict))), "")
    if isinstance(expected, dict) or isinstance(actual, dict):
        if not (isinstance(expected, dict) and isinstance(actual, dict)):
            return f"returned {kind(actual)}, expected {kind(expected)}"
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            return "; ".join(([f"missing key {', '.join(map(repr, missing))}"] if missing else [])
                             + ([f"unexpected key {', '.join(map(repr, extra))}"] if extra else []))
        return next((f"key {k!r}: {w}" for k in expected
                     if (w := difference(expected[k], actual[k], exact, rtol, atol, strict))), "")
    if type(expected) is bool and isinstance(actual, np.bool_):
        # Right or wrong, the type is the problem: say so before judging the value.
        return (f"returned a NumPy bool (np.{bool(actual)}_), expected a Python bool: "
                "wrap the result in bool(...)")
    if isinstance(expected, numeric) and isinstance(actual, numeric + (list, tuple)):
        e, a = np.asarray(expected), np.asarray(actual)
        if e.shape != a.shape:
            return f"returned {kind(actual)}, expected {kind(expected)}"
        if e.dtype.kind in "biuf" and a.dtype.kind not in "biuf":
            return (f"returned values of type {a.dtype} where numbers were expected "
                    "(convert with float(...) or np.asarray(..., dtype=float))")
        if a.dtype.kind == "f" and np.isnan(a).any() and not np.isnan(e.astype(float)).any():
            return ("returned NaN where a number was expected: look for a division by zero "
                    "or a mean over an empty selection")
        try:
            same = np.array_equal(e, a) if exact else np.allclose(
                a.astype(float), e.astype(float), rtol=rtol, atol=atol, equal_nan=True)
        except (TypeError, ValueError):
            same = False
        if same:
            return ""
        if a.ndim == 0 and a.dtype.kind in "biuf":
            return f"wrong value (returned {a.item():.6g})"
        return "wrong value"
    if type(actual) is not type(expected):
        return f"returned {kind(actual)}, expected {kind(expected)}"
    return "" if actual == expected else "wrong value"


def short(x: Any) -> str:
    """``x`` as a message quotes it: one line, at most 80 characters."""
    text = np.array2string(x, threshold=8) if isinstance(x, np.ndarray) else repr(x)
    text = " ".join(text.split())  # a 2-d array on one line
    return text if len(text) < 80 else text[:77] + "..."


def call_text(name: str, args: Sequence, kwargs: dict) -> str:
    """A call as a message quotes it: ``name(arg, ..., key=value)``."""
    parts = [short(a) for a in args] + [f"{k}={short(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _fresh(x: Any) -> Any:
    """A copy the exercise may modify freely; a generator (one pass, no copy) as it is."""
    try:
        return copy.deepcopy(x)
    except TypeError:
        return x


def check(fn: Callable, examples: Sequence[tuple], *, exact: bool = False,
          rtol: float = 1e-6, atol: float = 1e-9, strict: bool = False) -> None:
    """Call ``fn`` on each example; raise AssertionError explaining the first failure.

    ``strict``: a list does not pass where a tuple is expected (or the reverse)."""
    for n, example in enumerate(examples, 1):
        rule = ""
        if isinstance(example, Rule):
            rule, args, kwargs, expected = example.rule, example.args, example.kwargs, \
                example.expected
        elif len(example) == 2:
            (args, expected), kwargs = example, {}
        else:
            args, kwargs, expected = example
        call = call_text(getattr(fn, "__name__", "function"), args, kwargs)
        if rule:
            call = f"rule not followed: {rule}. {call}"
        must_raise = isinstance(expected, type) and issubclass(expected, BaseException)
        try:
            actual = fn(*_fresh(tuple(args)), **_fresh(dict(kwargs)))
        except NotImplementedError:
            raise AssertionError(f"{call}: not implemented yet (replace the "
                                 "`raise NotImplementedError()` line with your code)") from None
        except Exception as err:
            if must_raise and isinstance(err, expected):
                continue
            want = f"should raise {expected.__name__}" if must_raise else \
                f"should return {short(expected)}"
            raise AssertionError(f"{'' if rule else f'example {n}: '}{call} {want}, but raised "
                                 f"{type(err).__name__}: {err}") from err
        if must_raise:
            raise AssertionError(f"{'' if rule else f'example {n}: '}{call} should raise {expected.__name__} "
                                 f"(check the inputs first), but returned {short(actual)}")
        why = difference(expected, actual, exact, rtol, atol, strict)
        if why:
            raise AssertionError(f"{'' if rule else f'example {n}: '}{call}: {why}; "
                                 f"expected {short(expected)}")
    print(f"✓ {getattr(fn, '__name__', 'function')} passes {len(examples)} visible "
          f"example{'s' if len(examples) != 1 else ''}. (The grader also tries hidden cases.)")
