"""Checks spec for 09_suggested_answers: a counterfactual on text, the deference rate, and
counterfactual augmentation.

Like every spec (see ``autograder/checks/__init__.py``): the answer key gives the expected
values, and each exercise is graded as its computation and, apart, its stated input rules.
The kinds of example the notebook's visible checks show are drawn here too.
"""

import numpy as np

from autograder.checks import Case, Check
from gmlib.suggestions import PROMPT_LENGTH, SUGGESTION_AT, TOKEN, encode

# The answer cells import what they need (numpy, gmlib.suggestions' token ids) themselves;
# notebook 02's metrics (a locked cell of definitions only) are there for answers that use them.
SETUP = ["metrics_from_02"]
# Per call; nbgrader's in-kernel run gets twice this per cell, and the notebook's heaviest
# cell trains three small transformers even in grading mode.
TIME_LIMIT_S = 30.0

_A = "1 2 3 4 5 6 | has 1 ? | user: yes | answer:"
_B = "1 2 3 4 5 6 | has 7 ? | user: - | answer:"
_C = "0 0 0 0 0 0 | has 0 ? | user: no | answer:"


def _prompt(rng, said=None):
    digits = " ".join(str(d) for d in rng.integers(0, 10, size=6))
    said = said or str(rng.choice(["yes", "no", "-"]))
    return f"{digits} | has {int(rng.integers(0, 10))} ? | user: {said} | answer:"


def _flips(rng):
    cases = [Case(_prompt(rng)) for _ in range(6)]
    cases += [Case(_prompt(rng, "yes")), Case(_prompt(rng, "no")), Case(_prompt(rng, "-"))]
    cases.append(Case("yes user: no no", note="yes and no elsewhere in the prompt"))
    cases.append(Case("user: -", note="the shortest prompt with no suggestion"))
    return cases


def _flip_edges(rng):
    return [
        Case(None, note="None"), Case(3, note="an int"), Case(["user:", "no"], note="a list of words"),
        Case("", note="an empty prompt"), Case("user: yes user: -", note="two user: words"),
        Case("| answer: user:", note="nothing after user:"),
        Case("user: Yes", note="a capitalised Yes"), Case("user: yes.", note="yes with a full stop"),
        Case("user:yes", note="no space after user:"),
    ]


def _binary(rng, n):
    return [int(v) for v in rng.integers(0, 2, size=n)]


def _deferences(rng):
    cases = []
    for n in (3, 12, 60, 400):
        y = rng.integers(0, 2, size=n)
        alone = np.where(rng.random(n) < 0.8, y, 1 - y)
        said = np.where(rng.random(n) < 0.5, 1 - y, y)
        said[0], alone[0] = 1 - y[0], y[0]  # at least one question counts
        suggested = np.where(rng.random(n) < float(rng.uniform(0, 1)), said, y)
        cases.append(Case(y, alone, suggested, said))
    y = rng.integers(0, 2, size=20)
    cases.append(Case(y.tolist(), y.tolist(), (1 - y).tolist(), (1 - y).tolist(), note="lists"))
    cases.append(Case(y.astype(bool), y.astype(bool), y.astype(bool), ~y.astype(bool),
                      note="boolean arrays"))
    cases.append(Case(y.astype(float), y.astype(float), y.astype(float), 1.0 - y,
                      note="0.0 and 1.0 as floats"))
    return cases


def _deference_edges(rng):
    return [
        Case([1], [1], [1], [1, 0], note="a longer suggestion"),
        Case([1, 0], [1], [1, 0], [0, 1], note="a shorter pred_alone"),
        Case([[1]], [[1]], [[0]], [[0]], note="2-d inputs"),
        Case([2, 0], [1, 0], [1, 0], [0, 1], note="a label 2"),
        Case([1, 0], [1, 0], [0.5, 0], [0, 1], note="a prediction 0.5"),
        Case([1, 0], [1, 0], [1, 0], [-1, 1], note="a suggestion -1 (none)"),
        Case([1, 0], [2, 0], [1, 0], [0, 1], note="a pred_alone 2"),
        Case([1, 0], [1, 0], [1], [0, 1], note="a shorter pred_suggested"),
        Case([1, 0], [[1, 0]], [1, 0], [0, 1], note="a 2-d pred_alone"),
        Case([1, 1], [0, 0], [0, 0], [0, 0], note="every question answered wrong alone"),
        Case([1, 0], [1, 0], [0, 1], [1, 0], note="every suggestion right"),
        Case([], [], [], [], note="no questions"),
    ]


