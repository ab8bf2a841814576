"""Text that came from a submission, made safe to print, store in a CSV and render.

Students' notebooks and their code's messages can hold anything: lone surrogates that no
file can encode, control characters, megabytes of text. Everything the grader writes about
a submission passes through ``clean`` first.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: object, limit: int = 500) -> str:
    """``text`` as encodable UTF-8 without control characters, at most ``limit`` characters."""
    text = str(text).encode("utf-8", "replace").decode("utf-8")
    text = _CONTROL.sub("?", text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def clean_notes(notes: list, max_notes: int = 40, limit: int = 300) -> list[str]:
    """At most ``max_notes`` cleaned notes; a last one says how many more there were."""
    out = [clean(n, limit) for n in notes[:max_notes]]
    if len(notes) > max_notes:
        out.append(f"... and {len(notes) - max_notes} more notes")
    return out
