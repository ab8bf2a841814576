"""Run a student's cells and calls step by step in sandboxed processes; collect plain results.

Each process is a fresh ``python -I`` in the bubblewrap sandbox (``autograder.sandbox``),
running ``sandbox_runner.py`` from the staged folder with the course's gmlib beside it.
Every step has a wall-clock deadline. A step that hangs is recorded as failed and the
other calls of the same function are skipped; a step whose process dies (``os._exit``, a
crash, a memory kill) is tried once more in a fresh process before it is recorded as
failed, since the crash may come from elsewhere in the student's code. A new process runs
the remaining steps, with the cells that already ran replayed. Results travel as JSON
lines on a dedicated pipe, capped in size; nothing but those lines comes back.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox import Limits, Sandbox
from .warm_cache import cache_env

RUNNER = Path(__file__).with_name("sandbox_runner.py")
MAX_LINE = 16 * 1024 * 1024      # one result line (a large array) at most
MAX_TOTAL = 64 * 1024 * 1024     # all result lines of one submission, every process together
MAX_CONTAINERS = 200_000         # lists and dicts in one result line: their cost is memory
TOO_LARGE = {"too_large": True}  # what _parse makes of a line it refuses to read


@dataclass
class Step:
    kind: str                     # "cell" or "call"
    name: str                     # cell grade id, or function name
    payload: dict                 # {"cell": src} or {"call": fn, "args": ..., "kwargs": ...}
    group: str = ""               # steps sharing a group are skipped together after a hang


@dataclass
class Outcome:
    ok: bool
    value: object = None          # plain data (still encoded)
    error: dict | None = None     # {"types": [...], "message": ..., "where": ...}
    killed: str = ""              # why the process was killed during this step
    hung: bool = False            # killed for its time limit


@dataclass
class SandboxRun:
    outcomes: list[Outcome]
    restarts: int = 0
    notes: list[str] = field(default_factory=list)


def stage(folder: Path, site: Path | None) -> Path:
    """The read-only folder a re-check process gets: the runner, and gmlib under site/."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(RUNNER, folder / "runner.py")
    if site is not None and not (folder / "site").exists():
        shutil.copytree(site, folder / "site", symlinks=False)
    return folder


def _confinement(limits: Limits) -> str:
    cpu = int(limits.total_s) + 5
    return json.dumps({"memory": limits.memory_mb * 2**20, "cpu": [cpu, cpu + 2],
                       "file": limits.file_mb * 2**20, "processes": limits.processes,
                       "open_files": limits.open_files})


class _Process:
    """One sandbox interpreter, fed a job, read line by line from a reader thread."""

    def __init__(self, steps: list[tuple[int, Step]], limits: Limits, box: Sandbox,
                 logs: Path, budget: list[int]):
        self.budget = budget  # result bytes this submission may still send (shared)
        read_fd, write_fd = os.pipe()
        inside = box.stage_path
        boot = ("import sys,runpy;s=sys.argv[3];"
                "sys.path.insert(0,s);sys.argv=sys.argv[1:];"
                "runpy.run_path(sys.argv[0],run_name='__main__')")
        with open(logs / "stdout.txt", "ab") as out, open(logs / "stderr.txt", "ab") as err:
            self.proc = box.popen(
                [box.python, "-I", "-c", boot, f"{inside}/runner.py", str(write_fd),
                 f"{inside}/site", _confinement(limits)],
                env={"MPLBACKEND": "Agg",
                     # Grading-mode budgets for any set-up cell that trains (gmlib.runmode).
                     "NBGRADER_EXECUTION": "autograde", "GMLIB_FAST": "1",
                     **cache_env(box.stage / "site", f"{inside}/site")},
                stdin=subprocess.PIPE, stdout=out, stderr=err, pass_fds=(write_fd,))
        os.close(write_fd)
        self.lines: queue.Queue = queue.Queue(maxsize=256)
        threading.Thread(target=self._read, args=(read_fd,), daemon=True).start()
        job = {"output_cap": limits.output_chars,
               "steps": [{"i": i, "name": s.name, **s.payload} for i, s in steps]}
        try:
            self.proc.stdin.write(json.dumps(job).encode())
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    def _read(self, fd: int) -> None:
        # A bounded queue: a process that floods its channel waits for the grader to read.
        with os.fdopen(fd, "rb") as pipe:
            try:
                for line in iter(lambda: pipe.readline(MAX_LINE), b""):
                    self.lines.put(line, timeout=60)
                self.lines.put(None, timeout=60)  # end of file: the process is gone
            except queue.Full:
                pass  # nobody reads any more: the step was judged and the process killed

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
        if code < 0 or code > 128:
            number = -code if code < 0 else code - 128  # bwrap reports a child's signal as 128+n
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = f"signal {number}"
            hints = {"SIGXCPU": "CPU time limit", "SIGKILL": "killed (memory or time limit)",
                     "SIGSEGV": "crashed"}
            return f"the process died from {name} ({hints.get(name, 'signal')})"
        return f"the process exited with code {code} (os._exit or sys.exit outside a step?)"