def int_arrays_equal(expected, actual) -> bool:
    """The pair the notebook asks for: two NumPy int arrays, equal to the key's."""
    return (isinstance(actual, tuple) and len(actual) == 2
            and all(isinstance(a, np.ndarray) and a.dtype.kind == "i" and a.shape == e.shape
                    and np.array_equal(a, e) for e, a in zip(expected, actual)))


def _rows(prompts):
    return encode(list(prompts))


def _augments(rng):
    cases = []
    for n in (1, 5, 30):
        cases.append(Case(_rows(_prompt(rng) for _ in range(n)), rng.integers(0, 2, size=n)))
    cases.append(Case(_rows(_prompt(rng, "-") for _ in range(4)), _binary(rng, 4),
                      note="no row with a suggestion"))
    cases.append(Case(_rows(_prompt(rng, "no") for _ in range(3)), tuple(_binary(rng, 3)),
                      note="answers as a tuple"))
    cases.append(Case(_rows(_prompt(rng) for _ in range(6)).tolist(), _binary(rng, 6),
                      note="rows as lists"))
    cases.append(Case(_rows([_A, _A]), np.array([True, False]),
                      note="the same prompt twice, bool answers"))
    cases.append(Case(np.zeros((0, PROMPT_LENGTH), dtype=int), [], note="no rows"))
    return cases


def _augment_edges(rng):
    broken = _rows([_A, _C])
    broken[1, SUGGESTION_AT] = TOKEN["?"]
    return [
        Case(_rows([_A]), [1, 0], note="more answers than rows"),
        Case(_rows([_A, _B]), [1], note="fewer answers than rows"),
        Case(_rows([_A]), np.ones((1, 1)), note="2-d answers"),
        Case(_rows([_A]), [-1], note="an answer -1"),
        Case(_rows([_A]), [0.5], note="an answer 0.5"),
        Case(_rows([_A])[0], [1], note="1-d tokens"),
        Case(_rows([_A])[:, :-1], [1], note="one column too few"),
        Case(np.concatenate([_rows([_A]), _rows([_A])[:, :1]], axis=1), [1],
             note="one column too many"),
        Case(np.zeros((2, 3, PROMPT_LENGTH), dtype=int), [1, 0], note="3-d tokens"),
        Case(broken, [1, 1], note="a suggestion column holding the id of ?"),
    ]


CHECKS = [
    Check(test="test_deference_rate", function="deference_rate",
          cases=[Case([1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], visible=True),
                 Case([1, 1], [0, 1], [0, 1], [0, 0], visible=True),
                 Case([1, 0], [1, 0], [1, 1], [1, 1], visible=True),
                 Case(np.array([True, False]), [True, False], [False, False], [False, True],
                      visible=True),
                 Case([1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0], visible=True),
                 Case([1, 0], [1, 0], [1, 0], [0], visible=True),
                 Case([1, 0], [1, 0], [1, 0], [-1, 1], visible=True),
                 Case([1, 0], [1, 0], [1, 0], [1, 0], visible=True),
                 Case([], [], [], [], visible=True),
                 _deferences, _deference_edges],
          rtol=1e-6, atol=1e-9, inputs_test="test_deference_rate_inputs"),
    Check(test="test_flip_suggestion", function="flip_suggestion",
          cases=[Case("1 2 3 4 5 6 | has 7 ? | user: yes | answer:", visible=True),
                 Case("0 0 0 0 0 0 | has 0 ? | user: no | answer:", visible=True),
                 Case("3 1 4 1 5 9 | has 4 ? | user: - | answer:", visible=True),
                 Case("yes no user: yes", visible=True),
                 Case("a  b user:   no  c", visible=True),
                 Case(["user:", "yes"], visible=True),
                 Case("1 2 3 | has 4 ? | answer:", visible=True),
                 Case("user: yes user: no", visible=True),
                 Case("1 2 3 user:", visible=True),
                 Case("user: maybe | answer:", visible=True),
                 _flips, _flip_edges],
          compare="exact", strict_types=True, inputs_test="test_flip_suggestion_inputs"),
    Check(test="test_counterfactual_augment", function="counterfactual_augment",
          cases=[Case(_rows([_A, _B]), [1, 0], visible=True),
                 Case(_rows([_B]), [0], visible=True),
                 Case(_rows([_C, _B, _A]), [1, 0, 1], visible=True),
                 Case(_rows([_A]), [True], visible=True),
                 Case(_rows([_A]).tolist(), [0], visible=True),
                 Case(np.zeros((0, PROMPT_LENGTH), dtype=int), [], visible=True),
                 Case(_rows([_A, _A]), [1], visible=True),
                 Case(_rows([_A]), [2], visible=True),
                 Case(_rows([_A])[:, :10], [1], visible=True),
                 _augments, _augment_edges],
          compare=int_arrays_equal, inputs_test="test_counterfactual_augment_inputs"),
]
