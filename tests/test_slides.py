"""Slides from the notebooks: the cells' slideshow tags, and the decks that
scripts/build_slides.py makes from them (one fast-mode execution per notebook, shared by
every check of its deck)."""

from __future__ import annotations

import importlib.util
import re
import sys

import pytest

from autograder.course import REPO
from tests.course import ASSIGNMENTS, nbgrader_meta, read, solution_path, student_path

pytestmark = pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments in solutions/ yet")

SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
PLOT = re.compile(r'<img [^>]*src="data:image/png;base64,')


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _slide_type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_cell_has_a_slide_type_and_decks_never_show_exercises(name):
    cells = read(solution_path(name)).cells
    untagged = [i for i, c in enumerate(cells) if _slide_type(c) not in SLIDE_TYPES]
    assert not untagged, (f"{name}: cells {untagged} have no slideshow slide_type; "
                          "run `python scripts/tag_slides.py` and regenerate")
    assert _slide_type(cells[0]) == "slide", f"{name}: the title cell must open the deck"
    shown = [i for i, c in enumerate(cells)
             if any(nbgrader_meta(c).get(k) for k in ("solution", "grade", "locked"))
             and _slide_type(c) != "skip"]
    assert not shown, (f"{name}: exercise, test or locked cells {shown} would be on the slides; "
                       "they must be 'skip'")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebooks_carry_the_solutions_slide_types(name):
    """nbgrader's generate keeps cell metadata: both versions make the same deck."""
    solution = {c.id: _slide_type(c) for c in read(solution_path(name)).cells}
    student = {c.id: _slide_type(c) for c in read(student_path(name)).cells}
    assert student == solution, f"{name}: run `python -m autograder generate {name}`"


def test_tagging_script_agrees_with_the_notebooks():
    """scripts/tag_slides.py would change nothing: its rules are the notebooks' tags."""
    tagger = _script("tag_slides")
    for name in ASSIGNMENTS:
        cells = read(solution_path(name)).cells
        differ = [i for i, c in enumerate(cells) if tagger.slide_type(name, c) != _slide_type(c)]
        assert not differ, (f"{name}: cells {differ} are tagged otherwise than "
                            "scripts/tag_slides.py says; add the choice to its CHOICES and rerun it")


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """Every deck, built once by the script's own build function (fast mode)."""
    builder = _script("build_slides")
    lines = []
    built = builder.build(ASSIGNMENTS, tmp_path_factory.mktemp("slides"), log=lines.append)
    return {deck.name: deck for deck in built}, lines


@pytest.mark.slow
def test_build_prints_a_progress_line_per_notebook(decks):
    built, lines = decks
    assert list(built) == ASSIGNMENTS
    for i, name in enumerate(ASSIGNMENTS, 1):
        assert any(line.startswith(f"[{i}/{len(ASSIGNMENTS)}] {name}: executing") for line in lines)
    assert sum(" plots -> " in line for line in lines) == len(ASSIGNMENTS), lines


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_deck_is_built_with_the_notebooks_plots(decks, name):
    deck = decks[0][name]
    assert not deck.errors, f"{name}: cells raised while building the deck: {deck.errors}"
    assert deck.path.name == f"{name}.slides.html"
    html = deck.path.read_text(encoding="utf-8")
    assert "Reveal.initialize" in html, f"{name}: not a reveal.js deck"
    title = read(solution_path(name)).cells[0].source.splitlines()[0].lstrip("# ").strip()
    assert title.split(" · ")[1] in html, f"{name}: the title slide is missing"
    plots = len(PLOT.findall(html))
    assert plots >= 1, f"{name}: the deck shows no plot"
    assert plots == deck.plots, (f"{name}: {deck.plots} plots in the cells the deck shows, "
                                 f"{plots} on the slides")
    # Skipped cells stay off the slides: no solution, no test cell's output, no set-up code.
    for leak in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "visible example", "import matplotlib"):
        assert leak not in html, f"{name}: {leak!r} is on the slides"


def test_deck_from_an_executed_copy_takes_todays_tags(tmp_path):
    """--from DIR: an executed copy made before the tags changed still makes today's deck
    (no execution here: a made-up plot stands in for the outputs)."""
    import nbformat

    builder = _script("build_slides")
    name = ASSIGNMENTS[0]
    nb = read(solution_path(name))
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    shown = next(c for c in nb.cells if c.cell_type == "code" and _slide_type(c) not in ("skip", "notes"))
    skipped = next(c for c in nb.cells if c.cell_type == "code" and _slide_type(c) == "skip")
    for cell in (shown, skipped):
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
    for cell in nb.cells:
        cell.metadata.pop("slideshow", None)  # executed before the cells were tagged
    nbformat.write(nb, str(tmp_path / f"{name}.ipynb"))

    [deck] = builder.build([name], tmp_path / "slides", source=tmp_path, log=lambda line: None)
    html = deck.path.read_text(encoding="utf-8")
    assert deck.plots == 1 and len(PLOT.findall(html)) == 1, "the skipped cell's plot is on the slides"
