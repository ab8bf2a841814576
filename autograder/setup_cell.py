"""The set-up cell that opens every notebook, so that it runs on Colab as it is.

This file is the one place that says where the course package is installed from. When
``gmlib`` is not importable (Colab, any fresh environment) the cell

* builds the course wheel from ``GM_COURSE_SOURCE``, or else from the course repository
  (never PyPI's unrelated ``gmlib``); where that cannot be reached (a placeholder address, a
  private fork, a classroom without access) it says so in one line and uses the newest
  ``goal_misgeneralization_course-*.whl`` uploaded next to the notebook or into Colab's upload
  area ``/content`` (``python -m autograder wheel`` builds it); with neither it stops with one
  message that says what to do;
* installs only the requirements that nothing installed satisfies, with every installed
  package pinned at its version, so that Colab's torch, ipywidgets 7 and pygame stay; minigrid,
  whose metadata asks for pygame-ce (which would overwrite Colab's pygame), is installed
  without its dependencies where a ``pygame`` module is already there;
* prints one line per requirement: its version and whether it was installed or left alone.

A second run prints one line and installs nothing. ``python -m autograder sync-setup-cells``
writes the cell into every solution notebook; a test checks that each notebook's first code
cell is exactly this one. The same command points the Colab badges of the course overview
(docs/COURSE.md) at ``COURSE_REPOSITORY``.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

from .authoring import readonly, write
from .course import REPO, SOLUTIONS, assignments

COURSE_REPOSITORY = "gm-course/goal-misgeneralization-course"  # owner/name on GitHub
COURSE_SOURCE = f"git+https://github.com/{COURSE_REPOSITORY}"
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
CELL_ID = "course_setup"
WHEEL_GLOB = "goal_misgeneralization_course-*.whl"  # what `python -m autograder wheel` writes
COLAB_UPLOADS = "/content"  # where Colab's Files pane puts uploads (and its kernels' folder)

_CELL_TEMPLATE = r"""# Set-up: installs the course package and what it needs, replacing nothing already installed
# (Colab's torch, ipywidgets and pygame stay as they are). Running it again installs nothing.
# No access to the course repository? Upload the wheel that `python -m autograder wheel`
# builds next to this notebook (on Colab: the Files pane), or set GM_COURSE_SOURCE.
import sys
IN_COLAB = "google.colab" in sys.modules


