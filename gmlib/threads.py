"""Run torch on a set number of threads (one, for the course's tiny models)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run torch on ``n`` threads inside the block, then restore the previous setting."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread inside the block, then restore the previous setting.

    These models are tiny: splitting each small matrix product across threads costs more in
    synchronisation than it saves, and on a busy two-core machine we measured a CNN taking
    97 s with two threads against 3 s with one.
    """
    with torch_threads(1):
        yield
