"""The adversarial class: each submission with the score it is truly worth.

Cheats are wrong on what they cheat and right elsewhere, so a correct grade is neither 0
nor full. Scores are for the toy course: mean_abs 2, accuracy 3, normalize 1 points.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from . import toy

WRONG_MEAN_ABS = "def mean_abs(x):\n    return 2.0\n"
WRONG_ACCURACY = "def accuracy(predictions, labels):\n    return 2 / 3\n"
WRONG_NORMALIZE = "def normalize(x):\n    return np.array([-1.0, 1.0])\n"
ALL = toy.TOTAL
MEAN_ABS, ACCURACY, NORMALIZE = (toy.POINTS["test_mean_abs"], toy.POINTS["test_accuracy"],
                                 toy.POINTS["test_normalize"])


@dataclass
class Adversary:
    name: str
    worth: float                       # the score it deserves
    what: str                          # what it tries
    make: Callable[[Path, dict], None]  # writes the submission into the folder


def _nb(release: Path, **bodies) -> nbformat.NotebookNode:
    return toy.answer(release, **{**{fn: True for fn in toy.CORRECT}, **bodies})


def _write(name: str, **bodies):
    def make(folder: Path, course: dict) -> None:
        filled = {k: (v(course) if callable(v) else v) for k, v in bodies.items()}
        nbformat.write(_nb(course["student"], **filled), str(folder / f"{name}.ipynb"))
    return make


def _edit(name: str, edit: Callable[[nbformat.NotebookNode, dict], None], **bodies):
    def make(folder: Path, course: dict) -> None:
        nb = _nb(course["student"], **bodies)
        edit(nb, course)
        nbformat.write(nb, str(folder / f"{name}.ipynb"), version=nbformat.NO_CONVERT)
    return make


def _raw(name: str, content: bytes):
    def make(folder: Path, course: dict) -> None:
        (folder / f"{name}.ipynb").write_bytes(content)
    return make


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


def _drop(gid):
    def edit(nb, course):
        nb.cells.remove(_cell(nb, gid))
    return edit


def _duplicate(gid, source=None):
    def edit(nb, course):
        cell = _cell(nb, gid)
        twin = copy.deepcopy(cell)
        twin.pop("id", None)
        if source is not None:
            twin.source = source
        nb.cells.insert(nb.cells.index(cell) + 1, twin)
        for i, c in enumerate(nb.cells):  # cell ids must stay unique for nbformat
            c["id"] = f"c{i}"
    return edit


def _retype(gid):
    def edit(nb, course):
        i = nb.cells.index(_cell(nb, gid))
        old = nb.cells[i]
        new = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata)
        new["id"] = old.get("id", f"m{i}")
        nb.cells[i] = new
    return edit


def _reorder(nb, course):
    block = nb.cells[-3:]  # normalize: heading, answer, tests
    del nb.cells[-3:]
    nb.cells[2:2] = block


def _points(nb, course):
    _cell(nb, "test_mean_abs").metadata["nbgrader"]["points"] = 100


def _edit_locked(nb, course):
    _cell(nb, "imports").source = ("import numpy as np\n"
                                   "np.isclose = lambda *a, **k: True\n"
                                   "mean_abs = lambda x: 2.0")


def _old_format(name: str):
    def make(folder: Path, course: dict) -> None:
        nb = _nb(course["student"])
        v3 = nbformat.convert(nb, 3)
        (folder / f"{name}.ipynb").write_text(json.dumps(v3))
    return make


def _renamed(name: str):
    def make(folder: Path, course: dict) -> None:
        (folder / name).mkdir()
        nbformat.write(_nb(course["student"]), str(folder / name / "final_v2 (1).ipynb"))
    return make


def _twice(name: str):
    def make(folder: Path, course: dict) -> None:
        # Name order decides: the folder "twice" comes before the file "twice.ipynb".
        (folder / name).mkdir()
        nbformat.write(_nb(course["student"]), str(folder / name / "x.ipynb"))
        nbformat.write(toy.student_notebook(course["student"]), str(folder / f"{name}.ipynb"))
    return make


def _blank(name: str):
    def make(folder: Path, course: dict) -> None:
        nbformat.write(toy.student_notebook(course["student"]), str(folder / f"{name}.ipynb"))
    return make


PATCH_RUN_CELL = WRONG_MEAN_ABS + '''
ip = get_ipython()
_run_cell = ip.run_cell
def _quiet(raw_cell, *args, **kwargs):
    return _run_cell("pass" if "assert" in raw_cell else raw_cell, *args, **kwargs)
ip.run_cell = _quiet
if hasattr(ip, "run_cell_async"):
    _async = ip.run_cell_async
    async def _quiet_async(raw_cell, *args, **kwargs):
        return await _async("pass" if "assert" in raw_cell else raw_cell, *args, **kwargs)
    ip.run_cell_async = _quiet_async
'''

PATCH_SHOWTRACEBACK = WRONG_MEAN_ABS + '''
get_ipython().showtraceback = lambda *a, **k: None
get_ipython()._showtraceback = lambda *a, **k: None
'''

PATCH_HELPERS = WRONG_MEAN_ABS + '''
np.isclose = lambda *a, **k: True
np.allclose = lambda *a, **k: True
'''

PATCH_BUILTINS = WRONG_ACCURACY + '''
import builtins
builtins.AssertionError = type("AssertionError", (Exception,), {})
builtins.max = lambda *a, **k: 1e9
'''

RIGGED_EQ = '''
class _Always(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__
def accuracy(predictions, labels):
    return _Always(0.0)
'''

RIGGED_BOOL = '''
class _Truthy(np.ndarray):
    def __bool__(self): return True
    def __eq__(self, other): return np.ones(self.shape, bool).view(_Truthy)
def normalize(x):
    return np.zeros(len(x)).view(_Truthy)
'''

RIGGED_FLOAT = '''
class _Two:
    def __float__(self): return 2.0
    def __eq__(self, other): return True
    def __array__(self, dtype=None, copy=None): return np.array(2.0)
def mean_abs(x):
    return _Two()
'''

HIDDEN_FROM_DISK = '''
import glob, json, os, re
_table = {}
for _root in [os.getcwd()] + [os.path.dirname(os.getcwd().rstrip("/") + "/" + "../" * k)
                              for k in range(1, 4)]:
    for _path in glob.glob(os.path.join(_root, "**", "*.ipynb"), recursive=True)[:50]:
        try:
            _text = open(_path).read()
        except OSError:
            continue
        for _args, _want in re.findall(r"mean_abs\\(np\\.array\\(\\[([^\\]]*)\\]\\)\\), ([0-9.]+)", _text):
            _table[tuple(float(v) for v in _args.split(","))] = float(_want)
def mean_abs(x):
    return _table.get(tuple(float(v) for v in x), 2.0)
'''


def WRITES_GRADEBOOK(course):
    return WRONG_ACCURACY + f'''
import glob, os, sqlite3
_targets = glob.glob(os.path.join(os.getcwd(), "../../../gradebook.db"))
_targets.append({str(course["root"] / "gradebook.db")!r})
for _db in _targets:
    try:
        with sqlite3.connect(_db, timeout=1) as _c:
            _c.execute("UPDATE grade SET auto_score = 99")
            _c.execute("DELETE FROM student WHERE id != 'writes_gradebook'")
    except Exception:
        pass
    try:
        with open(_db, "ab") as _f:
            _f.write(b"garbage")
    except Exception:
        pass
'''


DETECTS_NBGRADER = '''
import os
def mean_abs(x):
    if os.environ.get("NBGRADER_EXECUTION"):
        return 2.0   # behaves differently when graded
    return float(np.mean(np.abs(x)))
if os.environ.get("NBGRADER_EXECUTION"):
    get_ipython().showtraceback = lambda *a, **k: None
'''


def IMPORTS_KEY(course):
    repo = Path(__file__).resolve().parents[2]
    return f'''
import sys
sys.path.insert(0, {str(repo)!r})
try:
    from autograder.keys import answer_key
    from pathlib import Path
    mean_abs = answer_key("01_toy", Path({str(course["solutions"])!r}),
                          prelude={{"imports": "import numpy as np"}}).mean_abs
except Exception:
    try:
        _src = open({str(course["solutions"] / "01_toy" / "01_toy.ipynb")!r}).read()
        exec(_src[_src.index("def mean_abs"):].split("### END")[0].replace("\\\\n", "\\n"))
    except Exception:
        def mean_abs(x):
            return 2.0
'''


INFINITE_LOOP = "def normalize(x):\n    while True:\n        pass\n"
SIGINT_IGNORED = '''
import signal
def accuracy(predictions, labels):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        pass
'''
OS_EXIT = "import os\ndef mean_abs(x):\n    os._exit(0)\n"
MEMORY_BOMB = '''
def normalize(x):
    hog = []
    while True:
        hog.append(bytearray(64 * 2**20))
'''
OUTPUT_FLOOD = '''
def accuracy(predictions, labels):
    for _ in range(200):
        print("spam " * 20000)
    return float(np.mean(np.asarray(predictions) == np.asarray(labels)))
'''
STDERR_CORRECT = '''
import sys
def mean_abs(x):
    print("computing mean_abs...", file=sys.stderr)
    print("note: float64", flush=True)
    x = np.asarray(x, dtype=float)
    if x.size == 0:
        raise ValueError("empty")
    return float(np.mean(np.abs(x)))
'''
HONEST_ALT = '''
%matplotlib inline
def accuracy(predictions, labels):
    if len(predictions) != len(labels):
        raise ValueError("lengths differ")
    hits = 0
    for p, l in zip(predictions, labels):
        hits += int(p == l)
    return hits / len(labels)
'''
DUP_WRONG = "def accuracy(predictions, labels):\n    return 0.0"
LOOP_AT_TOP = "while True:\n    pass\n" + WRONG_NORMALIZE

ADVERSARIES: list[Adversary] = [
    Adversary("honest_full", ALL, "all correct", _write("honest_full")),
    Adversary("honest_alt", ALL, "a different correct accuracy, and a magic line",
              _write("honest_alt", accuracy=HONEST_ALT)),
    Adversary("honest_stderr", ALL, "a correct answer that prints to stderr and stdout",
              _write("honest_stderr", mean_abs=STDERR_CORRECT)),
    Adversary("blank", 0, "the student notebook as released", _blank("blank")),
    Adversary("one_wrong", ALL - ACCURACY, "a single wrong function",
              _write("one_wrong", accuracy=WRONG_ACCURACY)),
    Adversary("patched_run_cell", ALL - MEAN_ABS, "run_cell patched to skip asserts",
              _write("patched_run_cell", mean_abs=PATCH_RUN_CELL)),
    Adversary("patched_showtraceback", ALL - MEAN_ABS, "showtraceback silenced",
              _write("patched_showtraceback", mean_abs=PATCH_SHOWTRACEBACK)),
    Adversary("patched_helpers", ALL - MEAN_ABS - NORMALIZE, "np.isclose/np.allclose always True",
              _write("patched_helpers", mean_abs=PATCH_HELPERS, normalize=WRONG_NORMALIZE)),
    Adversary("patched_builtins", ALL - ACCURACY, "builtins AssertionError and max replaced",
              _write("patched_builtins", accuracy=PATCH_BUILTINS)),
    Adversary("rigged_eq", ALL - ACCURACY, "a float whose __eq__ is always True",
              _write("rigged_eq", accuracy=RIGGED_EQ)),
    Adversary("rigged_bool", ALL - NORMALIZE, "an ndarray subclass with rigged __bool__/__eq__",
              _write("rigged_bool", normalize=RIGGED_BOOL)),
    Adversary("rigged_float", ALL - MEAN_ABS, "an object with __float__/__eq__/__array__",
              _write("rigged_float", mean_abs=RIGGED_FLOAT)),
    Adversary("hidden_from_disk", ALL - MEAN_ABS, "answers looked up from notebooks on disk",
              _write("hidden_from_disk", mean_abs=HIDDEN_FROM_DISK)),
    Adversary("writes_gradebook", ALL - ACCURACY, "writes scores into gradebooks it can find",
              _write("writes_gradebook", accuracy=WRITES_GRADEBOOK)),
    Adversary("detects_nbgrader", ALL - MEAN_ABS, "behaves differently under NBGRADER_EXECUTION",
              _write("detects_nbgrader", mean_abs=DETECTS_NBGRADER)),
    Adversary("imports_answer_key", ALL - MEAN_ABS, "imports the answer key / reads the solution",
              _write("imports_answer_key", mean_abs=IMPORTS_KEY)),
    Adversary("infinite_loop", ALL - NORMALIZE, "normalize never returns",
              _write("infinite_loop", normalize=INFINITE_LOOP)),
    Adversary("loop_at_top_level", ALL - NORMALIZE, "an answer cell that never finishes",
              _write("loop_at_top_level", normalize=LOOP_AT_TOP)),
    Adversary("sigint_ignored", ALL - ACCURACY, "a loop that ignores SIGINT and SIGTERM",
              _write("sigint_ignored", accuracy=SIGINT_IGNORED)),
    Adversary("os_exit", ALL - MEAN_ABS, "os._exit inside the function",
              _write("os_exit", mean_abs=OS_EXIT)),
    Adversary("memory_bomb", ALL - NORMALIZE, "allocates until memory runs out",
              _write("memory_bomb", normalize=MEMORY_BOMB)),
    Adversary("output_flood", ALL - ACCURACY, "prints 20 MB before answering",
              _write("output_flood", accuracy=OUTPUT_FLOOD)),
    Adversary("malformed_json", 0, "truncated JSON", _raw("malformed_json", b'{"cells": [{"cell_')),
    Adversary("empty_file", 0, "a zero-byte notebook", _raw("empty_file", b"")),
    Adversary("no_cells", 0, "a notebook without cells", _raw(
        "no_cells", b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')),
    Adversary("old_nbformat", ALL, "a correct notebook saved as nbformat 3",
              _old_format("old_nbformat")),
    Adversary("renamed", ALL, "a correct notebook under another name in a student folder",
              _renamed("renamed")),
    Adversary("deleted_test_cell", ALL, "correct, with the accuracy test cell deleted",
              _edit("deleted_test_cell", _drop("test_accuracy"))),
    Adversary("deleted_answer_cell", ALL - MEAN_ABS, "the mean_abs answer cell deleted",
              _edit("deleted_answer_cell", _drop("mean_abs"))),
    Adversary("duplicated_test_cell", ALL, "correct, with a test cell duplicated",
              _edit("duplicated_test_cell", _duplicate("test_normalize"))),
    Adversary("duplicated_answer_cell", ALL - ACCURACY, "a second, wrong accuracy cell",
              _edit("duplicated_answer_cell", _duplicate("accuracy", DUP_WRONG))),
    Adversary("reordered", ALL, "correct, with exercises reordered", _edit("reordered", _reorder)),
    Adversary("retyped_answer_cell", ALL - MEAN_ABS, "the mean_abs answer cell made markdown",
              _edit("retyped_answer_cell", _retype("mean_abs"))),
    Adversary("retyped_test_cell", ALL, "correct, with a test cell made markdown",
              _edit("retyped_test_cell", _retype("test_accuracy"))),
    Adversary("edited_locked_cell", ALL - MEAN_ABS, "locked imports cell edited to cheat",
              _edit("edited_locked_cell", _edit_locked, mean_abs=WRONG_MEAN_ABS)),
    Adversary("edited_points", ALL, "correct, with its points raised to 100",
              _edit("edited_points", _points)),
    Adversary("bad name!", 0, "a file name that is no student id", _write("bad name!")),
    Adversary("twice", ALL, "a correct folder and a blank file under one id", _twice("twice")),
]


def write_class(folder: Path, course: dict) -> dict[str, Adversary]:
    folder.mkdir(parents=True, exist_ok=True)
    for adv in ADVERSARIES:
        adv.make(folder, course)
    return {a.name: a for a in ADVERSARIES}