def _course_setup(source="@COURSE_SOURCE@"):
    import email, glob, importlib, importlib.metadata as md, importlib.util, os, re, subprocess
    import tempfile, zipfile
    try:
        from packaging.requirements import Requirement
        from packaging.version import InvalidVersion, Version
    except ImportError:
        from pip._vendor.packaging.requirements import Requirement
        from pip._vendor.packaging.version import InvalidVersion, Version
    if importlib.util.find_spec("gmlib") is not None:
        import gmlib
        print(f"gmlib {gmlib.__version__} in {os.path.dirname(gmlib.__file__)}: nothing to install.")
        return
    canon = lambda name: re.sub(r"[-_.]+", "-", name or "").lower()
    tmp = tempfile.mkdtemp(prefix="gm-course-")

    def installed():
        importlib.invalidate_caches()
        found = {}
        for dist in md.distributions():
            if dist.metadata["Name"]:  # the first one on sys.path is the one imported
                found.setdefault(canon(dist.metadata["Name"]), dist.version)
        return found

    def pip(*args, keep=True):  # falsy if it worked, else pip's reason; keep: pin what is installed
        with open(os.path.join(tmp, "installed.txt"), "w") as pins:
            for name, version in installed().items():
                try:
                    pins.write(f"{name}=={Version(version)}\n")
                except InvalidVersion:
                    pass
        run = subprocess.run([sys.executable, "-m", "pip", *args, "--quiet",
                              "--disable-pip-version-check", *(["-c", pins.name] if keep else [])],
                             capture_output=True, text=True, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
        lines = [l.strip() for l in (run.stdout + run.stderr).splitlines() if l.strip()] or ["pip failed"]
        return run.returncode and next((l for l in lines if l.startswith(("ERROR:", "fatal:"))), lines[-1])

    def unmet(requirements, have):  # those that apply here and that nothing in `have` satisfies
        return [r for r in requirements if (not r.marker or r.marker.evaluate({"extra": ""})) and not (
            canon(r.name) in have and r.specifier.contains(have[canon(r.name)], prereleases=True))]

    def install(what, *args, deps=True):
        args = ["install", *([] if deps else ["--no-deps"]), *args]
        why = pip(*args)
        if why and deps:
            print(f"pip cannot add {what} without changing installed packages ({why}); letting it.")
            why = pip(*args, keep=False)
        if why:
            raise RuntimeError(f"pip could not install {what}: {why}")

    source = os.environ.get("GM_COURSE_SOURCE") or source
    local = "://" not in source and not source.startswith("git+")
    why = "no such file or folder" if local and not os.path.exists(source) else pip(
        "wheel", "--no-deps", "-w", tmp, source, keep=False)
    wheels = glob.glob(os.path.join(tmp, "*.whl"))
    if why or not wheels:
        why = why or "pip built no wheel"
        folders = list(dict.fromkeys([os.getcwd(), "@UPLOADS@"]))  # the notebook's, Colab's uploads
        found = [w for d in folders for w in glob.glob(os.path.join(d, "@WHEEL_GLOB@"))]
        wheels = sorted(found, key=os.path.getmtime)[-1:]
        if not wheels:
            raise RuntimeError(
                f"The course package is not installed: {source} cannot be reached ({why}), and no "
                f"@WHEEL_GLOB@ lies in {' or '.join(folders)}. Do one of these, "
                "then run this cell again: upload the course wheel, built in a copy of the course "
                "with `python -m autograder wheel`, next to this notebook (on Colab: drop it into "
                "the Files pane); or set GM_COURSE_SOURCE to a copy of the course that pip can "
                "install, e.g. os.environ['GM_COURSE_SOURCE'] = 'git+https://github.com/OWNER/FORK'"
                " or a folder.")
        print(f"Cannot reach {source} ({why}); installing from the uploaded {wheels[0]} instead.")
        source = wheels[0]
    with zipfile.ZipFile(wheels[0]) as wheel:
        meta = email.message_from_bytes(wheel.read(next(
            n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))))
    wanted = unmet(map(Requirement, meta.get_all("Requires-Dist") or []), {})
    before = installed()
    missing = unmet(wanted, before)
    # minigrid asks for pygame-ce, which installs into the folder of an installed pygame (Colab's).
    bare = [r for r in missing if canon(r.name) == "minigrid" and importlib.util.find_spec("pygame")]
    rest = [r for r in missing if r not in bare]
    if rest:
        install(", ".join(r.name for r in rest), *map(str, rest))
    for r in bare:
        install(r.name, str(r), deps=False)
        extra = [x for x in unmet(map(Requirement, md.requires(r.name) or []), installed())
                 if canon(x.name) not in ("pygame", "pygame-ce")]
        if extra:
            install(", ".join(x.name for x in extra), *map(str, extra))
    install(f"the course package from {wheels[0]}", wheels[0], deps=False)
    after = installed()
    for r in wanted:
        name = canon(r.name)
        if r not in missing:
            print(f"{r.name} {before[name]} (already installed, left alone)")
        elif r in bare:
            print(f"{r.name} {after.get(name)} (installed without its pygame-ce: "
                  f"pygame {after.get('pygame')} stays)")
        else:
            print(f"{r.name} {after.get(name)} (installed)")
    new = sorted(set(after) - set(before) - {canon(r.name) for r in wanted} - {canon(meta["Name"])})
    if new:
        print("also installed, as their dependencies: " + ", ".join(f"{n} {after[n]}" for n in new))
    moved = [f"{n} {v} -> {after.get(n, 'removed')}" for n, v in before.items() if after.get(n) != v]
    if moved:
        print("changed: " + ", ".join(moved))
    print(f"{meta['Name']} {meta['Version']} (installed from {source})")


_course_setup()
del _course_setup"""

CELL_SOURCE = (_CELL_TEMPLATE.replace("@COURSE_SOURCE@", COURSE_SOURCE)
               .replace("@WHEEL_GLOB@", WHEEL_GLOB).replace("@UPLOADS@", COLAB_UPLOADS))


def colab_url(assignment: str) -> str:
    """Where Colab opens the student notebook of ``assignment`` from the course repository."""
    return (f"https://colab.research.google.com/github/{COURSE_REPOSITORY}/blob/main/"
            f"notebooks/{assignment}/{assignment}.ipynb")


def colab_badge(assignment: str) -> str:
    """A Markdown 'Open in Colab' badge for the course overview."""
    return f"[![Open in Colab]({COLAB_BADGE})]({colab_url(assignment)})"


def sync(solutions: Path = SOLUTIONS) -> list[Path]:
    """Make the set-up cell the first code cell of every solution notebook."""
    changed = []
    for name in assignments(solutions):
        path = solutions / name / f"{name}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != CELL_ID]
        first_code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
        setup = readonly(CELL_ID, CELL_SOURCE)
        setup.id = CELL_ID  # a stable id keeps diffs of the notebooks small
        cells.insert(first_code, setup)
        old = [(c.cell_type, c.source) for c in nb.cells]
        if old != [(c.cell_type, c.source) for c in cells]:
            nb.cells = cells
            write(nb, path)
            changed.append(path)
    return changed


_BADGE = re.compile(r"\[!\[Open in Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/github/"
                    r"[^)]*/notebooks/(?P<name>[^/)]+)/(?P=name)\.ipynb\)")


def sync_badges(overview: Path = REPO / "docs" / "COURSE.md") -> bool:
    """Point every Colab badge in ``overview`` at ``COURSE_REPOSITORY``; True if it changed."""
    text = overview.read_text()
    updated = _BADGE.sub(lambda m: colab_badge(m["name"]), text)
    if updated != text:
        overview.write_text(updated)
    return updated != text
