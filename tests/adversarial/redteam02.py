"""A second corpus against notebook 02: what an outside red-team pass found, kept as tests.

Each submission is built from the correct notebook, with the one change its name says. The
worths follow notebook 02's points: each metric's computation and input-rules cells
(conflict_accuracy 1.5 + 0.5, proxy_agreement 0.75 + 0.25, worst_group_accuracy 2.25 + 0.75,
flip_rate 0.75 + 0.25, linear_probe_accuracy 2.25 + 0.75) and telling_tiles 2.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from tests.adversarial.notebook02 import NAME, TOTAL
from tests.course import answered

FLIP_VALUE, FLIP_INPUTS, WORST = 0.75, 0.25, 3.0


@dataclass
class Case:
    name: str
    worth: float
    what: str
    make: Callable[[Path], None]


def _nb_with(patches=None, replace=None, extra=()):
    nb = answered(NAME)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if replace and gid in replace:
            cell.source = replace[gid]
        if patches and gid in patches:
            cell.source += "\n\n" + patches[gid]
    for pos, cell in extra:
        nb.cells.insert(pos, cell)
    return nb


def _write(name, **kwargs):
    def make(folder: Path) -> None:
        nbformat.write(_nb_with(**kwargs), str(folder / f"{name}.ipynb"))
    return make


def _raw(name, edit):
    def make(folder: Path) -> None:
        raw = json.loads(nbformat.writes(answered(NAME)))
        edit(raw)
        (folder / f"{name}.ipynb").write_text(json.dumps(raw, separators=(",", ":")))
    return make


def _extra_cell(kind, source, nbgrader):
    cell = (nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell)(source)
    cell.metadata["nbgrader"] = nbgrader
    return cell


helper = nbformat.v4.new_code_cell(
    "import numpy as np\n\ndef _as_1d(*arrays):\n    out = [np.asarray(a) for a in arrays]\n"
    "    if any(a.ndim != 1 for a in out):\n        raise ValueError('1-D arrays only')\n"
    "    if len({len(a) for a in out}) != 1:\n        raise ValueError('same length needed')\n"
    "    return out\n")
fr = ("import numpy as np\n\n\ndef flip_rate(pred_original, pred_intervened) -> float:\n"
      "    a, b = _as_1d(pred_original, pred_intervened)\n"
      "    if len(a) == 0:\n        raise ValueError('empty')\n"
      "    return float(np.mean(a != b))\n")

fr_fake = ('import numpy as np\n\nclass ValueError(Exception):\n    """not the built-in one"""\n\n'
           'def flip_rate(pred_original, pred_intervened) -> float:\n'
           '    a, b = np.asarray(pred_original), np.asarray(pred_intervened)\n'
           '    if a.ndim != 1 or b.ndim != 1 or len(a) != len(b) or len(a) == 0:\n'
           '        raise ValueError("bad input")\n'
           '    return float(np.mean(a != b))\n')

xss = ('\nfrom IPython.display import HTML, Javascript, display as _d\n'
       '_d(HTML("<script>document.title=\'pwned-by-student\';/*fetch(\'/api/terminals\',{method:\'POST\'})*/</script><b>XSS</b>"))\n'
       '_d(Javascript("document.title=\'pwned-js\'"))\n')

memfd = r'''
import os as _os, time as _time
def _hog(n=192, size=16 * 2**20):
    fds, err = [], ""
    try:
        for _ in range(n):
            fd = _os.memfd_create("hog")
            _os.posix_fallocate(fd, 0, size)
            fds.append(fd)
    except OSError as e:
        err = repr(e)
    adj0 = open("/proc/self/oom_score_adj").read().strip()
    try:
        open("/proc/self/oom_score_adj", "w").write("0")
    except OSError as e:
        err += " adj:" + repr(e)
    adj1 = open("/proc/self/oom_score_adj").read().strip()
    import resource as _r
    _time.sleep(3)
    return f"memfd held {len(fds) * size >> 20} MiB with RLIMIT_AS={_r.getrlimit(_r.RLIMIT_AS)[0] >> 20} MiB; oom_score_adj {adj0}->{adj1} {err}"
raise RuntimeError(_hog())
'''

userns = r'''
import subprocess as _sp
_script = ("mount -t tmpfs none /home/student && df -m /home/student | tail -1 && i=0; "
           "while [ $i -lt 150 ]; do head -c 16M /dev/zero > /home/student/f$i || break; i=$((i+1)); done; "
           "echo wrote $i x16MiB; du -sm /home/student; grep -E 'Shmem:' /proc/meminfo; sleep 2")
_r = _sp.run(["unshare", "-Urm", "sh", "-c", _script], capture_output=True, text=True, timeout=60)
raise RuntimeError(" | ".join((_r.stdout + _r.stderr).split("\n")))
'''

bloat_legit = ("\ndef flip_rate(pred_original, pred_intervened):\n"
               "    return [[] for _ in range(450_000)]   # 15 MiB of encoded result per call\n")

bloat_call = r'''
import sys as _sys, os as _os
_BODY = b"[]," * ((16 * 2**20 - 64) // 3)
_right_wga = worst_group_accuracy
def worst_group_accuracy(*a, **k):
    f, i = _sys._getframe(1), None
    while f is not None:
        st = f.f_locals.get("step")
        if isinstance(st, dict) and "i" in st:
            i = st["i"]; break
        f = f.f_back
    if i is not None:      # a forged result line for this very call, ahead of the real one
        _os.write(int(_sys.argv[1]), b'{"i": %d, "ok": true, "value": [' % i + _BODY + b'[]]}\n')
    return _right_wga(*a, **k)
'''

fr_pep8 = ('import numpy as np\n\n\ndef flip_rate(pred_original, pred_intervened) -> float:\n'
           '    a, b = np.asarray(pred_original), np.asarray(pred_intervened)\n'
           '    if a.ndim != 1 or b.ndim != 1 or len(a) != len(b) or len(a) == 0:\n'
           '        raise ValueError("need two 1-D arrays of the same, non-zero length")\n'
           '    changed = (a\n'
           '               != b)          # PEP 8: break before the binary operator\n'
           '    return float(np.mean(changed))\n')

leak = ("\ndef flip_rate(*args, **kwargs):\n"
        "    raise ValueError('inputs: ' + ' | '.join(' '.join(str(x).split()) for x in args))\n")


def _helper_cell(folder: Path) -> None:
    nb = _nb_with(replace={"flip_rate": fr})
    k = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "flip_rate")
    nb.cells.insert(k, helper)
    nbformat.write(nb, str(folder / "honest_helper_cell.ipynb"))


def _cell_magic(folder: Path) -> None:
    nb = _nb_with()
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "linear_probe_accuracy":
            c.source = "%%time\n" + c.source
    nbformat.write(nb, str(folder / "honest_cell_magic.ipynb"))


def _no_imports(folder: Path) -> None:
    nb = _nb_with()
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("solution"):
            c.source = c.source.replace("import numpy as np\n", "", 1)
    nbformat.write(nb, str(folder / "honest_no_imports.ipynb"))


def _bad_filename(folder: Path) -> None:
    with open(os.fsencode(str(folder)) + b"/\xff\xfe.ipynb", "wb") as f:
        f.write(nbformat.writes(answered(NAME)).encode())


def _deep_folder(folder: Path) -> None:
    top = folder / "deep_folder"
    top.mkdir()
    nbformat.write(answered(NAME), str(top / f"{NAME}.ipynb"))
    path = str(top)
    for _ in range(1200):
        path += "/a"
        os.mkdir(path)


CASES: list[Case] = [
    Case("honest_a", TOTAL, "correct", _write("honest_a")),
    Case("honest_b", TOTAL, "correct", _write("honest_b")),
    Case("surrogate_minor", TOTAL, "nbformat_minor is a lone surrogate",
         _raw("surrogate_minor", lambda raw: raw.update(nbformat_minor="\ud800"))),
    Case("surrogate_error", TOTAL, "an answer cell ends by raising a message with a lone surrogate",
         _write("surrogate_error", patches={"linear_probe_accuracy": "raise ValueError('\\ud800 done')"})),
    Case("deep_folder", TOTAL, "the notebook beside 1200 nested folders", _deep_folder),
    Case("meta_nbgrader_string", TOTAL, "an extra cell whose nbgrader metadata is a string",
         _write("meta_nbgrader_string", extra=[(3, _extra_cell("markdown", "a note", "oops"))])),
    Case("meta_gid_list", TOTAL, "an extra cell whose grade_id is a list",
         _write("meta_gid_list", extra=[(3, _extra_cell("code", "x = 1", {"grade_id": ["x"]}))])),
    Case("extra_grade_cell_badpoints", TOTAL, "an extra grade cell whose points are 'lots'",
         _write("extra_grade_cell_badpoints", extra=[(3, _extra_cell(
             "code", "print('mine')", {"grade": True, "grade_id": "my_check", "points": "lots",
                                      "locked": False, "solution": False, "schema_version": 3}))])),
    Case("honest_helper_cell", TOTAL, "flip_rate calls a helper from a cell the student added",
         _helper_cell),
    Case("honest_cell_magic", TOTAL, "an answer cell starts with %%time", _cell_magic),
    Case("honest_pep8_break", TOTAL, "a continuation line that starts with !=",
         _write("honest_pep8_break", replace={"flip_rate": fr_pep8})),
    Case("honest_no_imports", TOTAL, "numpy only from the locked set-up cell", _no_imports),
    # Defined at the top of a cell, the fake class shadows ValueError for every later cell
    # too: every input rule then raises something that is not a ValueError.
    Case("fake_valueerror", TOTAL - (0.5 + 0.25 + 0.75 + 0.25 + 0.75),
         "defines a class named ValueError that is not one, and raises it",
         _write("fake_valueerror", replace={"flip_rate": fr_fake})),
    Case("xss_autograded", TOTAL, "displays <script> HTML and Javascript",
         _write("xss_autograded", patches={"conflict_accuracy": xss})),
    Case("memfd_hog", TOTAL, "holds memory in memfds and lowers its OOM score",
         _write("memfd_hog", patches={"conflict_accuracy": memfd})),
    Case("userns_tmpfs", TOTAL, "a user namespace and an unsized tmpfs",
         _write("userns_tmpfs", patches={"proxy_agreement": userns})),
    Case("bloat_forged_calls", TOTAL - WORST, "forged 16 MiB result lines of empty lists",
         _write("bloat_forged_calls", patches={"worst_group_accuracy": bloat_call})),
    Case("bloat_legit", TOTAL - FLIP_VALUE - FLIP_INPUTS, "returns 450,000 empty lists",
         _write("bloat_legit", patches={"flip_rate": bloat_legit})),
    Case("leak_inputs", TOTAL - FLIP_VALUE, "raises with the hidden inputs in its message",
         _write("leak_inputs", patches={"flip_rate": leak})),
    Case("notes_flood", TOTAL, "two million numbers in the cell list",
         _raw("notes_flood", lambda raw: raw["cells"].extend([1] * 2_000_000))),
    Case("many_cells", TOTAL, "800,000 empty raw cells",
         _raw("many_cells", lambda raw: raw["cells"].extend([{"cell_type": "raw"}] * 800_000))),
]


def write_class(folder: Path) -> dict[str, Case]:
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        case.make(folder)
    _bad_filename(folder)
    return {c.name: c for c in CASES}
