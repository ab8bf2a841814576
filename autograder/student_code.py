"""What of a student's notebook the re-check runs, as plain Python.

- ``to_python``: IPython syntax (``%%time``, ``%matplotlib``, ``!ls``) becomes the calls
  IPython itself would make, ``get_ipython().run_cell_magic(...)`` and so on; the re-check's
  runner answers them (a cell magic that times or captures runs its cell, the rest do nothing).
- ``definitions``: from a code cell the student added, only what it defines (functions,
  classes, imports, and constants written as literals, ``SWAP = {"yes": "no"}``), so that an
  answer may call a helper the student wrote elsewhere; the graded functions themselves come
  only from their own answer cells. Each definition runs as a step of its own, so that one
  that fails (a default argument naming a notebook variable) costs no other.
- ``imports_of`` / ``prelude``: the imports of the instructor's set-up cells that the
  student's code uses (``np``, ``math``), without running the set-up cells themselves, which
  may train models.
"""

from __future__ import annotations

import ast
import re
import threading

_MAGIC = re.compile(r"^(\s*)([%!].*)$")
# The grader's worker threads parse submissions side by side, and CPython 3.11's AST
# constructor is not safe for that: two parses at once can fail with "SystemError: AST
# constructor recursion depth mismatch" (seen once in a CI run, costing a correct function
# its points). Parsing is milliseconds; one at a time costs nothing that shows.
_PARSING = threading.RLock()


def to_python(src: str) -> str:
    """A cell's source as plain Python, the way IPython would run it."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        with _PARSING:
            return TransformerManager().transform_cell(src)
    except Exception:  # no IPython, or syntax it rejects: comment the magics out instead
        if src.lstrip().startswith("%%"):
            return "\n".join(src.splitlines()[1:])
        return "\n".join(_MAGIC.sub(r"\1pass  # \2", line) for line in src.splitlines())


def _tree(src: str) -> ast.Module | None:
    try:
        with _PARSING:
            return ast.parse(to_python(src))
    except (SyntaxError, ValueError, RecursionError):
        return None


def _literal_constant(node: ast.stmt) -> bool:
    """``NAME = <literal>``: safe to run anywhere, it computes nothing."""
    if not isinstance(node, ast.Assign) or not all(isinstance(t, ast.Name) for t in node.targets):
        return False
    try:
        ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def definitions(src: str, exclude: set[str]) -> list[tuple[str, str]]:
    """(name, source) of each top-level function, class, import and literal constant of
    ``src``, except functions and classes named in ``exclude``; [] when there are none (or
    the cell is not valid Python)."""
    tree = _tree(src)
    if tree is None:
        return []
    kept = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            kept.append((ast.unparse(node)[:60], ast.unparse(node)))  # the name goes into notes
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name not in exclude:
                kept.append((node.name, ast.unparse(node)))
        elif _literal_constant(node):
            kept.append((", ".join(t.id for t in node.targets), ast.unparse(node)))
    return kept


def imports_of(sources: list[str]) -> list[tuple[str, list[str]]]:
    """Each top-level import statement of ``sources``, with the names it binds."""
    out = []
    for src in sources:
        tree = _tree(src)
        for node in (tree.body if tree else []):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and \
                    not any(a.name == "*" for a in node.names):
                names = [(a.asname or a.name).split(".")[0] for a in node.names]
                out.append((ast.unparse(node), names))
    return out


def names_used(sources: list[str]) -> set[str]:
    """Every name the sources read (``np`` in ``np.mean(x)``)."""
    used: set[str] = set()
    for src in sources:
        tree = _tree(src)
        if tree is not None:
            used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return used


def prelude(imports: list[tuple[str, list[str]]], used: set[str]) -> str:
    """The imports that bind a name in ``used``, each on its own so one failing costs nothing."""
    lines = []
    for statement, names in imports:
        if set(names) & used:
            lines.append(f"try:\n    {statement}\nexcept Exception:\n    pass")
    return "\n".join(lines)
