"""JupyterLab in a real browser: a course notebook runs in headless Chromium.

The test starts a JupyterLab server on 127.0.0.1 (free port, its own token, a temporary
root directory, config, settings and workspace folders, news / update checks / extension
manager / language servers off), opens a notebook in Debian's chromium driven by
Playwright, waits until its kernel is connected and idle, runs it with the menu
*Run -> Run All Cells*, waits until no cell is queued or running and the kernel is idle,
and checks that

  (a) an ipywidgets control (slider, dropdown, button, text box...; a tqdm progress bar
      does not count) rendered in an output area, and
  (b) a matplotlib figure appeared as an image/png output that the browser decoded,

then saves the notebook from the browser and checks on disk that every code cell ran
without an error. A screenshot goes to ``test-artifacts/browser-<name>.png`` (also when
a check fails).

Set up with ``bash scripts/install-browser.sh`` (Debian's chromium at /usr/bin/chromium, or
``$CHROMIUM``; the ``playwright`` package in the venv; Playwright's own browser downloads
are never used). Without chromium or playwright the test skips and says why.

Run it alone with ``.venv/bin/python -m pytest -m browser`` (about 40-50 s on 2 busy
cores); leave it out with ``-m "not browser"``. Environment: BROWSER_NOTEBOOKS (replaces
the list below, comma-separated), BROWSER_RUN_ALL_S (run-all limit, default 90),
BROWSER_FAST=1 (set GMLIB_FAST: small budgets, widgets still shown),
CHROMIUM (default /usr/bin/chromium).

Which notebook: ``NOTEBOOKS`` lists ``"fixture"`` (a two-cell notebook the test writes:
an IntSlider and a matplotlib plot) and course notebooks by their repository path. A
student notebook (``notebooks/...``) has exercise cells that raise NotImplementedError,
and *Run All Cells* stops at the first error; so for ``notebooks/<a>/<n>.ipynb`` the test
opens the solution notebook ``solutions/<a>/<n>.ipynb`` (its whole assignment folder is
copied, outputs cleared), in which every cell must run. The kernel gets this checkout on
``PYTHONPATH`` and runs as a student's would: not in grading mode (``NBGRADER_EXECUTION``
removed, since gmlib shows no widgets when grading) and, unless BROWSER_FAST is set, at its
full budgets (``GMLIB_FAST`` removed). It must finish within RUN_ALL seconds.

Server, kernels and chromium are stopped by fixture finalizers, also on SIGTERM.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# The notebooks under test: "fixture", or a repository path. A student notebook's path
# (notebooks/...) is mapped to its solution notebook (solutions/...), see module docstring.
# BROWSER_NOTEBOOKS (comma-separated, same forms) replaces the list for one run.
NOTEBOOKS = [
    # "fixture" (a slider and a plot, written by the test) is there for debugging
    "notebooks/02_measuring_proxies/02_measuring_proxies.ipynb",
]
if os.environ.get("BROWSER_NOTEBOOKS"):
    NOTEBOOKS = [e.strip() for e in os.environ["BROWSER_NOTEBOOKS"].split(",") if e.strip()]

# Chromium in a closed network: without these it stalls on start-up or on first use.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

# Time budgets (seconds). The server must answer within SERVER_START and chromium start
# within BROWSER_START (once per module); each notebook is then bounded by TEST_BUDGET,
# every wait stopping at whatever is left of it. A hang fails in about two minutes.
# BROWSER_RUN_ALL_S gives a slow notebook longer (full budgets train for real).
SERVER_START = 40
BROWSER_START = 20
PAGE_LOAD = 60
RUN_ALL = float(os.environ.get("BROWSER_RUN_ALL_S", 90))
TEST_BUDGET = RUN_ALL + 30


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

class Budget:
    """Seconds left until a deadline; each wait takes min(its own limit, what is left)."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def ms(self, limit_s: float) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            pytest.fail("browser test ran out of its time budget")
        return 1000 * min(limit_s, left)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def _stop_process_group(proc: subprocess.Popen) -> None:
    """Stop the server and its kernels (its own process group): TERM, then KILL."""
    if proc.poll() is not None:
        return
    # KILL as well, even after a clean exit: kernels a server left behind share its group.
    for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass


