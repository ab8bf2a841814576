"""Build a reveal.js slide deck from every solution notebook: one command for all of them.

    .venv/bin/python scripts/build_slides.py --out slides/            # all seven decks
    .venv/bin/python scripts/build_slides.py 04_classifiers_to_agents # one deck
    .venv/bin/python scripts/build_slides.py --from executed-solutions/  # no re-execution

Each notebook is executed in the course's fast mode (small budgets and shipped agents, as
``python -m autograder run-course --fast`` does, through the same ``autograder.execute``), so
the plots on the slides are real ones from this checkout; ``--full`` runs the default budgets
instead, and ``--from DIR`` exports executed copies already in DIR (``DIR/<name>.ipynb``,
what ``run-course --out DIR`` and ``bash setup.sh`` write) without running anything.
The decks go to ``<out>/<name>.slides.html``; open one in a browser (arrow keys or space to
move, ``s`` for the speaker notes). The page loads reveal.js from a CDN unless
``--reveal-prefix`` points at a local copy.

Which cells become slides is set by ``metadata.slideshow`` in the solution notebooks
(``scripts/tag_slides.py``). A deck shows the prose and the results of code cells, not the
code (``--show-code`` shows it), and leaves out widgets (progress bars, sliders) and stderr,
which need a live kernel or are noise on a slide.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.course import SOLUTIONS, assignments, check_assignment  # noqa: E402
from autograder.execute import execute  # noqa: E402

WIDGET = "application/vnd.jupyter.widget-view+json"


@dataclass
class Deck:
    name: str
    path: Path
    plots: int       # images on the slides
    seconds: float   # executing (or reading) and exporting
    errors: list     # cells that raised: (index, error name, error value)


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def static(nb):
    """A copy of the executed notebook fit for a static deck: no widgets, no stderr."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = [out for out in cell.outputs
                        if not (out.output_type == "stream" and out.name == "stderr")
                        and WIDGET not in out.get("data", {})]
    return nb


def with_current_tags(executed, solution) -> None:
    """Give an executed copy the slide types the solution notebook has now (by cell id), so
    that a copy executed before the tags last changed still makes today's deck."""
    tags = {c.get("id"): c.metadata.get("slideshow") for c in solution.cells}
    for cell in executed.cells:
        if tags.get(cell.get("id")):
            cell.metadata["slideshow"] = dict(tags[cell.get("id")])


def plots_shown(nb) -> int:
    """PNG images in the outputs of the cells a deck shows (not skipped, not notes)."""
    return sum("image/png" in out.get("data", {})
               for cell in nb.cells if cell.cell_type == "code"
               and slide_type(cell) not in ("skip", "notes")
               for out in cell.outputs)


def export(nb, target: Path, *, show_code: bool = False, reveal_prefix: str | None = None) -> Path:
    """Write the deck of an executed notebook to ``target``."""
    # A taller page than reveal.js's 960x700 fits more of a notebook's longer cells on one
    # slide; what still does not fit scrolls.
    exporter = SlidesExporter(exclude_input=not show_code, exclude_input_prompt=True,
                              exclude_output_prompt=True, reveal_scroll=True,
                              reveal_width="1100", reveal_height="1000")
    if reveal_prefix:
        exporter.reveal_url_prefix = reveal_prefix
    name = target.name.split(".")[0]
    body, _ = exporter.from_notebook_node(static(nb), resources={"metadata": {"name": name}})
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")
    return target


def build(names: list[str], out: Path, *, full: bool = False, source: Path | None = None,
          show_code: bool = False, reveal_prefix: str | None = None, log=print) -> list[Deck]:
    """Execute (or read from ``source``) and export each notebook; one progress line each."""
    decks = []
    for i, name in enumerate(names, 1):
        start = time.perf_counter()
        if source is not None:
            log(f"[{i}/{len(names)}] {name}: reading {source / f'{name}.ipynb'} ...")
            nb = nbformat.read(str(source / f"{name}.ipynb"), as_version=4)
            errors = [(k, out.ename, out.evalue) for k, cell in enumerate(nb.cells)
                      if cell.cell_type == "code" for out in cell.get("outputs", [])
                      if out.output_type == "error"]
            with_current_tags(nb, nbformat.read(str(SOLUTIONS / name / f"{name}.ipynb"),
                                                as_version=4))
        else:
            log(f"[{i}/{len(names)}] {name}: executing ({'full' if full else 'fast'} mode) ...")
            result = execute(SOLUTIONS / name / f"{name}.ipynb", fast=not full, allow_errors=True)
            nb, errors = result.notebook, result.errors
        deck = export(nb, out / f"{name}.slides.html", show_code=show_code,
                      reveal_prefix=reveal_prefix)
        decks.append(Deck(name, deck, plots_shown(nb), time.perf_counter() - start, errors))
        status = "ok" if not errors else f"{len(errors)} cells raised"
        log(f"      {status} in {decks[-1].seconds:.1f} s, {decks[-1].plots} plots -> {deck}")
    return decks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    parser.add_argument("--out", default="slides", help="folder for the decks (default: slides)")
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--full", action="store_true",
                     help="execute with the default budgets instead of fast mode")
    how.add_argument("--from", dest="source", metavar="DIR",
                     help="export executed notebooks DIR/<name>.ipynb instead of executing")
    parser.add_argument("--show-code", action="store_true", help="show code cells' source too")
    parser.add_argument("--reveal-prefix", help="where reveal.js is (default: a CDN)")
    args = parser.parse_args(argv)

    names = [check_assignment(n) for n in args.assignments] or assignments()
    start = time.perf_counter()
    decks = build(names, Path(args.out), full=args.full,
                  source=Path(args.source) if args.source else None,
                  show_code=args.show_code, reveal_prefix=args.reveal_prefix)
    print(f"{len(decks)} decks in {time.perf_counter() - start:.0f} s")
    failed = [d.name for d in decks if d.errors]
    if failed:
        print(f"cells raised in: {', '.join(failed)} (their decks show the errors)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
