"""Bubblewrap around every process that runs student code.

A sandboxed process gets new user (or, as root, a dropped uid), pid, network, ipc, uts and
mount namespaces. Its file system holds only what Python needs, read-only (system
libraries, the interpreter and its environment), one read-only folder of files the grader
staged for it (``/sandbox``), and private writable tmpfs folders (``/home/student``,
``/tmp``). The repository, the answer keys, the course root, the submissions folder and the
grader's temporary folders are not in it. It has no network (only its own loopback), runs
under an unprivileged uid that is not the grader's, cannot see or signal any process
outside itself, and dies with its parent: when the grader kills it, or the grader dies,
every process it started dies too (``--die-with-parent``, its own pid namespace).

Limits on memory, CPU time, file size and process count are applied by the program that
runs inside (``sandbox_runner.confine``) before any student code; the wall clock is the
caller's job (kill the process). ``Sandbox(confined=False)`` runs the same command without
bubblewrap: for an instructor who chose unconfined grading explicitly.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from . import seccomp_filter

INSIDE_STAGE = "/sandbox"          # the grader's staged files, read-only
INSIDE_HOME = "/home/student"      # writable, the working directory
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; "
                "Fedora: `sudo dnf install bubblewrap`), or pass --unconfined to grade "
                "without a sandbox (every row of the report then says so)")
# System folders a Python interpreter and its shared libraries may live in.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
       "/etc/fonts", "/etc/localtime")
# As root, each sandbox gets a uid of its own from here (none of them the grader's).
UID_BASE = 1_900_000_000


@dataclass
class Limits:
    step_s: float = 10.0          # wall clock per cell or call
    startup_s: float = 20.0       # interpreter and numpy start-up before the first step
    total_s: float = 120.0        # all steps of one submission, restarts included
    memory_mb: int = 2048         # address space of each process
    output_chars: int = 100_000   # printed by one step
    file_mb: int = 4              # largest file the process may write
    processes: int = 8            # processes and threads at once (per sandbox)
    open_files: int = 64          # file descriptors per process (bounds memfd tricks too)
    disk_mb: int = 128            # each writable tmpfs (/tmp, /dev/shm, the home)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or refused here: grading stops unless --unconfined."""


@functools.lru_cache(maxsize=1)
def _bwrap() -> tuple[str, bool]:
    """(path of bwrap, whether it knows --size), or SandboxUnavailable."""
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(f"bubblewrap (`bwrap`) is not installed: {INSTALL_HINT}")
    help_text = subprocess.run([path, "--help"], capture_output=True, text=True).stdout
    return path, "--size" in help_text


def check_available() -> None:
    """Start one sandbox and raise SandboxUnavailable, with what to do, if that fails."""
    _probe()


