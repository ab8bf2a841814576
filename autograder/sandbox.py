"""Run a student's cells and calls in a fresh, limited process, and collect plain results.

The process gets a temporary working folder, an environment without the course on its
import path (``python -I``: no PYTHONPATH, no user site; gmlib is offered from a copy),
resource limits (address space, CPU seconds, file size, no core dumps) and its own process
group. Every step has a wall-clock deadline; a step that hangs, ignores SIGINT, exits the
process or exhausts memory is recorded as failed, the process group is killed, and a new
process runs the remaining steps. Results travel as JSON lines on a dedicated pipe.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

RUNNER = Path(__file__).with_name("sandbox_runner.py")
MAX_LINE = 64 * 1024 * 1024  # one result line (a large array) at most


@dataclass
class Limits:
    step_s: float = 10.0          # wall clock per cell or call
    startup_s: float = 20.0       # interpreter and numpy start-up before the first step
    total_s: float = 120.0        # all steps of one submission, restarts included
    memory_mb: int = 2048         # address space
    output_chars: int = 100_000   # printed by one step
    file_mb: int = 16             # largest file the process may write


@dataclass
class Step:
    kind: str                     # "cell" or "call"
    name: str                     # cell grade id, or function name
    payload: dict                 # {"cell": src} or {"call": fn, "args": ..., "kwargs": ...}
    group: str = ""               # steps sharing a group are skipped together after a kill


@dataclass
class Outcome:
    ok: bool
    value: object = None          # plain data (still encoded)
    error: dict | None = None     # {"types": [...], "message": ..., "where": ...}
    killed: str = ""              # why the process was killed during this step


@dataclass
class SandboxRun:
    outcomes: list[Outcome]
    restarts: int = 0
    notes: list[str] = field(default_factory=list)


def hiding_available() -> bool:
    """Whether the sandbox can create a mount namespace to hide paths (root on Linux)."""
    return os.geteuid() == 0 and sys.platform.startswith("linux")


def _confinement(limits: Limits, hide: list[str]) -> str:
    """What the runner applies to itself before reading its job (see sandbox_runner.confine).

    Applied inside the fresh interpreter rather than in a ``preexec_fn``: forking a
    threaded process and running Python there is not safe.
    """
    cpu = int(limits.total_s) + 5
    return json.dumps({"memory": limits.memory_mb * 2**20, "cpu": [cpu, cpu + 2],
                       "file": limits.file_mb * 2**20, "hide": hide})


def _environment(home: Path, site: Path | None) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TMPDIR": str(home),
           "LANG": "C.UTF-8", "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           # Grading-mode budgets for any set-up cell that trains (see gmlib.runmode).
           "NBGRADER_EXECUTION": "autograde", "GMLIB_FAST": "1"}
    if site is not None:
        env["GM_SANDBOX_SITE"] = str(site)
    return env


class _Process:
    """One sandbox interpreter, fed a job, read line by line from a reader thread."""

    def __init__(self, steps: list[tuple[int, Step]], limits: Limits, home: Path,
                 site: Path | None, hide: list[str]):
        read_fd, write_fd = os.pipe()
        runner = home / "runner.py"
        if not runner.exists():
            shutil.copyfile(RUNNER, runner)
        boot = ("import sys,os,runpy;s=os.environ.pop('GM_SANDBOX_SITE',None);"
                "s and sys.path.insert(0,s);sys.argv=sys.argv[1:];"
                "runpy.run_path(sys.argv[0],run_name='__main__')")
        with open(home / "stdout.txt", "ab") as out, open(home / "stderr.txt", "ab") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", "-c", boot, str(runner), str(write_fd),
                 _confinement(limits, hide)],
                stdin=subprocess.PIPE, stdout=out, stderr=err, cwd=home,
                env=_environment(home, site), pass_fds=(write_fd,), close_fds=True,
                start_new_session=True)  # own process group: killpg reaches all it starts
        os.close(write_fd)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(read_fd,), daemon=True).start()
        job = {"output_cap": limits.output_chars,
               "steps": [{"i": i, "name": s.name, **s.payload} for i, s in steps]}
        try:
            self.proc.stdin.write(json.dumps(job).encode())
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    def _read(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as pipe:
            for line in iter(lambda: pipe.readline(MAX_LINE), b""):
                self.lines.put(line)
        self.lines.put(None)  # end of file: the process is gone or closed its channel

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()

    def exit_reason(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the process closed its result channel"
        if code < 0:
            name = signal.Signals(-code).name
            hints = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed (memory or time limit)",
                     "SIGSEGV": "crashed"}
            return f"the process died from {name} ({hints.get(name, 'signal')})"
        return f"the process exited with code {code} (os._exit or sys.exit outside a step?)"


def run_steps(steps: list[Step], limits: Limits, site: Path | None = None,
              hide: list[str] | None = None) -> SandboxRun:
    """Run ``steps`` in order in sandbox processes; one Outcome per step, always."""
    outcomes: dict[int, Outcome] = {}
    run = SandboxRun([])
    deadline = time.monotonic() + limits.total_s
    with tempfile.TemporaryDirectory(prefix="gm-sandbox-") as tmp:
        home = Path(tmp)
        while len(outcomes) < len(steps):
            pending = [(i, s) for i, s in enumerate(steps) if i not in outcomes]
            if time.monotonic() >= deadline:
                for i, _ in pending:
                    outcomes[i] = Outcome(False, killed="the submission's time budget "
                                          f"({limits.total_s:.0f} s) ran out before this")
                break
            # Cells that already ran are replayed (not re-reported) so that a fresh
            # process has the functions they define; a cell that was killed is not.
            replay = [(i, s) for i, s in enumerate(steps)
                      if i in outcomes and s.kind == "cell" and not outcomes[i].killed]
            proc = _Process(sorted(replay + pending, key=lambda p: p[0]), limits, home, site,
                            hide or [])
            culprit = _collect(proc, pending, outcomes, limits, deadline, len(replay))
            proc.kill()
            if culprit is not None:
                run.restarts += 1
                # The rest of a killed step's group (other calls of the same function)
                # would most likely hang too: they fail with it, the others go on.
                group = steps[culprit].group
                for i, s in pending:
                    if i not in outcomes and group and s.group == group:
                        outcomes[i] = Outcome(False, killed="not run: an earlier call of this "
                                              "function was stopped: "
                                              + outcomes[culprit].killed)
        run.outcomes = [outcomes[i] for i in range(len(steps))]
        run.notes = _tail(home / "stderr.txt")
    return run


def _collect(proc: _Process, pending: list[tuple[int, Step]], outcomes: dict[int, Outcome],
             limits: Limits, deadline: float, replayed: int = 0) -> int | None:
    """Read outcomes of ``pending`` in order; return the step it had to kill, if any."""
    first = True
    for i, _ in pending:
        while i not in outcomes:
            wait = limits.step_s + (limits.startup_s + replayed * limits.step_s if first else 0.0)
            wait = min(wait, max(0.0, deadline - time.monotonic()))
            try:
                line = proc.lines.get(timeout=wait)
            except queue.Empty:
                outcomes[i] = Outcome(False, killed=f"stopped after {wait:.0f} s "
                                      "(time limit; an endless loop?)")
                return i
            if line is None:
                outcomes[i] = Outcome(False, killed=proc.exit_reason())
                return i
            event = _parse(line)
            j = event.get("i") if event else None
            if _type_is_int(j) and j not in outcomes and any(j == k for k, _ in pending):
                outcomes[j] = Outcome(bool(event.get("ok")), event.get("value"),
                                      event.get("error") if not event.get("ok") else None)
        first = False
    return None


def _type_is_int(x: object) -> bool:
    return type(x) is int


def _parse(line: bytes) -> dict | None:
    try:
        event = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return event if isinstance(event, dict) else None


def _tail(path: Path, n: int = 5) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - 4000))
            return f.read().decode(errors="replace").splitlines()[-n:]
    except OSError:
        return []