def run_steps(steps: list[Step], limits: Limits, site: Path | None = None,
              confined: bool = True, mask: tuple[str, ...] = ()) -> SandboxRun:
    """Run ``steps`` in order in sandbox processes; one Outcome per step, always."""
    outcomes: dict[int, Outcome] = {}
    retried: set[int] = set()
    budget = [MAX_TOTAL]
    run = SandboxRun([])
    deadline = time.monotonic() + limits.total_s
    with tempfile.TemporaryDirectory(prefix="gm-steps-") as tmp:
        box = Sandbox(stage(Path(tmp) / "stage", site), limits, confined, mask)
        logs = Path(tmp)
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
            proc = _Process(sorted(replay + pending, key=lambda p: p[0]), limits, box, logs,
                            budget)
            culprit = _collect(proc, pending, outcomes, limits, deadline, len(replay))
            proc.kill()
            if culprit is None:
                continue
            run.restarts += 1
            if not outcomes[culprit].hung:
                if steps[culprit].kind == "call" and culprit not in retried:
                    retried.add(culprit)  # a crash may not be this call's doing: once more
                    del outcomes[culprit]
                continue
            # The rest of a hung step's group (other calls of the same function) would
            # most likely hang too: they fail with it, the others go on.
            group = steps[culprit].group
            for i, s in pending:
                if i not in outcomes and group and s.group == group:
                    outcomes[i] = Outcome(False, killed="not run: an earlier call of this "
                                          "function was stopped: " + outcomes[culprit].killed)
        run.outcomes = [outcomes[i] for i in range(len(steps))]
        run.notes = _tail(logs / "stderr.txt")
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
                                      "(time limit; an endless loop?)", hung=True)
                return i
            if line is None:
                outcomes[i] = Outcome(False, killed=proc.exit_reason())
                return i
            event = _parse(line, proc.budget)
            if event is TOO_LARGE:
                outcomes[i] = Outcome(False, error={
                    "types": ["ResultTooLarge"], "where": "",
                    "message": "the result is too large for the grader to read (a line over "
                               f"{MAX_LINE // 2**20} MiB or more than {MAX_CONTAINERS:,} lists "
                               "and dicts)"})
                continue
            j = event.get("i") if event else None
            if type(j) is int and j not in outcomes and any(j == k for k, _ in pending):
                outcomes[j] = Outcome(bool(event.get("ok")), event.get("value"),
                                      event.get("error") if not event.get("ok") else None)
        first = False
    return None


def _parse(line: bytes, budget: list[int]) -> dict | None:
    """The event on one line; None if unreadable; TOO_LARGE if reading it would cost too
    much memory: a full-length line, too many containers, or more than the submission's
    budget of result bytes (only lines that are read count against it)."""
    if len(line) >= MAX_LINE or line.count(b"[") + line.count(b"{") > MAX_CONTAINERS \
            or len(line) > budget[0]:
        return TOO_LARGE
    budget[0] -= len(line)
    try:
        event = json.loads(line)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return event if isinstance(event, dict) else None


def _tail(path: Path, n: int = 5) -> list[str]:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, path.stat().st_size - 4000))
            return f.read().decode(errors="replace").splitlines()[-n:]
    except OSError:
        return []