@functools.lru_cache(maxsize=1)
def _probe() -> None:
    _bwrap()
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        raise SandboxUnavailable("`setpriv` (util-linux) is needed to drop root inside the "
                                 f"sandbox and is missing: install util-linux, or {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="gm-probe-") as tmp:
        proc = Sandbox(Path(tmp), Limits()).popen(
            [sys.executable, "-I", "-c", "print('ok')"], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=60)
    if proc.returncode != 0 or out.strip() != b"ok":
        raise SandboxUnavailable("bubblewrap is installed but refused to start a sandbox "
                                 f"({err.decode(errors='replace').strip()[-200:] or proc.returncode}); "
                                 "user namespaces may be disabled (sysctl "
                                 "kernel.unprivileged_userns_clone, or AppArmor's "
                                 f"restrict_unprivileged_userns): enable them, or {INSTALL_HINT}")


def python_roots() -> list[str]:
    """The interpreter's installation and environment (venv, base prefix), resolved."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent.parent)}
    return sorted(str(Path(r).resolve()) for r in roots if r)


def _first_for_oom() -> list[str]:
    """``choom`` puts the sandbox first in line for the kernel's OOM killer. Run as root (with
    CAP_SYS_RESOURCE, which bwrap's children lack) it also sets the floor, so the sandboxed
    process cannot lower its score again; otherwise the runner raises it (a floor of 0)."""
    return ["choom", "-n", "1000", "--"] if shutil.which("choom") else []


def _pipe_holding(data: bytes) -> int:
    """The read end of a pipe already holding ``data`` (written before the reader starts)."""
    if len(data) > 60_000:  # a pipe holds 64 KiB
        raise ValueError("sandbox options too long for a pipe")
    read_fd, write_fd = os.pipe()
    os.write(write_fd, data)
    os.close(write_fd)
    return read_fd


_slots = itertools.count()
_slots_lock = threading.Lock()


def _next_uid() -> int:
    with _slots_lock:
        slot = next(_slots) % 50_000
    return UID_BASE + (os.getpid() % 2_000) * 50_000 + slot


class Sandbox:
    """One confined process: ``popen(argv)`` with ``stage`` read-only at ``/sandbox``.

    ``mask``: paths that must stay out of reach even if they lie inside something bound
    (a course installed into site-packages, a repository under /usr/local): each is
    covered with an empty, read-only folder.
    """

    def __init__(self, stage: Path, limits: Limits, confined: bool = True,
                 mask: tuple[str, ...] = ()):
        self.stage, self.limits, self.confined = Path(stage), limits, confined
        self.mask = mask
        self._host_home: Path | None = None

    python = sys.executable       # the same path inside: the environment is bound in place

    @property
    def stage_path(self) -> str:
        """Where the staged files are, as the sandboxed process sees them."""
        return INSIDE_STAGE if self.confined else str(self.stage)

    @property
    def home_path(self) -> str:
        if self.confined:
            return INSIDE_HOME
        if self._host_home is None:  # unconfined: a private folder beside the stage
            self._host_home = self.stage.parent / f"{self.stage.name}-home"
            self._host_home.mkdir(exist_ok=True)
        return str(self._host_home)

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        home = self.home_path
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": "/tmp" if self.confined else home,
               "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
               "MPLCONFIGDIR": f"{home}/.matplotlib", "OMP_NUM_THREADS": "1",
               "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # see the machine's notes
            if key in os.environ:
                env[key] = os.environ[key]
        env.update(extra or {})
        return env

    def popen(self, argv: list[str], env: dict[str, str] | None = None,
              pass_fds: tuple[int, ...] = (), **kwargs) -> subprocess.Popen:
        """Start ``argv`` in the sandbox (or plainly when unconfined), in its own session."""
        env = self.environment(env)
        if not self.confined:
            return subprocess.Popen(argv, env=env, cwd=self.home_path, pass_fds=pass_fds,
                                    close_fds=True, start_new_session=True, **kwargs)
        bwrap, _ = _bwrap()
        rules = seccomp_filter.program()
        seccomp_fd = _pipe_holding(rules) if rules else None
        options = self._arguments(env) + (["--seccomp", str(seccomp_fd)] if rules else [])
        # --args: the options travel on a pipe, so the sandbox's /proc/1/cmdline shows the
        # command but not which host paths are bound.
        args_fd = _pipe_holding(b"".join(a.encode() + b"\0" for a in options))
        fds = (args_fd,) + ((seccomp_fd,) if seccomp_fd is not None else ())
        try:
            return subprocess.Popen([*_first_for_oom(), bwrap, "--args", str(args_fd), "--",
                                     *self._drop_root(), *argv], env={}, pass_fds=fds + tuple(pass_fds),
                                    close_fds=True, start_new_session=True, **kwargs)
        finally:
            for fd in fds:
                os.close(fd)

    def _drop_root(self) -> list[str]:
        if os.geteuid() != 0:
            return []  # bwrap's user namespace maps the sandbox's uid 65534 to ours
        uid = _next_uid()
        return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]

    def _arguments(self, env: dict[str, str]) -> list[str]:
        _, has_size = _bwrap()
        size = ["--size", str(self.limits.disk_mb * 2**20)] if has_size else []
        args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
                "--new-session", "--clearenv"]
        if os.geteuid() != 0:
            args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns"]
        # The private folders first: mounts made later sit on top of them, so an environment
        # that lives under /tmp (a checkout in /tmp) is still bound after /tmp is replaced.
        args += ["--proc", "/proc", "--dev", "/dev",
                 *size, "--perms", "1777", "--tmpfs", "/tmp",
                 *size, "--perms", "1777", "--tmpfs", "/dev/shm"]
        bound: list[str] = []
        for path in SYSTEM:
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
                bound.append(path)
        for path in ETC:
            if os.path.exists(path):
                args += ["--ro-bind", path, path]
        made: set[str] = set()
        for root in python_roots():
            if not any(root == b or root.startswith(b + "/") for b in bound):
                # Folders above it are created readable: bwrap would copy /root's 0700.
                for parent in reversed(Path(root).parents[:-1]):
                    if str(parent) not in made:
                        args += ["--perms", "0755", "--dir", str(parent)]
                        made.add(str(parent))
                args += ["--ro-bind", root, root]
                bound.append(root)
        for path in self.mask:
            real = str(Path(path).resolve())
            if any(real == b or real.startswith(b + "/") for b in bound) and os.path.exists(real):
                if os.path.isdir(real):
                    args += ["--tmpfs", real, "--remount-ro", real]
                else:
                    args += ["--ro-bind", "/dev/null", real]
        args += [*size, "--perms", "1777", "--tmpfs", INSIDE_HOME,
                 "--ro-bind", str(self.stage.resolve()), INSIDE_STAGE,
                 "--chdir", INSIDE_HOME]
        for key, value in env.items():
            args += ["--setenv", key, value]
        return args
