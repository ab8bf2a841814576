"""Executing a notebook never waits for a reply the kernel has already sent.

Notebook 02's sweep cell shows an ipywidgets slider whose plots live in an ``Output`` widget
(``gmlib.widgets.correlation_explorer``). nbclient stands in for the browser there and sends
a ``comm_msg`` on the shell channel for every output the widget captures, while it waits on
that socket for the cell's reply. Sent the way jupyter_client sends it, such a message could
swallow the wake-up for a reply that arrived at that moment: the executor then sat idle until
its per-cell timeout (600 s in ``autograder.execute``) and went on as if nothing had happened.
``autograder.execute`` re-arms the socket after every send; these tests measure, for every
cell, how long after the kernel sent its reply the executor started the next cell.

The kernel stamps each message with the time it sent it, so "reply sent" (the cell's
``shell.execute_reply``) and "next cell started" (the next cell's ``iopub.status.busy``) are
read on the same clock; the gap is the executor's own delay: milliseconds normally, the
whole timeout after a lost wake-up. A final trivial cell gives the last real cell a
successor to measure against.
"""

from __future__ import annotations

from datetime import datetime

import nbformat
import pytest

from autograder.execute import execute
from tests.course import ASSIGNMENTS, read, solution_path

NOTEBOOK = "02_measuring_proxies"
# Seconds the executor waits for one cell: a lost wake-up costs all of it, so these bound
# the time a failing run takes (notebook 02's cells need a few seconds each in fast mode).
NOTEBOOK_CELL_TIMEOUT = 60
WIDGET_CELL_TIMEOUT = 10
MAX_DELAY = 5.0     # seconds between a reply and the next cell; normally a few milliseconds

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(NOTEBOOK not in ASSIGNMENTS, reason=f"no {NOTEBOOK} here")]


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def executor_delays(nb) -> list[tuple[int, float]]:
    """(cell index, seconds from the kernel sending the cell's reply to the executor
    starting the next cell) for every code cell that has a successor."""
    timed = [(i, c.metadata["execution"]) for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and c.metadata.get("execution")]
    return [(i, (_time(after["iopub.status.busy"]) - _time(this["shell.execute_reply"]))
             .total_seconds())
            for (i, this), (_, after) in zip(timed, timed[1:])]


def run_with_a_last_cell(nb, folder, name: str, timeout: int):
    nb = nbformat.from_dict(nb)
    nb.cells.append(nbformat.v4.new_code_cell("'done'"))
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return execute(path, fast=True, allow_errors=True, timeout=timeout)


def assert_no_wait(result, what: str, timeout: int) -> None:
    slow = [(i, round(d, 1)) for i, d in executor_delays(result.notebook) if d > MAX_DELAY]
    assert not slow, (
        f"{what}: the executor read the reply of cell(s) {[i for i, _ in slow]} only "
        f"{[d for _, d in slow]} s after the kernel had sent it (its per-cell timeout is "
        f"{timeout} s): a lost wake-up on the shell channel, the hang of notebook 02 "
        f"(see autograder.execute._rearm_after_send)")


def test_notebook_02_never_waits_for_a_sent_reply(tmp_path):
    """Notebook 02 as `run-course --fast` runs it (widgets on), three times."""
    nb = read(solution_path(NOTEBOOK))
    for run in range(3):
        result = run_with_a_last_cell(nb, tmp_path, f"run{run}", NOTEBOOK_CELL_TIMEOUT)
        assert not result.errors, f"run {run}: cells raised {result.errors}"
        assert_no_wait(result, f"{NOTEBOOK}, run {run + 1} of 3 ({result.seconds:.0f} s)",
                       NOTEBOOK_CELL_TIMEOUT)


def test_output_widget_cells_never_wait_for_a_sent_reply(tmp_path):
    """The same pattern, concentrated: many short cells whose outputs an Output widget
    captures. Without the re-arming, 54 of 400 such cells lost their wake-up on a busy
    two-core machine (9 runs of this test in 10 failed); with it, none."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "import ipywidgets as widgets\nfrom IPython.display import display\n"
        "out = widgets.Output()\ndisplay(out)"))
    for _ in range(40):
        nb.cells.append(nbformat.v4.new_code_cell(
            "with out:\n    out.clear_output(wait=True)\n"
            "    for i in range(10):\n        display(i)"))
    result = run_with_a_last_cell(nb, tmp_path, "output_widget", WIDGET_CELL_TIMEOUT)
    assert not result.errors, result.errors
    assert_no_wait(result, "40 cells writing into an ipywidgets.Output", WIDGET_CELL_TIMEOUT)
