"""Unit tests of the grader's parts: plain data, sandbox, structure, specs, intake, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.checks import Case, Check, Spec, load_spec
from autograder.intake import find_submissions
from autograder.recheck import make_plan
from autograder.student_code import to_python
from autograder.sandbox import Limits
from autograder.steps import Step, run_steps
from autograder.sandbox_runner import NotPlainData, decode, encode
from autograder.structure import diagnose
from tests.adversarial import toy

REPO = Path(__file__).resolve().parents[1]


def test_plain_data_round_trip():
    value = (1, 2.5, True, None, "s", [np.arange(3), {"k": np.float32(1.5)}])
    back = decode(encode(value))
    assert back[:5] == (1, 2.5, True, None, "s")
    assert np.array_equal(back[5][0], np.arange(3)) and back[5][1] == {"k": 1.5}


@pytest.mark.parametrize("shape", [(0, 3), (2, 0, 4), (0,), ()])
def test_arrays_keep_their_shape_even_when_empty(shape):
    back = decode(encode(np.zeros(shape, dtype=np.float32)))
    assert back.shape == shape and back.dtype == np.float32


@pytest.mark.parametrize("rigged", [
    type("F", (float,), {"__eq__": lambda s, o: True})(0.0),
    np.zeros(3).view(type("A", (np.ndarray,), {})),
    np.array([object()]),
    type("L", (list,), {})([1]),
    object(),
])
def test_plain_data_refuses_anything_riggable(rigged):
    with pytest.raises(NotPlainData):
        encode(rigged)


def _call(fn, *args):
    return Step("call", fn, {"call": fn, "args": encode(tuple(args)), "kwargs": encode({})},
                group=fn)


def test_sandbox_survives_hangs_exits_and_memory_bombs():
    cell = ("import os, numpy as np\n"
            "def ok(x): return float(np.sum(x))\n"
            "def hang(x):\n    while True: pass\n"
            "def leave(x): os._exit(3)\n"
            "def hog(x): return [bytearray(2**28) for _ in range(64)]\n")
    steps = [Step("cell", "c", {"cell": cell}), _call("ok", np.arange(3)), _call("hang", 1),
             _call("hang", 2), _call("leave", 1), _call("hog", 1), _call("ok", np.arange(4))]
    run = run_steps(steps, Limits(step_s=2, memory_mb=1024))
    out = run.outcomes
    assert out[1].ok and out[1].value == 3.0
    assert "time limit" in out[2].killed and "not run" in out[3].killed
    assert "exited with code 3" in out[4].killed
    assert not out[5].ok and "MemoryError" in out[5].error["types"]
    assert out[6].ok and out[6].value == 6.0  # the cell was replayed in a fresh process
    assert run.restarts == 3  # the hang, and the exit twice (a crash is tried once more)


def test_sandbox_has_no_course_on_its_path():
    cell = ("import sys, os\n"
            "try:\n    import autograder\n    found = True\n"
            "except ImportError:\n    found = False\n"
            f"def probe(): return [found, os.getcwd() != {str(REPO)!r}, "
            f"os.path.exists({str(REPO / 'autograder' / 'keys.py')!r})]\n")
    run = run_steps([Step("cell", "c", {"cell": cell}), _call("probe")], Limits(step_s=5))
    found, elsewhere, visible = decode(run.outcomes[1].value)
    assert not found and elsewhere and not visible


def test_ipython_syntax_becomes_what_ipython_runs():
    assert to_python("%matplotlib inline\nx = 1") == \
        "get_ipython().run_line_magic('matplotlib', 'inline')\nx = 1\n"
    assert "run_cell_magic('time'" in to_python("%%time\nx = 1")
    # A continuation line that starts with != is Python, not a shell command.
    assert to_python("x = (1\n     != 2)") == "x = (1\n     != 2)\n"


def test_the_recheck_runs_magics_helpers_and_the_set_up_imports(course):
    """A %%time cell still defines its function, a helper from an added cell is there, and
    numpy is imported for a cell that relies on the set-up cell's import."""
    from autograder.recheck import steps_for

    cells = {"mean_abs": "%%time\ndef mean_abs(x):\n    return float(np.mean(np.abs(x)))",
             "accuracy": "def accuracy(p, l):\n    return _share(p, l)"}
    helpers = ["def _share(p, l):\n    return float(np.mean(np.asarray(p) == np.asarray(l)))\n"
               "print('not run: only definitions')\n_unused = heavy_training()"]
    plan = make_plan(load_spec(toy.ASSIGNMENT, course["checks"]),
                     __import__("autograder.keys", fromlist=["answer_key"]).answer_key(
                         toy.ASSIGNMENT, course["solutions"], prelude={"i": "import numpy as np"}),
                     {"imports": "import numpy as np\nimport math"}, seed=0)
    steps = steps_for(plan, cells, helpers)
    run = run_steps(steps, Limits(step_s=10))
    named = {s.name: o for s, o in zip(steps, run.outcomes) if s.kind == "cell"}
    assert all(o.ok for o in named.values()), named
    added = [s.payload["cell"] for s in steps if s.name.startswith("definitions in cells you added")]
    assert added and not any("heavy_training" in src for src in added)
    calls = [o for s, o in zip(steps, run.outcomes) if s.kind == "call"]
    assert any(o.ok for o in calls)


