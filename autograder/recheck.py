"""The out-of-kernel re-check: plan the calls, run them in the sandbox, score them.

Planning happens once per batch in the grader's process, before any student code runs:
inputs are drawn from the checks spec with the batch's seed and the answer key is called
on them (on copies), which fixes each call's expected outcome. A submission's steps are the
instructor's set-up cells named in the spec, then the student's solution cells, then the
calls; only encoded inputs go to the sandbox, never the expected outcomes.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gmlib.selfcheck import call_text, difference, short

from .checks import Check, OnePass, Spec
from .sandbox import Limits
from .student_code import definitions, imports_of, names_used, prelude, to_python
from .steps import Step, run_steps
from .sandbox_runner import NotPlainData, decode, describe_error, encode


@dataclass
class PlannedCall:
    test: str
    function: str
    args: Any                      # encoded tuple
    kwargs: Any                    # encoded dict
    expected: dict                 # {"value": encoded} or {"raises": [type names]}
    compare: str                   # "allclose" | "exact" | "custom:<index of check>"
    rtol: float
    atol: float
    visible: bool
    note: str
    shown: str = ""                # the call as feedback may quote it (visible cases only)
    strict: bool = False           # sequence types must match (tuple is not list)


@dataclass
class Plan:
    setup: dict[str, str]          # grade id -> instructor's source of a set-up cell
    calls: list[PlannedCall]
    tests: list[str]
    custom: list[Check] = field(default_factory=list)  # checks with a callable compare
    imports: list[tuple[str, list[str]]] = field(default_factory=list)  # of the set-up cells


def make_plan(spec: Spec, key: Any, setup_sources: dict[str, str], seed: int) -> Plan:
    """Draw every check's cases and record the answer key's outcome on each."""
    rng = np.random.default_rng(seed)
    calls: list[PlannedCall] = []
    custom: list[Check] = []
    missing = [g for g in spec.setup if g not in setup_sources]
    if missing:
        raise ValueError(f"checks spec for {spec.assignment} names set-up cells the "
                         f"notebook lacks: {missing}")
    for check in spec.checks:
        fn = getattr(key, check.function, None)
        if not callable(fn):
            raise ValueError(f"the solution notebook of {spec.assignment} defines no "
                             f"function {check.function!r} (named in its checks spec)")
        compare = check.compare
        if callable(compare):
            custom.append(check)
            compare = f"custom:{len(custom) - 1}"
        these: list[PlannedCall] = []
        for case in check.draw(rng):
            try:
                expected = {"value": encode(fn(*[_live(a) for a in case.args],
                                               **{k: _live(v) for k, v in case.kwargs.items()}))}
            except NotPlainData as err:
                raise ValueError(f"answer key {check.function} returns {err}") from None
            except (NameError, ImportError) as err:  # a broken key, not an expected error
                raise ValueError(f"answer key {check.function} fails: {err!r} (does its "
                                 "solution cell import what it needs, or SETUP name the "
                                 "set-up cell that does?)") from None
            except Exception as err:  # the key raises: the student's must raise alike
                expected = {"raises": describe_error(err)["types"]}
            shown = call_text(check.function, case.args, case.kwargs) if case.visible else ""
            test = check.inputs_test if "raises" in expected and check.inputs_test else check.test
            these.append(PlannedCall(test, check.function, _encode_args(case.args),
                                     _encode_kwargs(case.kwargs), expected, compare,
                                     check.rtol, check.atol, case.visible, case.note, shown,
                                     check.strict_types))
        # The computation's cases first: a function that hangs on an input it should reject
        # loses the input rules' points, not the computation's too (after a hang the
        # function's later calls are not run).
        calls += sorted(these, key=lambda c: c.test != check.test)
    return Plan({g: setup_sources[g] for g in spec.setup}, calls, spec.tests, custom,
                imports_of(list(setup_sources.values())))


def _live(arg: Any) -> Any:
    """A fresh copy of a case argument for one call (a ``OnePass`` becomes an iterator)."""
    return iter(copy.deepcopy(list(arg))) if isinstance(arg, OnePass) else copy.deepcopy(arg)


def _encode_arg(arg: Any) -> Any:
    if isinstance(arg, OnePass):
        return {"__iter__": [encode(v) for v in arg]}
    return encode(arg)


def _encode_args(args: tuple) -> dict:
    return {"__seq__": "tuple", "items": [_encode_arg(a) for a in args]}


def _encode_kwargs(kwargs: dict) -> dict:
    return {"__dict__": {str(k): _encode_arg(v) for k, v in kwargs.items()}}


def steps_for(plan: Plan, solutions: dict[str, str], helpers: list[str] = ()) -> list[Step]:
    """The set-up cells the spec names, the set-up cells' imports the student's code uses,
    the definitions in cells the student added, the answer cells, then the calls."""
    graded = {c.function for c in plan.calls}
    defined = [d for h in helpers for d in definitions(h, graded)]
    answers = {gid: to_python(src) for gid, src in solutions.items()}
    imports = prelude(plan.imports, names_used(list(answers.values()) + [d for _, d in defined]))
    steps = [Step("cell", gid, {"cell": src}) for gid, src in plan.setup.items()]
    if imports:
        steps.append(Step("cell", "imports of the set-up cells", {"cell": imports}))
    steps += [Step("cell", f"definitions in cells you added ({name})", {"cell": src})
              for name, src in defined]
    steps += [Step("cell", gid, {"cell": src}) for gid, src in answers.items()]
    steps += [Step("call", c.function, {"call": c.function, "args": c.args, "kwargs": c.kwargs},
                   group=c.function) for c in plan.calls]
    return steps


@dataclass
class TestResult:
    test: str
    passed: bool
    failures: list[str]            # one line per failed case, safe to show the student


def run_recheck(plan: Plan, solutions: dict[str, str], limits: Limits, site=None,
                confined: bool = True, mask: tuple[str, ...] = (), helpers: list[str] = ()
                ) -> tuple[dict[str, TestResult], list[str]]:
    """Re-check one submission in the sandbox; per test cell whether all its cases passed."""
    steps = steps_for(plan, solutions, list(helpers))
    run = run_steps(steps, limits, site, confined, mask)
    notes: list[str] = []
    n_cells = sum(1 for s in steps if s.kind == "cell")
    for step, outcome in zip(steps[:n_cells], run.outcomes[:n_cells]):
        if not outcome.ok:
            who = "set-up cell " if step.name in plan.setup else \
                "" if step.name.startswith(("imports", "definitions")) else "your cell "
            notes.append(f"{who}{step.name} failed: {_error_text(outcome)}")
    results = {t: TestResult(t, True, []) for t in plan.tests}
    numbers: dict[str, int] = {}
    for call, outcome in zip(plan.calls, run.outcomes[n_cells:]):
        numbers[call.function] = k = numbers.get(call.function, 0) + 1
        problem = judge(call, outcome, plan)
        if problem:
            r = results[call.test]
            r.passed = False
            r.failures.append(f"{_which(call, k)}: {problem}")
    return results, notes


def _which(call: PlannedCall, k: int) -> str:
    if call.visible:
        return call.shown
    return f"{call.function}, hidden case {k}" + (f" ({call.note})" if call.note else "")


# The runner's own messages (its output limit), which carry no input and are always shown.
_OWN_MESSAGE = re.compile(r"output limit: printed more than \d+ characters")


def _error_text(outcome, message: bool = True) -> str:
    """What went wrong; ``message=False`` (hidden cases) names the exception's type only,
    since a student's own message could print the hidden inputs back to them."""
    if outcome.killed:
        return outcome.killed
    err = outcome.error or {}
    kind = (err.get("types") or ["Error"])[0]
    if not message and not _OWN_MESSAGE.fullmatch(str(err.get("message", ""))):
        return f"raised {kind}"
    text = f"{kind}: {err.get('message', '')}".strip()
    return text + (f" [{err['where']}]" if err.get("where") else "")


def judge(call: PlannedCall, outcome, plan: Plan) -> str:
    """'' when the outcome matches the key's; otherwise what went wrong, in words."""
    if "raises" in call.expected:
        want = call.expected["raises"][0]
        if not outcome.ok and not outcome.killed and want in (outcome.error or {}).get("types", []):
            return ""
        got = _error_text(outcome, call.visible) if not outcome.ok else "returned a value"
        return f"should raise {want}, but {got}"
    if not outcome.ok:
        return _error_text(outcome, call.visible)
    try:
        expected, actual = decode(call.expected["value"]), decode(outcome.value)
    except Exception:
        return "returned something the grader could not read"
    if call.compare.startswith("custom:"):
        check = plan.custom[int(call.compare.split(":")[1])]
        try:
            return "" if check.compare(expected, actual) else "wrong value"
        except Exception:
            return "wrong value"
    why = difference(expected, actual, call.compare == "exact", call.rtol, call.atol,
                     strict=call.strict)
    if why and call.visible:
        why += f" (expected {short(expected)})"
    return why
