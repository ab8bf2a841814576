"""Execute notebooks for real, in a Jupyter kernel (nbclient), one cell after another."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import zmq
import zmq.asyncio
from jupyter_client.channels import ZMQSocketChannel
from nbclient import NotebookClient
from nbclient.util import run_sync
from nbformat import NotebookNode

from .course import REPO


def _rearm_after_send(channel: ZMQSocketChannel) -> None:
    """Make every send on ``channel`` re-check its socket for messages that have arrived.

    nbclient stands in for a browser's ipywidgets.Output: each output the widget captures
    makes it send a ``comm_msg`` on the shell channel, from the task that reads IOPub,
    while another task is waiting on that same socket for the cell's ``execute_reply``.
    jupyter_client's ``Session.send`` sends through a plain (blocking) shadow of the asyncio
    socket. A libzmq send also handles the socket's pending commands, among them "a message
    has arrived", and that clears the file descriptor the event loop is watching; pyzmq's
    asyncio socket never sees that send, so it does not look again. When the reply lands in
    that moment, the waiting task is not woken and reads the reply only when its timeout
    runs out (600 s here), then carries on as if nothing had happened. Notebook 02's
    correlation slider is an ``interactive_output``: executed with nbconvert on a loaded
    machine, 2 runs in 6 took one per-cell timeout longer than the rest, and a traced run
    showed the wait at that cell's reply. Cells writing into an Output widget
    (tests/test_notebook_hang.py): 54 of 400 waited without this, none of 400 with it.
    Reading ``ZMQ_EVENTS`` through the asyncio socket after the send makes pyzmq schedule
    the pending receive, which wakes the waiting task.
    """
    socket = channel.socket
    if not isinstance(socket, zmq.asyncio.Socket):
        return
    send = channel.send

    def send_and_rearm(msg: dict) -> None:
        send(msg)
        socket.get(zmq.EVENTS)

    channel.send = send_and_rearm  # type: ignore[method-assign]


class RearmingNotebookClient(NotebookClient):
    """nbclient's NotebookClient with its shell channel re-armed after every send (see
    ``_rearm_after_send``): use it wherever the course executes a notebook with nbclient."""

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        _rearm_after_send(kc.shell_channel)
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)


@dataclass
class Executed:
    notebook: NotebookNode
    seconds: float
    errors: list[tuple[int, str, str]]  # (cell index, error name, error value)


def _kernel_environment(grading: bool, fast: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    # The kernel must import this checkout's gmlib, installed or not.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    if grading:
        env["NBGRADER_EXECUTION"] = "autograde"
    else:
        env.pop("NBGRADER_EXECUTION", None)
    if fast:
        env["GMLIB_FAST"] = "1"
    return env


def execute(path: str | Path, *, grading: bool = False, fast: bool = False,
            allow_errors: bool = False, timeout: int = 600) -> Executed:
    """Run every cell of the notebook at ``path`` in a fresh kernel started in its folder.

    ``grading``: as the autograder runs it (gmlib's grading mode: small budgets, no widgets);
    ``fast``: small budgets only (gmlib's fast mode). With ``allow_errors`` a failing cell is
    recorded and execution goes on; otherwise the first error raises
    ``nbclient.exceptions.CellExecutionError``.
    """
    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(_kernel_environment(grading, fast))
    try:
        client = RearmingNotebookClient(nb, timeout=timeout, kernel_name="python3",
                                        allow_errors=allow_errors,
                                        resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    errors = [(i, out.ename, out.evalue) for i, cell in enumerate(nb.cells)
              if cell.cell_type == "code" for out in cell.get("outputs", [])
              if out.output_type == "error"]
    return Executed(nb, seconds, errors)
