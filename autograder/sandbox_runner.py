"""The program the re-check runs in a fresh, limited process: a student's cells, then calls.

This file is staged read-only into the sandbox (``/sandbox/runner.py``) and run as a script,
with ``python runner.py <result fd> <site> <limits as JSON>``, so it imports
nothing from the course (no ``autograder``, no ``solutions/``): only the standard library
and, for array arguments, numpy. The grader imports ``encode``/``decode`` from here too, so
that both ends speak one format.

Protocol: a JSON job on stdin ``{"steps": [{"i": n, "cell": src} | {"i": n, "call": name,
"args": [...], "kwargs": {...}}], "output_cap": bytes}``; one JSON line per finished step
on the file descriptor given as the first argument: ``{"i": n, "ok": true, "value": ...}``
or ``{"i": n, "ok": false, "error": {"types": [...], "message": ...}}``. Values are plain
data (numbers, strings, lists, arrays as tagged lists): nothing a student's object could
rig survives the trip.
"""

from __future__ import annotations

import builtins
import json
import os
import sys
import traceback

_type, _isinstance, _len, _str, _repr = type, isinstance, len, str, repr
# The real built-in exception classes, taken before any student code runs: a student's own
# class named ValueError is not one of them, whatever it calls itself.
_BUILTIN_ERRORS = {name: cls for name, cls in vars(builtins).items()
                   if _isinstance(cls, type) and issubclass(cls, BaseException)}
_PLAIN = (bool, int, float, str, type(None))
MAX_DEPTH, MAX_ITEMS = 8, 1_000_000


class NotPlainData(TypeError):
    pass


def encode(x, depth: int = 0, _left: list | None = None):
    """Plain JSON data for ``x``, or NotPlainData: exact built-in types only, no subclasses,
    at most MAX_ITEMS items (list entries, dict entries, array elements) in all."""
    if depth > MAX_DEPTH:
        raise NotPlainData("nested too deeply")
    left = [MAX_ITEMS] if _left is None else _left

    def spend(n):
        left[0] -= n + 1
        if left[0] < 0:
            raise NotPlainData(f"too large (more than {MAX_ITEMS:,} items in all)")

    t = _type(x)
    if t in _PLAIN:
        return x
    if t in (list, tuple):
        spend(_len(x))
        return {"__seq__": t.__name__, "items": [encode(v, depth + 1, left) for v in x]}
    if t is dict:
        if not all(_type(k) is str for k in x):
            raise NotPlainData("a dict with non-string keys")
        spend(_len(x))
        return {"__dict__": {k: encode(v, depth + 1, left) for k, v in x.items()}}
    np = sys.modules.get("numpy")
    if np is not None:
        if t is np.ndarray and x.dtype.kind in "biuf":
            spend(int(x.size))
            # The shape travels too: tolist() alone turns an empty (0, 3) array into (0,).
            return {"__ndarray__": x.tolist(), "dtype": x.dtype.str, "shape": list(x.shape)}
        if t in (np.bool_, np.float64, np.float32, np.float16, np.int64, np.int32,
                 np.int16, np.int8, np.uint8, np.uint16, np.uint32, np.uint64):
            return encode(x.item(), depth, left)
    raise NotPlainData(f"a {getattr(t, '__qualname__', '?')} object "
                       "(expected numbers, arrays, lists or strings)")


def decode(x):
    """The inverse of ``encode`` (arrays come back as numpy arrays)."""
    if _isinstance(x, list):
        return [decode(v) for v in x]
    if not _isinstance(x, dict):
        return x
    if "__ndarray__" in x:
        import numpy as np
        dtype = np.dtype(x["dtype"])
        if dtype.kind not in "biuf" or dtype.itemsize > 16:  # numbers only, as encode sends
            raise ValueError(f"not a numeric dtype: {dtype}")
        array = np.array(x["__ndarray__"], dtype=dtype)
        if array.dtype.kind not in "biuf":
            raise ValueError("not a numeric array")
        return array.reshape(x["shape"]) if "shape" in x else array
    if "__seq__" in x:
        items = [decode(v) for v in x["items"]]
        return tuple(items) if x["__seq__"] == "tuple" else items
    if "__iter__" in x:  # an argument the exercise must accept as any iterable
        return iter([decode(v) for v in x["__iter__"]])
    if "__dict__" in x:
        return {k: decode(v) for k, v in x["__dict__"].items()}
    raise ValueError("unknown tagged value")