def test_each_added_definition_runs_apart_and_literal_constants_are_kept(course):
    """A helper cell whose first function has a default argument naming a notebook variable
    (NameError when defined) costs nothing else; a constant written as a literal is kept, a
    computed one is not run."""
    from autograder.recheck import steps_for
    from autograder.student_code import definitions

    helper = ("def show(model, versions=versions):\n    return versions\n"
              "SCALE = {'a': 1.0}\nheavy = train_everything()\n"
              "def _share(p, l):\n    return SCALE['a'] * float(np.mean(np.asarray(p) == np.asarray(l)))")
    assert [name for name, _ in definitions(helper, set())] == ["show", "SCALE", "_share"]
    cells = {"mean_abs": "def mean_abs(x):\n    return float(np.mean(np.abs(x)))",
             "accuracy": "def accuracy(p, l):\n    return _share(p, l)"}
    plan = make_plan(load_spec(toy.ASSIGNMENT, course["checks"]),
                     __import__("autograder.keys", fromlist=["answer_key"]).answer_key(
                         toy.ASSIGNMENT, course["solutions"], prelude={"i": "import numpy as np"}),
                     {"imports": "import numpy as np"}, seed=0)
    steps = steps_for(plan, cells, [helper])
    run = run_steps(steps, Limits(step_s=10))
    named = {s.name: o for s, o in zip(steps, run.outcomes) if s.kind == "cell"}
    assert not named["definitions in cells you added (show)"].ok
    assert named["definitions in cells you added (SCALE)"].ok
    assert named["definitions in cells you added (_share)"].ok
    accuracy_calls = [o for s, o in zip(steps, run.outcomes)
                      if s.kind == "call" and s.name == "accuracy"]
    assert any(o.ok for o in accuracy_calls), "the helper using SCALE did not run"


def test_unchanged_course_cells_are_not_taken_for_helpers(course, tmp_path):
    release = toy.student_notebook(course["student"])
    release.cells.append(nbformat.v4.new_code_cell("def demo(x=undefined_name):\n    return x"))
    nb = toy.correct(course["student"])
    nb.cells.append(nbformat.v4.new_code_cell("def demo(x=undefined_name):\n    return x"))
    nb.cells.append(nbformat.v4.new_code_cell("def mine():\n    return 1"))
    path = tmp_path / "s.ipynb"
    nbformat.write(nb, str(path))
    assert diagnose(path, release).helpers == ["def mine():\n    return 1"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return toy.build_course(tmp_path_factory.mktemp("toy"))


def test_structure_of_a_clean_and_an_edited_submission(course, tmp_path):
    release = toy.student_notebook(course["student"])
    path = tmp_path / "s.ipynb"
    nbformat.write(toy.correct(course["student"]), str(path))
    clean = diagnose(path, release)
    assert clean.notes == [] and set(clean.solutions) == {"mean_abs", "accuracy", "normalize"}
    nb = toy.correct(course["student"])
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "normalize"]
    nbformat.write(nb, str(path))
    edited = diagnose(path, release)
    assert "normalize" not in edited.solutions
    assert edited.notes == ["answer cell normalize is missing (deleted, or its metadata was removed)"]


def test_plan_uses_the_key_and_refuses_a_spec_for_missing_functions(course):
    from autograder.keys import answer_key

    key = answer_key(toy.ASSIGNMENT, course["solutions"], prelude={"i": "import numpy as np"})
    spec = Spec("01_toy", [Check("test_accuracy", "accuracy",
                                 [Case(np.array([1, 0]), np.array([1, 1])),
                                  Case(np.array([1]), np.array([1, 0]))])])
    plan = make_plan(spec, key, {}, seed=0)
    assert [c.expected for c in plan.calls] == [{"value": 0.5}, {"raises": ["ValueError",
                                                 "Exception", "BaseException"]}]
    with pytest.raises(ValueError, match="defines no function 'nope'"):
        make_plan(Spec("01_toy", [Check("t", "nope", [Case(1)])]), key, {}, seed=0)


