"""The program that runs nbgrader's in-kernel execution inside the sandbox.

Staged read-only into the sandbox (``/sandbox/inkernel_runner.py``) and run as
``python inkernel_runner.py <result fd> <limits as JSON> <cell timeout s>``. It reads the
prepared notebook (nbformat JSON) on stdin, applies the limits to itself (the kernel it
starts inherits them), copies the assignment's data files from ``/sandbox/data`` into its
working folder, executes the notebook with nbgrader's own ``Execute`` preprocessor (kernel
and client both inside the sandbox, talking over its private loopback), and writes the
executed notebook, as JSON, to the result descriptor. The grader treats what comes back as
untrusted: it keeps only the outputs, on its own copy of the cells.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    from sandbox_runner import confine  # staged beside this file

    confine(json.loads(sys.argv[2]))
    channel = os.fdopen(int(sys.argv[1]), "w")
    timeout = int(sys.argv[3])
    # jsonschema (under nbformat) imports an optional IRI parser, rfc3987_syntax, that takes
    # about 0.8 s to load; nbformat's schema checks no IRI, and jsonschema goes without it.
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat
    Execute = nbgrader_execute()

    nb = nbformat.reads(sys.stdin.read(), as_version=4)
    sys.stdin = open(os.devnull)
    work = Path.cwd()
    data = here / "data"
    if data.is_dir():
        for f in data.iterdir():
            if f.is_file():
                shutil.copy(f, work / f.name)
    executor = Execute(timeout=timeout, interrupt_on_timeout=False, kernel_name="python3",
                       shutdown_kernel="immediate")
    try:
        nb, _ = executor.preprocess(nb, {"metadata": {"path": str(work)}})
        result = {"ok": True, "notebook": nb}
    except Exception as err:  # a dead kernel, or nbgrader tripping over the notebook
        result = {"ok": False, "error": f"{type(err).__name__}: {err}".splitlines()[0][:300]}
    channel.write(json.dumps(result))
    channel.close()


def nbgrader_execute() -> type:
    """nbgrader's own ``Execute`` preprocessor class, imported without running nbgrader's
    package ``__init__`` files: they load its server extensions and every other
    preprocessor, about 1.5 s of CPU for each submission's sandbox, none of it needed here.
    The two packages are registered bare (their folders, nothing run); then the preprocessor's
    own modules, ``base`` and ``execute``, are imported as they are."""
    import importlib.util
    import types

    spec = importlib.util.find_spec("nbgrader")
    if spec is None or spec.origin is None:
        from nbgrader.preprocessors import Execute  # let the ImportError say what is missing
        return Execute
    root = Path(spec.origin).parent
    for name, folder in (("nbgrader", root), ("nbgrader.preprocessors", root / "preprocessors")):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(folder)]
            sys.modules[name] = package
    from nbgrader.preprocessors.base import NbGraderPreprocessor

    sys.modules["nbgrader.preprocessors"].NbGraderPreprocessor = NbGraderPreprocessor
    from nbgrader.preprocessors.execute import Execute
    return Execute


if __name__ == "__main__":
    main()
