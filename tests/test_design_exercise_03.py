"""Issue 13: notebook 03's design exercise, ``training_mix(n_tiles, max_conflict)``.

The student returns a training set (tiles per (door?, red?) group, with copies) under a
budget, and is graded by what it does: it keeps to the budget, and a model trained on it
breaks the colour proxy (``gmlib.training_mixes``). Here: the check itself (its rules, its
messages, its determinism); the claims the notebook's text and hint make about designs; that
the answer key spends its whole budget (the grader's compares read the budget off the key's
mix); and the exercise graded end to end, in nbgrader's own run and in the re-check.
"""

from __future__ import annotations

import csv
import shutil

import nbformat
import pytest

from autograder.checks import load_spec
from autograder.course import SOLUTIONS
from autograder.grader import Options, grade
from autograder.keys import answer_key
from gmlib import training_mixes
from gmlib.training_mixes import (CONFLICT_THRESHOLD, IN_DISTRIBUTION_THRESHOLD, budget_problem,
                                  check_training_mix, mix_scores, proxy_problem)
from tests.course import answered, nbgrader_meta, read, student_path

NAME = "03_fixing_the_classifier"


def _spec_module():
    load_spec(NAME)  # registers the module under this name
    import sys
    return sys.modules[f"autograder_checks_{NAME}"]