def test_specs_load_and_a_missing_one_says_where_to_write_it(course):
    assert load_spec(toy.ASSIGNMENT, course["checks"]).tests == list(toy.POINTS)
    spec = load_spec("02_measuring_proxies")
    assert {c.function for c in spec.checks} == {
        "conflict_accuracy", "proxy_agreement", "worst_group_accuracy", "flip_rate",
        "linear_probe_accuracy", "telling_tiles"}
    with pytest.raises(FileNotFoundError, match="no checks spec for '03_x'"):
        load_spec("03_x")


def test_intake_finds_files_and_folders_and_rejects_bad_folders(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "renamed.ipynb").write_text("{}")
    (tmp_path / "c").mkdir()
    (tmp_path / ".ipynb_checkpoints").mkdir()
    subs = {s.student: s for s in find_submissions(tmp_path, "01_toy")}
    assert set(subs) == {"a", "b", "c"}
    assert "renamed" in subs["b"].problem and subs["c"].path is None
    with pytest.raises(FileNotFoundError, match="submissions folder not found"):
        find_submissions(tmp_path / "missing", "01_toy")
    (tmp_path / "a").mkdir()
    (tmp_path / "bad name!.ipynb").write_text("{}")
    subs = {s.student: s for s in find_submissions(tmp_path, "01_toy")}
    assert subs["a"].path == tmp_path / "a.ipynb"
    assert subs["a"].problem == "also submitted a (folder without a notebook), which was not graded"
    assert not subs["bad name!"].usable_id and subs["bad name!"].path is None
    assert "not usable as a student id" in subs["bad name!"].problem


def test_cli_says_what_is_wrong_in_one_line(course, tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "autograde", *args,
                               "--solutions", str(course["solutions"])],
                              capture_output=True, text=True, cwd=REPO)
    missing = run(toy.ASSIGNMENT, str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"error: submissions folder not found: {tmp_path / 'nope'}"]
    unknown = run("09_nothing", str(tmp_path))
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "error: unknown assignment '09_nothing'; the course has: 01_toy"


def test_inkernel_run_has_a_whole_notebook_deadline(course, tmp_path):
    import time

    from autograder.inkernel import inkernel_score

    source = nbformat.read(str(course["solutions"] / toy.ASSIGNMENT / f"{toy.ASSIGNMENT}.ipynb"),
                           as_version=4)
    nb = toy.correct(course["student"])
    nb.cells.insert(2, nbformat.v4.new_code_cell("import time\ntime.sleep(1.5)"))
    nb.cells.insert(3, nbformat.v4.new_code_cell("time.sleep(1.5)"))
    nb.cells.insert(4, nbformat.v4.new_code_cell("time.sleep(1.5)"))
    start = time.monotonic()
    result = inkernel_score(nb, source, course["solutions"] / toy.ASSIGNMENT, cell_timeout=10,
                            deadline_s=3.0)
    assert result.scores is None and "whole-notebook time limit" in result.error
    assert time.monotonic() - start < 30
    ok = inkernel_score(toy.correct(course["student"]), source,
                        course["solutions"] / toy.ASSIGNMENT, 10)
    assert ok.scores == {t: float(p) for t, p in toy.POINTS.items()}


def test_a_spec_with_its_own_comparison_can_be_sent_to_a_worker(tmp_path):
    import pickle

    from autograder.checks import load_spec

    (tmp_path / "99_custom.py").write_text(
        "from autograder.checks import Case, Check\n"
        "def close_enough(expected, actual):\n"
        "    return abs(expected - actual) < 0.1\n"
        "CHECKS = [Check(test='test_f', function='f', cases=[Case(1.0)], compare=close_enough)]\n")
    spec = load_spec("99_custom", tmp_path)
    compare = pickle.loads(pickle.dumps(spec.checks[0].compare))
    assert compare(1.0, 1.05) and not compare(1.0, 2.0)


def test_outputs_are_written_without_following_links(tmp_path):
    from autograder.safe_write import write_text

    outside = tmp_path / "outside.txt"
    outside.write_text("untouched")
    root = tmp_path / "root"
    (root / "feedback" / "a").mkdir(parents=True)
    (root / "feedback" / "a" / "page.html").symlink_to(outside)
    write_text(root, "feedback/a/page.html", "mine")
    assert outside.read_text() == "untouched"
    assert (root / "feedback" / "a" / "page.html").read_text() == "mine"
    (root / "feedback" / "b").symlink_to(tmp_path)  # a link on the way is refused
    with pytest.raises(OSError):
        write_text(root, "feedback/b/outside.txt", "mine")
    assert outside.read_text() == "untouched"
    with pytest.raises(ValueError):
        write_text(root, "../escape.txt", "mine")