def _shut_down_kernels(base: str, token: str) -> None:
    """Delete every session (and its kernel) on the server; errors are ignored."""
    def call(method: str, path: str):
        req = urllib.request.Request(f"{base}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"null")
    try:
        for session in call("GET", "/api/sessions"):
            call("DELETE", f"/api/sessions/{session['id']}")
    except (OSError, ValueError) as exc:
        print(f"could not shut down kernels: {exc}")


def _appears(locator, timeout_ms: float) -> bool:
    """Whether ``locator`` becomes visible within the time (no exception to chain)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        locator.wait_for(state="visible", timeout=timeout_ms)
        return True
    except PlaywrightTimeout:
        return False


def _fixture_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import ipywidgets as w\ns = w.IntSlider(5)\ndisplay(s)"),
        nbformat.v4.new_code_cell(
            "%matplotlib inline\n"
            "import matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots(figsize=(4, 3))\n"
            "ax.plot([0, 1, 2, 3], [0, 1, 4, 9], marker='o')\n"
            "ax.set_title('browser test plot')\n"
            "plt.show()"),
    ]
    return nb


def _prepare_notebook(entry: str, root: Path) -> tuple[str, str]:
    """Put the notebook for ``entry`` under ``root``; return (its path relative to root,
    the name used for the screenshot)."""
    if entry == "fixture":
        nb, folder, name = _fixture_notebook(), root / "fixture", "fixture"
        folder.mkdir()
        target = folder / "fixture.ipynb"
    else:
        path = Path(entry)
        if path.parts[0] == "notebooks":  # a student notebook: run its solution instead
            path = Path("solutions", *path.parts[1:])
        source = REPO / path
        assert source.is_file(), f"{entry}: no notebook at {source}"
        folder = root / source.parent.name
        shutil.copytree(source.parent, folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        target = folder / source.name
        nb, name = nbformat.read(str(target), as_version=4), source.stem
    # Outputs cleared, so that what the checks find was made by this run; a kernelspec,
    # so that JupyterLab does not ask which kernel to use.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, str(target))
    return target.relative_to(root).as_posix(), name


# JupyterLab settings for the test: no news or update pop-ups, and every cell kept in the
# DOM (windowing off), so that checks and screenshots see outputs below the fold.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none"},
}

SERVER_CONFIG = {
    "ServerApp": {
        "ip": "127.0.0.1",
        "open_browser": False,
        "terminals_enabled": False,
        # language servers are not needed and slow the start
        "jpserver_extensions": {"jupyter_lsp": False},
        # a safety net should the finalizer never run (test process killed)
        "shutdown_no_activity_timeout": 600,
    },
    "LabApp": {
        "news_url": None,
        "check_for_updates_class": "jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "extension_manager": "readonly",
        "expose_app_in_browser": True,  # window.jupyterapp: for the kernel-ready check
    },
}


# --------------------------------------------------------------------------------------
# fixtures: one server and one browser for the module, always stopped
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: run scripts/install-browser.sh")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no chromium at {CHROMIUM}: run scripts/install-browser.sh "
                    "(or set CHROMIUM)")
    return sync_playwright


@pytest.fixture(scope="module")
def lab_server(playwright_api, request):
    """A JupyterLab server on 127.0.0.1; yields (base_url, token, root_dir)."""
    tmp = Path(tempfile.mkdtemp(prefix="gm-browser-"))
    root = tmp / "root"
    config_dir, settings_dir = tmp / "config", tmp / "settings"
    for d in (root, config_dir, settings_dir, tmp / "workspaces", tmp / "runtime"):
        d.mkdir()
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG))
    for rel, value in LAB_SETTINGS.items():
        (settings_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings_dir / rel).write_text(json.dumps(value))

    token = os.urandom(16).hex()
    port = _free_port()
    env = dict(os.environ)
    env.update({
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings_dir),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    })
    # As a student runs it: not grading (gmlib shows no widgets when grading), full budgets.
    # BROWSER_FAST=1 sets GMLIB_FAST: small budgets, widgets still shown.
    for var in ("NBGRADER_EXECUTION", "GMLIB_FAST"):
        env.pop(var, None)
    if os.environ.get("BROWSER_FAST"):
        env["GMLIB_FAST"] = "1"
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser",
             f"--port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}"]
            + (["--allow-root"] if os.geteuid() == 0 else []),
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)  # own process group: the kernels are stopped with it

    # SIGTERM (a CI time-out) would end Python without running finalizers and leave the
    # server, in its own session, behind: make it an interrupt while the server runs.
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _interrupt)

    def finish():
        _stop_process_group(proc)
        shutil.rmtree(tmp, ignore_errors=True)
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    request.addfinalizer(finish)

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START
    while True:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"JupyterLab did not answer within {SERVER_START} s:\n{_tail(log)}")
        time.sleep(0.25)
    print(f"JupyterLab answered after {SERVER_START - (deadline - time.monotonic()):.1f} s")
    return base, token, root, log


@pytest.fixture(scope="module")
def browser(playwright_api, request):
    """Headless Debian chromium with a fresh profile; yields a browser context."""
    user_data = tempfile.mkdtemp(prefix="gm-chromium-")
    pw = playwright_api().start()
    context = None

    def finish():
        try:
            if context is not None:
                context.close()
        except Exception as exc:  # already gone (interrupted): stopping the driver ends it
            print(f"closing chromium: {exc}")
        finally:
            pw.stop()
            shutil.rmtree(user_data, ignore_errors=True)
    request.addfinalizer(finish)

    # headless=False: the headless flag is in CHROMIUM_ARGS, as Debian's chromium wants it.
    context = pw.chromium.launch_persistent_context(
        user_data, executable_path=CHROMIUM, headless=False, args=CHROMIUM_ARGS,
        viewport={"width": 1400, "height": 1000}, timeout=1000 * BROWSER_START)
    return context


# --------------------------------------------------------------------------------------
# the test
# --------------------------------------------------------------------------------------

# True once the notebook's kernel is connected and idle (JupyterLab's own state, through
# window.jupyterapp, which --LabApp.expose_app_in_browser provides; the toolbar's
# indicator can say "idle" before the kernel's websocket is connected, and a Run All
# issued then runs nothing).
KERNEL_READY_JS = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const ctx = widget && widget.sessionContext;
  const kernel = ctx && ctx.session && ctx.session.kernel;
  return !!(ctx && ctx.isReady && kernel && kernel.connectionStatus === 'connected'
            && kernel.status === 'idle');
}"""

# True once Run All has started: some code cell is queued, running ("[*]") or done ("[1]").
RUN_STARTED_JS = """() => [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')]
  .some(e => /[*\\d]/.test(e.textContent))"""

# True once Run All has finished: no cell is queued or running ("[*]"), at least one cell
# has run, and the kernel indicator says idle.
RUN_FINISHED_JS = """() => {
  const nb = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
  if (!nb) return false;
  const prompts = [...nb.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                  .map(e => e.textContent);
  if (prompts.some(p => p.includes('*'))) return false;
  if (!prompts.some(p => /\\d/.test(p))) return false;
  const ind = document.querySelector('.jp-Notebook-ExecutionIndicator');
  return !ind || ind.getAttribute('data-status') === 'idle';
}"""

CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the open notebook
PNG_OUTPUT = ".jp-OutputArea-output[data-mime-type='image/png'] img"
# ipywidgets 8 controls (class names of their views; not all views also carry the class
# jupyter-widgets, SelectionSlider for one); a tqdm bar (HTML + progress) is none
CONTROLS = ["widget-slider", "widget-dropdown", "widget-button", "widget-text",
            "widget-textarea", "widget-checkbox", "widget-toggle-buttons", "widget-radio",
            "widget-select", "widget-select-multiple", "widget-play", "widget-colorpicker",
            "widget-datepicker"]
CONTROL_OUTPUT = (f"{CURRENT} .jp-OutputArea-output "
                  f":is({', '.join('.' + c for c in CONTROLS)})")
# What the outputs hold, for messages: mime types and the widget classes rendered.
OUTPUTS_SUMMARY_JS = """() => {
  const nb = document.querySelector('%s');
  const count = (xs) => xs.reduce((m, x) => (m[x] = (m[x] || 0) + 1, m), {});
  const outs = nb ? [...nb.querySelectorAll('.jp-OutputArea-output')] : [];
  const widgets = nb ? [...nb.querySelectorAll('.jp-OutputArea-output [class*="widget-"]')] : [];
  return 'outputs by mime type: ' + JSON.stringify(count(outs.map(e => e.dataset.mimeType || 'other')))
    + '; widget views: ' + JSON.stringify(count(widgets.flatMap(
        e => [...e.classList].filter(c => /^widget-(?!inline|label|readout)/.test(c)))));
}""" % CURRENT


@pytest.mark.parametrize("entry", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(entry, lab_server, browser):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # fixtures checked it

    budget = Budget(TEST_BUDGET)
    base, token, root, log = lab_server
    rel, name = _prepare_notebook(entry, root)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"browser-{name}.png"

    page = browser.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    try:
        # ?reset: a fresh workspace, so only this notebook is open
        page.goto(f"{base}/lab/tree/{rel}?reset&token={token}", timeout=budget.ms(PAGE_LOAD))
        # the notebook is open and its kernel has started
        page.locator(f"{CURRENT} .jp-Cell").first.wait_for(timeout=budget.ms(PAGE_LOAD))
        page.wait_for_function(KERNEL_READY_JS, timeout=budget.ms(PAGE_LOAD), polling=200)
        timings["notebook open, kernel idle"] = time.monotonic() - t0

        # Run -> Run All Cells, as a student would
        page.locator(CURRENT).first.click(position={"x": 5, "y": 5}, timeout=budget.ms(10))
        for attempt in range(3):
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click(
                timeout=budget.ms(10))
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click(
                timeout=budget.ms(10))
            try:  # a cell queued, running or done: the run has started
                page.wait_for_function(RUN_STARTED_JS, timeout=budget.ms(10), polling=100)
                break
            except PlaywrightTimeout:
                print(f"Run All Cells started nothing (attempt {attempt + 1}); again")
        else:
            pytest.fail("Run -> Run All Cells started no cell in three attempts; browser "
                        f"console errors: {console_errors[-5:]}")
        try:
            page.wait_for_function(RUN_FINISHED_JS, timeout=budget.ms(RUN_ALL), polling=250)
            finished = True
        except PlaywrightTimeout:
            finished = False
        if not finished:
            pytest.fail(f"{entry}: Run All Cells did not finish within {RUN_ALL} s "
                        "(raise BROWSER_RUN_ALL_S for a slow notebook)")
        timings["run all"] = time.monotonic() - t0

        # Save from the browser; check on disk that every code cell ran without an error.
        page.keyboard.press("Control+s")
        page.locator(".lm-TabBar-tab.jp-mod-current.jp-mod-dirty").wait_for(
            state="detached", timeout=budget.ms(20))
        cells = [c for c in nbformat.read(str(root / rel), as_version=4).cells
                 if c.cell_type == "code"]
        errors = [(i, o.ename, o.evalue) for i, c in enumerate(cells)
                  for o in c.get("outputs", []) if o.output_type == "error"]
        assert not errors, f"{entry}: cells raised (cell index, error, message): {errors}"
        not_run = [i for i, c in enumerate(cells) if not c.execution_count]
        assert cells and not not_run, (
            f"{entry}: code cells {not_run} did not run; browser console errors: "
            f"{console_errors[-5:]}; server log:\n{_tail(log, 15)}")

        # (a) an interactive widget rendered: a control a student uses (slider, dropdown,
        # button, text box...), not only a progress bar; no "Error displaying widget"
        control = page.locator(CONTROL_OUTPUT).first
        if not _appears(control, budget.ms(15)):
            pytest.fail(f"{entry}: no interactive ipywidgets control rendered in an output; "
                        f"{page.evaluate(OUTPUTS_SUMMARY_JS)}")
        assert page.locator(CURRENT).get_by_text("Error displaying widget").count() == 0
        if entry == "fixture":
            slider = page.locator(f"{CURRENT} .jp-OutputArea-output .widget-slider").first
            assert slider.locator(".widget-readout").inner_text().strip() == "5"
        # (b) a matplotlib plot appeared, and the browser decoded it
        plot = page.locator(f"{CURRENT} {PNG_OUTPUT}").first
        if not _appears(plot, budget.ms(15)):
            pytest.fail(f"{entry}: no image/png output (matplotlib plot); "
                        f"{page.evaluate(OUTPUTS_SUMMARY_JS)}")
        width = plot.evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 100, f"the image/png output did not decode (naturalWidth {width})"
        print(f"{entry}: {page.evaluate(OUTPUTS_SUMMARY_JS)}")
        control.scroll_into_view_if_needed(timeout=budget.ms(5))
        timings["checks"] = time.monotonic() - t0
    finally:
        try:  # the screenshot is an artifact, not the verdict
            page.screenshot(path=str(shot), timeout=10_000)
            page.close()
        except Exception as exc:
            print(f"screenshot failed: {exc}")
        _shut_down_kernels(base, token)  # the next notebook gets the CPU
        print(f"{entry}: seconds since the page opened: "
              + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(f"{entry}: screenshot {shot.relative_to(REPO)}")