SPEC = _spec_module()
BUDGETS = [SPEC.MIX_VISIBLE] + [(n, n // 10) for n in SPEC.MIX_SIZES]


def _key():
    return answer_key(NAME).training_mix


def _once_each(n_tiles: int, max_conflict: int) -> dict:
    """Fix 1's way: every counter-example once, the rest red doors and non-red non-doors."""
    rest = n_tiles - max_conflict
    return {"red door": (rest // 2, 1), "non-red door": (max_conflict - max_conflict // 2, 1),
            "red non-door": (max_conflict // 2, 1), "non-red non-door": (rest - rest // 2, 1)}


# ---- the check -------------------------------------------------------------------------

GOOD = {"red door": (100, 1), "non-red door": (20, 5), "red non-door": (20, 5),
        "non-red non-door": (100, 1)}


@pytest.mark.parametrize("mix,words", [
    ([("red door", 400)], "must be a dict"),
    ({"red door": (400, 1)}, "missing 'non-red door'"),
    ({**GOOD, "blue door": (1, 1)}, "unknown 'blue door'"),
    ({**GOOD, "red door": 100}, "pair (distinct, copies)"),
    ({**GOOD, "red door": (100.0, 1)}, "whole numbers"),
    ({**GOOD, "red door": (True, 1)}, "whole numbers"),
    ({**GOOD, "red door": (100, 0)}, "copies >= 1"),
    ({**GOOD, "red door": (-1, 1)}, "distinct must be >= 0"),
    ({**GOOD, "red door": (110, 1)}, "exactly 400 training tiles"),
    ({**GOOD, "non-red door": (40, 5), "red door": (0, 1)}, "at most 40 distinct"),
])
def test_the_budget_check_names_the_rule_a_mix_breaks(mix, words):
    why = budget_problem(mix, 400, 40)
    assert words in why, why
    assert check_training_mix(mix, 400, 40) == why  # the budget is checked before training


def test_copies_do_not_count_against_the_counter_example_limit():
    assert budget_problem(GOOD, 400, 40) == ""
    assert budget_problem({**GOOD, "non-red door": (20, 5)}, 400, 40) == ""
    assert "has 41" in budget_problem({**GOOD, "non-red door": (21, 5), "red door": (95, 1)},
                                      400, 40)


def test_the_verdict_is_deterministic():
    first = mix_scores(GOOD)
    training_mixes._scores.cache_clear()
    assert mix_scores(GOOD) == first
    assert mix_scores(GOOD, seed=1) != first  # the seed is used


def test_the_check_refuses_to_train_on_more_than_it_can_afford():
    huge = {"red door": (training_mixes.MAX_TILES, 1), "non-red door": (1, 1),
            "red non-door": (1, 1), "non-red non-door": (1, 1)}
    with pytest.raises(ValueError, match="more than this check trains on"):
        mix_scores(huge)


# ---- the notebook's claims about designs -----------------------------------------------

@pytest.mark.parametrize("budget", BUDGETS, ids=lambda b: f"{b[0]}-{b[1]}")
def test_the_key_spends_the_whole_budget_and_breaks_the_proxy(budget):
    """The compares read (n_tiles, max_conflict) off the key's mix: it must spend both."""
    mix = _key()(*budget)
    assert SPEC._budget_of(mix) == budget, mix
    assert check_training_mix(mix, *budget) == "", (budget, mix, mix_scores(mix))
    scores = mix_scores(mix)
    # A margin, so that the key's verdict does not hang on a tile or two of rounding.
    assert scores["conflict accuracy"] >= CONFLICT_THRESHOLD + 0.05, (budget, scores)
    assert scores["in-distribution accuracy"] >= IN_DISTRIBUTION_THRESHOLD + 0.05, (budget, scores)


@pytest.mark.parametrize("budget", BUDGETS, ids=lambda b: f"{b[0]}-{b[1]}")
def test_spending_each_counter_example_once_still_follows_colour(budget):
    """The hint: Fix 1's recipe fails at a tenth of the budget, on every budget graded."""
    mix = _once_each(*budget)
    assert budget_problem(mix, *budget) == ""
    assert "still follows colour" in proxy_problem(mix), mix_scores(mix)


def test_counter_examples_of_one_kind_do_not_break_the_proxy():
    red_non_doors_only = {"red door": (150, 1), "non-red door": (0, 1),
                          "red non-door": (40, 3), "non-red non-door": (130, 1)}
    assert budget_problem(red_non_doors_only, 400, 40) == ""
    assert "still follows colour" in proxy_problem(red_non_doors_only)


def test_a_mix_that_turns_against_red_loses_the_training_distribution():
    """The text: the in-distribution threshold keeps a model that turns against red out."""
    no_red_doors = {"red door": (0, 1), "non-red door": (20, 5), "red non-door": (20, 5),
                    "non-red non-door": (200, 1)}
    scores = mix_scores(no_red_doors)
    assert scores["conflict accuracy"] >= CONFLICT_THRESHOLD, scores
    assert "loses the training distribution" in proxy_problem(no_red_doors), scores


def test_the_compares_judge_each_rule_apart():
    key_mix = _key()(400, 40)
    over = {"red door": (100, 1), "non-red door": (40, 3), "red non-door": (40, 2),
            "non-red non-door": (100, 1)}
    assert SPEC.keeps_to_the_budget(key_mix, key_mix) and SPEC.breaks_the_proxy(key_mix, key_mix)
    assert not SPEC.keeps_to_the_budget(key_mix, over)
    assert SPEC.breaks_the_proxy(key_mix, over)  # out of budget: reported by the other check
    once = _once_each(400, 40)
    assert SPEC.keeps_to_the_budget(key_mix, once) and not SPEC.breaks_the_proxy(key_mix, once)
    assert not SPEC.keeps_to_the_budget(key_mix, "a mix") and SPEC.breaks_the_proxy(key_mix, None)


# ---- graded end to end -----------------------------------------------------------------

_VALIDATES_FIRST = "_right_training_mix = training_mix\n"
OVER_BUDGET = _VALIDATES_FIRST + '''
def training_mix(n_tiles, max_conflict):
    _right_training_mix(n_tiles, max_conflict)  # the input rules, as the key has them
    # Twice the counter-examples allowed, each shown 3 times: within n_tiles, over max_conflict.
    mix = {"non-red door": (max_conflict, 3), "red non-door": (max_conflict, 3)}
    rest = n_tiles - 6 * max_conflict
    mix["red door"], mix["non-red non-door"] = (rest // 2, 1), (rest - rest // 2, 1)
    return mix
'''
ONCE_EACH = _VALIDATES_FIRST + '''
def training_mix(n_tiles, max_conflict):
    _right_training_mix(n_tiles, max_conflict)
    rest = n_tiles - max_conflict
    return {"red door": (rest // 2, 1), "non-red door": (max_conflict - max_conflict // 2, 1),
            "red non-door": (max_conflict // 2, 1), "non-red non-door": (rest - rest // 2, 1)}
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nb03")
    subs = tmp / "class"
    subs.mkdir()
    nbformat.write(answered(NAME), str(subs / "correct.ipynb"))
    nbformat.write(read(student_path(NAME)), str(subs / "blank.ipynb"))
    nbformat.write(answered(NAME, "training_mix", patch=OVER_BUDGET), str(subs / "over_budget.ipynb"))
    nbformat.write(answered(NAME, "training_mix", patch=ONCE_EACH), str(subs / "once_each.ipynb"))
    solutions = tmp / "solutions"  # its own copy: edits elsewhere cannot trip the check
    shutil.copytree(SOLUTIONS / NAME, solutions / NAME)
    root = tmp / "grading"
    # In-kernel too: nbgrader's own run of the notebook must agree with the re-check.
    report = grade(NAME, subs, root=root, solutions=solutions,
                   options=Options(workers=2, seed=5, progress=False))
    rows = {r["student"]: r for r in csv.DictReader(report.csv.open())}
    return {"rows": rows, "root": root}


def _points() -> dict[str, float]:
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c)["points"])
            for c in read(student_path(NAME)).cells if nbgrader_meta(c).get("grade")}


def test_the_notebook_is_worth_seven_points_two_of_them_for_the_design():
    points = _points()
    assert points["test_training_mix"] == 1.5 and points["test_training_mix_inputs"] == 0.5
    assert sum(points.values()) == 7.0, points


@pytest.mark.slow
def test_correct_blank_and_wrong_designs_score_as_they_should(graded):
    points = _points()
    total = sum(points.values())
    want = {"correct": total, "blank": 0.0, "over_budget": total - points["test_training_mix"],
            "once_each": total - points["test_training_mix"]}
    rows = graded["rows"]
    assert {s: float(r["score"]) for s, r in rows.items()} == want, rows
    assert {s: float(r["nbgrader_score"]) for s, r in rows.items()} == want, rows
    assert not any(r["flagged"] for r in rows.values()), rows


@pytest.mark.slow
@pytest.mark.parametrize("student,says,not_says", [
    ("over_budget", SPEC.BUDGET_NOTE, SPEC.PROXY_NOTE),
    ("once_each", SPEC.PROXY_NOTE, SPEC.BUDGET_NOTE),
])
def test_the_feedback_says_which_rule_a_wrong_design_breaks(graded, student, says, not_says):
    page = (graded["root"] / "feedback" / student / NAME / f"{NAME}.html").read_text()
    assert says in page, f"{student}: the feedback should name the rule ({says!r})"
    assert not_says not in page, f"{student}: the feedback blames a rule it keeps"
    # nbgrader's own run (the autograded notebook formgrader shows) names the rule as well.
    autograded = read(graded["root"] / "autograded" / student / NAME / f"{NAME}.ipynb")
    cell = next(c for c in autograded.cells if nbgrader_meta(c).get("grade_id") == "test_training_mix")
    errors = [o.get("evalue", "") for o in cell.outputs if o.output_type == "error"]
    rule = "the budget" if student == "over_budget" else "break the proxy"
    assert len(errors) == 1 and errors[0].startswith(f"rule not followed ({rule})"), errors
