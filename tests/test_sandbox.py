"""Issue 11: what a process inside the sandbox can and cannot do, seen from inside it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.course import REPO
from autograder.sandbox import Limits, SandboxUnavailable
from autograder.sandbox_runner import decode, encode
from autograder.steps import Step, run_steps

MARKER = "gm-test-sandbox-leftover"

PROBE = f'''
import os, socket, subprocess, sys
def look(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        network = "reached"
    except OSError as err:
        network = type(err).__name__
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", {MARKER!r}],
                             start_new_session=True)
    seen = [p for p in os.listdir("/proc") if p.isdigit()]
    return {{"uid": os.getuid(), "network": network, "pids": len(seen),
            "repo": sorted(os.listdir({str(REPO)!r})) if os.path.isdir({str(REPO)!r}) else [],
            "solutions": os.path.exists({str(REPO / "solutions")!r}),
            "root": sorted(os.listdir("/")), "child": child.pid, "tmp": os.listdir("/tmp")}}
'''


def _call(fn, *args):
    return Step("call", fn, {"call": fn, "args": encode(tuple(args)), "kwargs": encode({})},
                group=fn)


def _alive_with_marker() -> list[str]:
    alive = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and MARKER.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                alive.append(pid)
        except OSError:
            pass
    return alive


def test_inside_the_sandbox_no_network_no_repository_another_uid_and_nothing_survives():
    host = socket.socket()
    host.bind(("127.0.0.1", 0))
    host.listen(1)
    port = host.getsockname()[1]
    run = run_steps([Step("cell", "c", {"cell": PROBE}), _call("look", "127.0.0.1", port),
                     _call("look", "1.1.1.1", 80)], Limits(step_s=10))
    host.close()
    loopback, internet = (decode(o.value) for o in run.outcomes[1:])
    assert loopback["uid"] != os.getuid() and loopback["uid"] != 0
    assert loopback["network"] == "ConnectionRefusedError"  # its own loopback, not the host's
    assert internet["network"] in ("OSError", "TimeoutError")  # unreachable
    # Where the environment lives inside the repository, only that folder is there.
    assert set(loopback["repo"]) <= {".venv"} and not loopback["solutions"]
    assert loopback["pids"] <= 4  # bwrap's init, the runner, its child: nothing of ours
    # A private /tmp: nothing of the host's, except the way to an environment that lives there.
    from autograder.sandbox import python_roots
    allowed = {Path(r).relative_to("/tmp").parts[0] for r in python_roots() if r.startswith("/tmp/")}
    assert set(loopback["tmp"]) <= allowed, loopback["tmp"]
    time.sleep(0.5)
    assert _alive_with_marker() == [], "a process started in the sandbox outlived it"


def test_unconfined_runs_the_same_steps_without_bubblewrap():
    cell = "import os\ndef who(): return os.getuid()\n"
    run = run_steps([Step("cell", "c", {"cell": cell}), _call("who")], Limits(step_s=10),
                    confined=False)
    assert decode(run.outcomes[1].value) == os.getuid()


def test_a_missing_bwrap_stops_grading_with_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    sandbox._bwrap.cache_clear()
    sandbox._probe.cache_clear()
    try:
        with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
            sandbox.check_available()
    finally:
        sandbox._bwrap.cache_clear()
        sandbox._probe.cache_clear()


def test_the_cli_refuses_to_grade_unconfined_without_bwrap(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path)}
    (tmp_path / "class").mkdir()
    result = subprocess.run([sys.executable, "-m", "autograder", "autograde",
                             "02_measuring_proxies", str(tmp_path / "class")],
                            capture_output=True, text=True, cwd=REPO, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bubblewrap" in lines[0] and "--unconfined" in lines[0]


def test_bwrap_is_installed_here():
    """CI installs bubblewrap (setup.sh): the sandbox tests must never be skipped there."""
    sandbox.check_available()
