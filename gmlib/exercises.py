"""Helpers for notebook cells that use a student's exercise function.

A demo cell that calls a function the student has not written yet should not crash the
rest of the notebook: it says what to implement and moves on.
"""

from __future__ import annotations

from typing import Any, Callable


def when_implemented(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; if it (or anything it calls) is still a stub, say so and return None."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError as err:
        where = getattr(fn, "__name__", "the exercise above")
        print(f"(Not yet: implement the exercise this cell needs, then run it again. "
              f"{where} raised NotImplementedError{': ' + str(err) if str(err) else ''}.)")
        return None