def describe_error(err: BaseException) -> dict:
    try:
        types = [c.__name__ if _BUILTIN_ERRORS.get(c.__name__, c) is c
                 else f"{c.__name__} (a class of that name, not Python's built-in one)"
                 for c in _type(err).__mro__ if c is not object]
    except Exception:
        types = ["BaseException"]
    try:
        message = _str(err)[:300]
    except BaseException:
        message = "(the exception's message could not be shown)"
    where = ""
    try:
        frames = traceback.extract_tb(err.__traceback__)
        student = [f for f in frames if f.filename.startswith("<cell")]
        if student:
            where = f"{student[-1].filename[1:-1]}, line {student[-1].lineno}"
    except BaseException:
        pass
    return {"types": types, "message": message, "where": where}


class _CappedOutput:
    """stdout/stderr for student code: kept up to a cap; past it, printing raises."""

    def __init__(self, cap: int):
        self.cap, self.used = cap, 0

    def write(self, text):
        self.used += _len(text) if _isinstance(text, str) else 0
        if self.used > self.cap:
            raise OSError(f"output limit: printed more than {self.cap} characters")
        return _len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def confine(config: dict) -> None:
    """Limits, applied by this process to itself before any student code runs.

    Address space, CPU seconds, file size, processes (threads count too), no core dumps;
    too-large writes fail instead of killing. Everything else (what the process can see
    and reach) is the bubblewrap sandbox's doing, set up before this process started.
    """
    import resource
    import signal

    resource.setrlimit(resource.RLIMIT_AS, (config["memory"], config["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, tuple(config["cpu"]))
    resource.setrlimit(resource.RLIMIT_FSIZE, (config["file"], config["file"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:  # if memory runs out machine-wide, the kernel's OOM killer takes this one first
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    if "processes" in config:
        resource.setrlimit(resource.RLIMIT_NPROC, (config["processes"], config["processes"]))
    if "open_files" in config:
        resource.setrlimit(resource.RLIMIT_NOFILE, (config["open_files"], config["open_files"]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


class _Shell:
    """What the re-check answers for ``get_ipython()``: the calls IPython syntax becomes
    (see autograder/student_code.py). A cell magic that times or captures runs its cell;
    every other magic and shell command does nothing."""

    RUNS_ITS_CELL = ("time", "timeit", "capture", "prun")

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run_cell_magic(self, name, line, cell, *args, **kwargs):
        if name in self.RUNS_ITS_CELL:
            exec(compile(cell, f"<cell magic %%{name}>", "exec"), self.namespace)

    def run_line_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []


def main() -> None:
    confine(json.loads(sys.argv[-1]))
    channel = os.fdopen(int(sys.argv[1]), "w", buffering=1)
    job = json.loads(sys.stdin.read())
    sys.stdin = open(os.devnull)
    cap = int(job.get("output_cap", 100_000))
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    shell = _Shell(namespace)
    namespace["get_ipython"] = lambda: shell
    dumps, write, flush = json.dumps, channel.write, channel.flush

    def report(event):
        write(dumps(event) + "\n")
        flush()

    for step in job["steps"]:
        sys.stdout = sys.stderr = _CappedOutput(cap)
        event = {"i": step["i"], "ok": True}
        try:
            if "cell" in step:
                exec(compile(step["cell"], f"<cell {step['name']}>", "exec"), namespace)
            else:
                fn = namespace.get(step["call"])
                if fn is None:
                    raise NameError(f"{step['call']} is not defined: its answer cell did not "
                                    "run to the end (see the note on that cell) or defines "
                                    "no function of that name")
                args = decode(step["args"])
                kwargs = decode(step["kwargs"])
                event["value"] = encode(fn(*args, **kwargs))
        except BaseException as err:  # SystemExit, KeyboardInterrupt: still just this step
            event = {"i": step["i"], "ok": False, "error": describe_error(err)}
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        try:
            report(event)
        except (TypeError, ValueError) as err:  # e.g. a float too large for JSON
            report({"i": step["i"], "ok": False, "error": describe_error(err)})
    report({"done": True})


if __name__ == "__main__":
    main()