def test_intake_follows_no_links_and_snapshots_once(tmp_path):
    from autograder.intake import snapshot

    (tmp_path / "real.ipynb").write_text("{}")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "real.ipynb")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "inner.ipynb").symlink_to(tmp_path / "real.ipynb")
    subs = {s.student: s for s in find_submissions(tmp_path, "01_toy")}
    assert subs["real"].path == tmp_path / "real.ipynb"
    assert subs["link"].path is None and "symbolic link" in subs["link"].problem
    assert subs["folder"].path is None and "symbolic link" in subs["folder"].problem
    assert snapshot(tmp_path / "link.ipynb", tmp_path / "copy") != ""
    assert snapshot(tmp_path / "gone.ipynb", tmp_path / "copy") == \
        "the notebook disappeared before it could be read"
    assert snapshot(tmp_path / "real.ipynb", tmp_path / "copy") == ""
    assert (tmp_path / "copy").read_text() == "{}"


def test_damaged_notebooks_are_read_as_far_as_they_can_be(course, tmp_path):
    import json

    release = toy.student_notebook(course["student"])
    raw = json.loads(nbformat.writes(toy.correct(course["student"])))
    raw["nbformat_minor"] = 99
    raw["metadata"] = "not a dict"
    raw["cells"][0]["source"] = {"a": 1}
    raw["cells"][0]["attachments"] = {"x.png": {"image/png": "A" * (21 * 2**20)}}
    raw["cells"].append("not a cell")
    path = tmp_path / "damaged.ipynb"
    path.write_text(json.dumps(raw))
    found = diagnose(path, release)
    assert found.unreadable == ""
    assert set(found.solutions) == {"mean_abs", "accuracy", "normalize"}
    assert any("4.99 was read as format 4" in n for n in found.notes)
    assert any("source is not text" in n for n in found.notes)
    assert any("not notebook cells" in n for n in found.notes)


def test_a_change_to_the_graders_files_during_a_batch_records_nothing(course, tmp_path):
    import shutil

    from autograder import grader as grader_module
    from autograder.grader import Options, grade
    from autograder.integrity import GraderFilesChanged

    solutions = tmp_path / "solutions"
    shutil.copytree(course["solutions"], solutions)
    subs = tmp_path / "class"
    subs.mkdir()
    nbformat.write(toy.correct(course["student"]), str(subs / "a.ipynb"))
    real_pool = grader_module._run_pool

    def tampering_pool(jobs, opts):
        (solutions / toy.ASSIGNMENT / "extra.py").write_text("x = 1\n")
        return real_pool(jobs, opts)

    grader_module._run_pool = tampering_pool
    try:
        with pytest.raises(GraderFilesChanged, match="extra.py"):
            grade(toy.ASSIGNMENT, subs, root=tmp_path / "root", solutions=solutions,
                  options=Options(workers=1, seed=0, checks_dir=course["checks"],
                                  progress=False, inkernel=False))
    finally:
        grader_module._run_pool = real_pool
    assert not (tmp_path / "root" / "exports" / f"{toy.ASSIGNMENT}.csv").exists()


def test_unconfined_grading_says_so_on_every_row(course, tmp_path):
    from autograder.grader import Options, grade

    subs = tmp_path / "class"
    subs.mkdir()
    nbformat.write(toy.correct(course["student"]), str(subs / "a.ipynb"))
    nbformat.write(toy.student_notebook(course["student"]), str(subs / "b.ipynb"))
    report = grade(toy.ASSIGNMENT, subs, root=tmp_path / "root", solutions=course["solutions"],
                   options=Options(workers=2, seed=0, checks_dir=course["checks"],
                                   progress=False, inkernel=False, unconfined=True))
    assert {r["confinement"] for r in report.rows.values()} == {"none (--unconfined)"}
    assert report.rows["a"]["score"] == toy.TOTAL
    assert "without a sandbox" in report.feedback["a"].read_text()


def test_a_fluke_in_the_graders_own_re_check_is_tried_once_more(course, tmp_path, monkeypatch):
    """CPython 3.11 can raise 'SystemError: AST constructor recursion depth mismatch' when
    threads parse side by side (seen once in CI): one such failure must not cost the grade."""
    from autograder import worker
    from autograder.grader import Options, grade

    real, failed = worker.run_recheck, []

    def once_broken(*args, **kwargs):
        if not failed:
            failed.append(True)
            raise SystemError("AST constructor recursion depth mismatch (before=33, after=21)")
        return real(*args, **kwargs)

    monkeypatch.setattr(worker, "run_recheck", once_broken)
    subs = tmp_path / "class"
    subs.mkdir()
    nbformat.write(toy.correct(course["student"]), str(subs / "a.ipynb"))
    report = grade(toy.ASSIGNMENT, subs, root=tmp_path / "root", solutions=course["solutions"],
                   options=Options(workers=1, seed=0, checks_dir=course["checks"],
                                   progress=False, inkernel=False))
    assert failed and report.rows["a"]["score"] == toy.TOTAL and not report.rows["a"]["problem"]
