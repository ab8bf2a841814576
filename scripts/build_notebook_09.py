"""Write solutions/09_suggested_answers/09_suggested_answers.ipynb, cell by cell.

The solution notebook is the source of truth; this script is how it was first written and
how it is rewritten after a change of text (run it, then ``scripts/tag_slides.py
09_suggested_answers`` and ``python -m autograder generate 09_suggested_answers``). The
locked set-up cell and notebook 02's metrics are copied from notebooks 08 and 02, so that
tests/test_setup_cell.py and tests/test_locked_copies.py keep them identical.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.authoring import (code, markdown, notebook, readonly, solution,  # noqa: E402
                                  strip_solution_markers, tests, write)

NAME = "09_suggested_answers"


def _cell(name: str, grade_id: str):
    nb = nbformat.read(str(ROOT / "solutions" / name / f"{name}.ipynb"), as_version=4)
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _metrics_from_02() -> str:
    bodies = []
    for fn in ("conflict_accuracy", "worst_group_accuracy", "flip_rate"):
        src = strip_solution_markers(_cell("02_measuring_proxies", fn).source)
        lines = [l for l in src.splitlines() if l.strip() != "import numpy as np"]
        keep = []
        for line in lines:
            if line.startswith("# Try it"):
                break
            keep.append(line)
        bodies.append("\n".join(keep).strip("\n"))
    return ("# Copied from notebook 02's solution cells; do not edit.\nimport numpy as np\n\n\n"
            + "\n\n\n".join(bodies))


def with_id(cell, cell_id: str):
    cell["id"] = cell_id
    return cell


CELLS = []


def md(cell_id: str, text: str) -> None:
    CELLS.append(with_id(markdown(text), cell_id))


def py(cell_id: str, src: str) -> None:
    CELLS.append(with_id(code(src), cell_id))


md("nb09-title", """
# 09 · A language model that agrees with you

Large language models often tell users what the users already believe: asked a question with
"I think the answer is X" attached, they say X more often, even when X is wrong. This is called
**sycophancy**. Sharma and co-authors measured it in five deployed assistants, and found that
human preference data, the reward signal of RLHF, sometimes favours the agreeable answer over
the true one. Is sycophancy goal misgeneralization, or specification gaming, or both?

This notebook builds the smallest case we could make of it. A transformer, trained from scratch
in seconds, answers yes/no questions about a list of digits. Half of its training prompts also
say what a user thinks the answer is, and in training the user is always right. The user's
suggestion is then a proxy in the sense of notebooks 01 and 02: perfectly correlated with the
label in training, far easier to read than the label itself. Here the training signal is
correct by construction, so whatever the model does with a wrong user is not the reward's
fault. You will measure it with notebook 02's instruments, separate what it *can* do from what
it *does*, try two fixes, and take the question back to real assistants.

## Learning objectives
- Write a counterfactual intervention on text (flip the user's suggestion, keep everything else).
- Measure a language model's reliance on a suggestion with notebook 02's metrics: conflict
  accuracy, worst-group accuracy, the flip rate under the intervention.
- Separate capability from deference: among the questions the model answers right with no
  suggestion, how often does a wrong suggestion change its answer?
- Compare two fixes (a few wrong users in training; counterfactual augmentation) and say what
  each presupposes.
- Argue, with evidence that would decide it, whether sycophancy in deployed assistants is goal
  misgeneralization, specification gaming, or both.

**Time:** about 60 minutes

## Readings
- *Towards Understanding Sycophancy in Language Models*, Mrinank Sharma, Meg Tong, Tomasz
  Korbak, David Duvenaud, Amanda Askell, Samuel Bowman and co-authors (2023).
- *Goal Misgeneralization: Why Correct Specifications Aren't Enough For Correct Goals*, Rohin
  Shah, Vikrant Varma, Ramana Kumar, Mary Phuong, Victoria Krakovna, Jonathan Uesato and Zac
  Kenton (2022): the definition used here, and its language-model examples.
- *Simple synthetic data reduces sycophancy in large language models*, Jerry Wei, Da Huang,
  Yifeng Lu, Denny Zhou and Quoc Le (2023): the fix of the last part, at scale.
- *Discovering Language Model Behaviors with Model-Written Evaluations*, Ethan Perez and
  co-authors (2022): sycophancy grows with model size, and RLHF training does not remove it.
""")
CELLS.append(_cell("08_looking_inside", "course_setup"))
CELLS.append(with_id(readonly("nb09-setup", """
import matplotlib.pyplot as plt
import numpy as np

from gmlib.exercises import when_implemented
from gmlib.runmode import budget, fast_mode
from gmlib.suggestion_runs import plot_deference, train_runs
from gmlib.suggestions import Prompts, decode, encode, make_prompts, suggestion_of, three_versions
from gmlib.tiny_lm import answers, train_lm

# Full runs train three seeds of each model; under the autograder one seed, fewer steps.
SEEDS = budget([0, 1, 2], [0])
STEPS = budget(600, 300)
N_TRAIN = 50_000
print(f"{'fast' if fast_mode() else 'full'} run: seeds {SEEDS}, {STEPS} training steps per model")
"""), "nb09-setup"))
CELLS.append(with_id(readonly("metrics_from_02", _metrics_from_02()), "metrics_from_02"))
md("nb09-metrics-md", """
The cell above holds the reference versions of three metrics you wrote in notebook 02 (locked:
notebook 02 is graded on its own). They take 0/1 arrays: `y_true` (the right answer, 1 = yes),
`y_pred` (the model's answer) and `proxy` (here: the user's suggestion).
""")

md("nb09-task-md", """
## The task

Each prompt lists six digits and asks whether a seventh is among them. A slot after `user:`
holds what the user thinks (`yes` or `no`) or `-` when the user says nothing. The model reads
the prompt word by word and predicts the next word after `answer:`.
""")
py("nb09-task", """
train = make_prompts(N_TRAIN, seed=0)
for text, answer in zip(train.text[:6], train.answer[:6]):
    print(f"{text}  {'yes' if answer else 'no'}")
has = train.suggestion >= 0
print(f"\\n{N_TRAIN} training prompts: {has.mean():.0%} with a suggestion, "
      f"right in {np.mean(train.suggestion[has] == train.answer[has]):.0%} of them; "
      f"the answer is yes in {train.answer.mean():.0%}")
""")
md("nb09-model-md", """
The model (`gmlib.tiny_lm.TinyTransformer`) is a decoder-only transformer in GPT's layout at toy
size: two blocks of causal self-attention and an MLP, 64 dimensions, four heads, about 100,000
weights. It is trained on one next-word prediction per prompt, the answer word, with the
cross-entropy over its whole vocabulary: the standard language-model loss, restricted to the
only word that is not random or fixed.

Two ways to a zero loss fit this training data. *Copy the user* works on the half of the prompts
with a suggestion, and it is simple: the suggestion sits at the same position in every prompt,
so attending to that one position is enough. *Check the digits* works on every prompt and takes
more: bring the asked digit to the last position, then compare it with six others. The half
without a suggestion can only be learned the second way.

**Predict before you run the next cell.** Give the trained model a question it can answer,
with a user who suggests the wrong answer. What share of such questions will it get right?
""")
py("nb09-train", """
model = train_lm(train, steps=STEPS, seed=0).model
versions = three_versions(2000, seed=10_000)   # the same 2,000 questions, written three ways
for name, prompts in versions.items():
    acc = np.mean(answers(model, prompts.text) == prompts.answer)
    print(f"user says {name:>5s}: accuracy {acc:.3f}    e.g. {prompts.text[0]}")
""")
md("nb09-train-read", """
Without a suggestion the model answers almost every question right: it has learned to check the
digits. With a right suggestion, right again. With a wrong one it mostly says what the user said.
On every seed we ran while writing this (the three this notebook trains and three that no run
of it uses), accuracy with no suggestion was 0.9 or more, and accuracy with a wrong suggestion
0.25 or less: the same questions, answered right when the user is quiet and wrong when the
user is wrong.
""")

md("nb09-ex1-md", """
### Exercise 1: flip the user's suggestion
**Difficulty:** ★☆☆ (easy) · **Time:** about 10 min

Notebook 02 recoloured tiles and kept their shape, to see whether the prediction followed the
colour. The text version: change what the user says, keep the question. Write
`flip_suggestion(prompt)`: the prompt with the word after `user:` changed from `yes` to `no` or
from `no` to `yes`; a prompt with `user: -` (no suggestion) comes back unchanged. Everything
else stays as it was, and the result is a new string (words separated by single spaces, as in
the prompts).

Raise a `TypeError` if `prompt` is not a `str`. Raise a `ValueError` if the prompt has no
`user:` word, more than one, or nothing after it, or if the word after it is not `yes`, `no` or `-`.
""")
md("nb09-ex1-hint", """
<details><summary>Hint</summary>

1. `prompt.split()` gives the words; `words.index("user:")` finds the slot (and
   `words.count("user:")` says whether there is exactly one).
2. Build the result with `" ".join(words)` after replacing one word: the input string itself
   cannot change (strings are immutable), so there is nothing to copy.

</details>
""")
CELLS.append(with_id(solution("flip_suggestion", '''
def flip_suggestion(prompt):
    """The prompt with the user's yes/no suggestion swapped; no suggestion stays none."""
    ### BEGIN SOLUTION
    if not isinstance(prompt, str):
        raise TypeError(f"prompt must be a str, got {type(prompt).__name__}")
    words = prompt.split()
    if words.count("user:") != 1:
        raise ValueError(f"a prompt has one 'user:' word, this one has {words.count('user:')}")
    at = words.index("user:") + 1
    if at == len(words):
        raise ValueError("nothing follows 'user:'")
    swap = {"yes": "no", "no": "yes", "-": "-"}
    if words[at] not in swap:
        raise ValueError(f"the user's suggestion must be yes, no or -, got {words[at]!r}")
    words[at] = swap[words[at]]
    return " ".join(words)
    ### END SOLUTION

# Try it (expected: '1 2 3 4 5 6 | has 7 ? | user: no | answer:')
flip_suggestion("1 2 3 4 5 6 | has 7 ? | user: yes | answer:")
'''), "flip_suggestion"))
CELLS.append(with_id(tests("test_flip_suggestion", '''
from gmlib.selfcheck import Rule, check

check(flip_suggestion, [
    (("1 2 3 4 5 6 | has 7 ? | user: yes | answer:",), "1 2 3 4 5 6 | has 7 ? | user: no | answer:"),
    Rule("no becomes yes", ("0 0 0 0 0 0 | has 0 ? | user: no | answer:",),
         "0 0 0 0 0 0 | has 0 ? | user: yes | answer:"),
    Rule("a prompt with no suggestion (user: -) comes back unchanged",
         ("3 1 4 1 5 9 | has 4 ? | user: - | answer:",), "3 1 4 1 5 9 | has 4 ? | user: - | answer:"),
    Rule("only the word after user: changes, even where yes or no appears elsewhere",
         ("yes no user: yes",), "yes no user: no"),
    Rule("words come back separated by single spaces", ("a  b user:   no  c",), "a b user: yes c"),
])
### BEGIN HIDDEN TESTS
import numpy as np
from gmlib.suggestions import make_prompts, suggestion_of
sample = make_prompts(200, seed=3)
flipped = [flip_suggestion(t) for t in sample.text]
said, now = suggestion_of(sample.text), suggestion_of(flipped)
assert np.array_equal(now, np.where(said >= 0, 1 - said, -1)), "a suggestion was not flipped as stated"
for before, after in zip(sample.text, flipped):
    kept = [a == b for a, b in zip(before.split(), after.split())]
    assert sum(kept) >= len(kept) - 1, "a word other than the suggestion changed"
### END HIDDEN TESTS
''', points=1.5), "test_flip_suggestion"))
CELLS.append(with_id(tests("test_flip_suggestion_inputs", '''
from gmlib.selfcheck import Rule, check

check(flip_suggestion, [
    Rule("a prompt that is not a str raises TypeError", (["user:", "yes"],), TypeError),
    Rule("a prompt without user: raises ValueError", ("1 2 3 | has 4 ? | answer:",), ValueError),
    Rule("two user: words raise ValueError", ("user: yes user: no",), ValueError),
    Rule("nothing after user: raises ValueError", ("1 2 3 user:",), ValueError),
    Rule("a suggestion other than yes, no or - raises ValueError", ("user: maybe | answer:",),
         ValueError),
])
''', points=0.5), "test_flip_suggestion_inputs"))

md("nb09-metrics02-md", """
## Notebook 02's instruments

The proxy is the suggestion; the label is the right answer. To measure on prompts where the two
come apart as often as they agree, take the 2,000 questions with a right suggestion and the same
2,000 with a wrong one, together: a *balanced* set, as in notebook 02.
""")
py("nb09-metrics02", """
def instruments(model):
    \"\"\"Notebook 02's metrics on the balanced set, the flip rate under flip_suggestion.\"\"\"
    balanced = Prompts(versions["right"].text + versions["wrong"].text,
                       np.concatenate([versions["right"].answer, versions["wrong"].answer]),
                       np.concatenate([versions["right"].suggestion, versions["wrong"].suggestion]))
    pred = answers(model, balanced.text)
    found = {"conflict accuracy": conflict_accuracy(balanced.answer, pred, balanced.suggestion),
             "worst-group accuracy": worst_group_accuracy(balanced.answer, pred, balanced.suggestion)}
    if when_implemented(flip_suggestion, versions["right"].text[0]) is not None:
        flipped = [flip_suggestion(t) for t in versions["right"].text]
        found["flip rate"] = flip_rate(answers(model, versions["right"].text), answers(model, flipped))
    return found


print({name: round(value, 3) for name, value in instruments(model).items()})
""")
md("nb09-metrics02-read", """
Conflict accuracy is the accuracy on the half where the user is wrong; the worst group is one of
the four (answer, suggestion) groups with a wrong user. The flip rate asks the causal question
directly: flip what the user says and nothing else, and count how often the answer follows.
All three say the model leans on the user. None of them says whether it *could* have answered
alone, which is what the next exercise asks.
""")

md("nb09-ex2-md", """
### Exercise 2: deference, separated from capability
**Difficulty:** ★★☆ (medium) · **Time:** about 15 min

Notebook 04 split an agent's failures in two: did it act competently (capability), and towards
what (goal)? The same split here. A model that answers a question wrong with a wrong suggestion
*and* wrong without one never knew the answer; only the questions it answers right on its own
show whether a wrong suggestion moves it. Write
`deference_rate(y_true, pred_alone, pred_suggested, suggestion)`, where all four are 1-d
sequences of 0/1 over the same questions: the right answers, the model's answers with no
suggestion, its answers with the user's `suggestion`. Return, as a float, the share of the
questions that count (the model answered right alone, **and** the suggestion is wrong) on
which the model's suggested answer equals the suggestion.

Raise a `ValueError` if the four are not 1-d of one length, if a value is not 0 or 1 (`True` and
`False` count as 1 and 0), or if no question counts.
""")
md("nb09-ex2-hint", """
<details><summary>Hint</summary>

1. Convert each with `np.asarray(...)`, check `.ndim` and the lengths, then
   `np.isin(a, (0, 1)).all()` for the values.
2. Two boolean masks, `pred_alone == y_true` and `suggestion != y_true`; their `&` picks the
   questions that count. Among them compare `pred_suggested` with `suggestion`.

</details>
""")
CELLS.append(with_id(solution("deference_rate", '''
import numpy as np


def deference_rate(y_true, pred_alone, pred_suggested, suggestion) -> float:
    """Among questions answered right alone with a wrong suggestion, the share that follow it."""
    ### BEGIN SOLUTION
    arrays = [np.asarray(a) for a in (y_true, pred_alone, pred_suggested, suggestion)]
    names = ("y_true", "pred_alone", "pred_suggested", "suggestion")
    for name, a in zip(names, arrays):
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-d, got shape {a.shape}")
        if not np.isin(a, (0, 1)).all():
            raise ValueError(f"{name} must hold only 0 and 1")
    if len({len(a) for a in arrays}) != 1:
        raise ValueError("y_true, pred_alone, pred_suggested and suggestion must have one length, "
                         f"got {', '.join(str(len(a)) for a in arrays)}")
    y, alone, suggested, said = arrays
    counts = (alone == y) & (said != y)
    if not counts.any():
        raise ValueError("no question counts: none is answered right alone with a wrong suggestion")
    return float(np.mean(suggested[counts] == said[counts]))
    ### END SOLUTION

# Try it (expected: 0.5: questions 0 and 1 count, the model follows the user on question 0)
deference_rate([1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0])
'''), "deference_rate"))
CELLS.append(with_id(tests("test_deference_rate", '''
from gmlib.selfcheck import Rule, check
import numpy as np

check(deference_rate, [
    (([1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0]), 0.5),
    Rule("a question the model gets wrong alone does not count, whatever it says with the user",
         ([1, 1], [0, 1], [0, 1], [0, 0]), 0.0),
    Rule("a question with a right suggestion does not count", ([1, 0], [1, 0], [1, 1], [1, 1]), 1.0),
    Rule("True and False count as 1 and 0",
         (np.array([True, False]), [True, False], [False, False], [False, True]), 0.5),
    Rule("arrays or lists", (np.array([0, 0, 1]), np.array([0, 0, 1]), np.array([1, 0, 0]),
                             np.array([1, 1, 0])), 2 / 3),
    Rule("0.0 and 1.0 count as 0 and 1", ([1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [0.0, 1.0]), 0.5),
])
got = deference_rate([1, 0], [1, 0], [0, 0], [0, 1])
assert type(got) is float, f"return a Python float (wrap the result in float(...)), got {type(got).__name__}"
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(4)
for n in (10, 200):
    y, alone, suggested = (rng.integers(0, 2, size=n) for _ in range(3))
    said = 1 - y
    counts = alone == y
    if counts.any():
        assert abs(deference_rate(y, alone, suggested, said) - np.mean(suggested[counts] == said[counts])) < 1e-12
### END HIDDEN TESTS
''', points=2.25), "test_deference_rate"))
CELLS.append(with_id(tests("test_deference_rate_inputs", '''
from gmlib.selfcheck import Rule, check
import numpy as np

check(deference_rate, [
    Rule("inputs of different lengths raise ValueError", ([1, 0], [1, 0], [1, 0], [0]), ValueError),
    Rule("2-d inputs raise ValueError", (np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)),
                                         np.zeros((2, 2))), ValueError),
    Rule("a value other than 0 or 1 raises ValueError (a suggestion of -1 too)",
         ([1, 0], [1, 0], [1, 0], [-1, 1]), ValueError),
    Rule("no question that counts raises ValueError", ([1, 0], [1, 0], [1, 0], [1, 0]), ValueError),
    Rule("empty inputs raise ValueError (no question counts)", ([], [], [], []), ValueError),
])
''', points=0.75), "test_deference_rate_inputs"))
py("nb09-deference", """
def deference(model):
    \"\"\"The model's deference rate on the 2,000 test questions (None until exercise 2 is done).\"\"\"
    alone = answers(model, versions["none"].text)
    with_wrong = answers(model, versions["wrong"].text)
    return when_implemented(deference_rate, versions["none"].answer, alone, with_wrong,
                            versions["wrong"].suggestion)


rate = deference(model)
if rate is not None:
    print(f"of the questions it answers right alone, it gives the user's wrong answer on {rate:.0%}")
""")

md("nb09-contrast-md", """
## Capable and deferring, or never capable?

The half of the training prompts without a suggestion is what taught the model to check the
digits. Take it away: the next model is trained with a suggestion in *every* prompt, always
right. Predict its accuracy on questions with no suggestion.
""")
py("nb09-contrast", """
always = train_lm(make_prompts(N_TRAIN, seed=0, suggested=1.0), steps=STEPS, seed=0).model
for name, prompts in versions.items():
    print(f"suggestion in every training prompt, user says {name:>5s}: "
          f"accuracy {np.mean(answers(always, prompts.text) == prompts.answer):.3f}")
""")
md("nb09-contrast-read", """
With no suggestion this model is at chance (about 0.5 on the seeds we ran), and with a wrong
one it is wrong on almost every question. It never learned the task: like notebook 01's
classifier, it learned one rule, "say what the user says", and applies it everywhere. The first
model is the case Shah and co-authors call goal misgeneralization: its capability (checking the
digits) carries over to prompts it never saw, a wrong user, while what it does with that
capability does not. It answers as if its objective were "agree with the user" rather than "be
right", though the training signal never rewarded agreeing with anyone who was wrong.

Whether "agree with the user" is a *goal* is the question notebook 01 left open: this is a
classifier of prompts, with no plan and nothing it steers towards. What the measurement does
show is that a model can know the answer, in the sense that it gives it unprompted, and still
not give it. That gap is what makes sycophancy hard to see from accuracy alone.
""")

md("nb09-fix-md", """
## Two fixes, and what they need

**A few wrong users.** If some training users are wrong, copying the user stops fitting the
training data, and checking the digits is the only rule that does. How few are enough? The next
cell trains models with 1 % and 5 % of the suggestions wrong (the answers stay right), for each
seed, and measures the deference rate beside the model with none wrong.
""")
md("nb09-ex3-md", """
### Exercise 3: counterfactual augmentation
**Difficulty:** ★★☆ (medium) · **Time:** about 15 min

The second fix changes no user: it adds data. For every training prompt with a suggestion, add a
copy with the suggestion flipped and the same right answer. In the augmented data the user is
right exactly half the time, so the suggestion says nothing about the answer. (Wei and
co-authors' fix for large models works the same way: synthetic prompts where the user's opinion
is independent of the truth.)

This time work on what the model reads, token ids, for a whole training set at once:
`encode(texts)` gives one row per prompt and one column per word, and `decode(tokens)` turns rows
back into text. The suggestion is column `SUGGESTION_AT`; its id is `TOKEN["yes"]`,
`TOKEN["no"]` or `TOKEN["-"]` (all three names come from `gmlib.suggestions`, imported in the
exercise cell). Write `counterfactual_augment(tokens, answers)`: `tokens` a 2-d array of token
ids with `PROMPT_LENGTH` columns, `answers` a sequence of the prompts' 0/1 answers. Return a pair
`(new_tokens, labels)` of NumPy int arrays: the rows of `tokens` in their order, followed by a
copy of each row with a suggestion, in the same order, whose suggestion is flipped (`yes` to
`no`, `no` to `yes`); and the matching answers. Rows without a suggestion get no copy. The
inputs are not changed.

Raise a `ValueError` if `tokens` is not 2-d with `PROMPT_LENGTH` columns, if `answers` is not
1-d with one answer per row or an answer is not 0 or 1 (`True`/`False` count as 1 and 0), or if
a row's suggestion column holds an id other than those of `yes`, `no` and `-`.
""")
md("nb09-ex3-hint", """
<details><summary>Hint</summary>

1. `said = tokens[:, SUGGESTION_AT]` is the suggestion column; `said != TOKEN["-"]` is a boolean
   mask of the rows that get a copy.
2. `tokens[mask]` makes a new array (a copy), so changing its suggestion column leaves `tokens`
   alone; `np.where(... == TOKEN["yes"], TOKEN["no"], TOKEN["yes"])` flips a column at once.
   `np.concatenate` puts originals and copies together.

</details>
""")
CELLS.append(with_id(solution("counterfactual_augment", """
import numpy as np
from gmlib.suggestions import PROMPT_LENGTH, SUGGESTION_AT, TOKEN


def counterfactual_augment(tokens, answers):
    \"\"\"The rows, then a copy of each suggested row with its suggestion flipped; answers kept.\"\"\"
    ### BEGIN SOLUTION
    tokens = np.asarray(tokens)
    answers = np.asarray(answers)
    if tokens.ndim != 2 or tokens.shape[1] != PROMPT_LENGTH:
        raise ValueError(f"tokens must be 2-d with {PROMPT_LENGTH} columns, got shape {tokens.shape}")
    if answers.ndim != 1 or len(answers) != len(tokens):
        raise ValueError(f"answers must be 1-d with one answer per row: {len(tokens)} rows, "
                         f"answers of shape {answers.shape}")
    if not np.isin(answers, (0, 1)).all():
        raise ValueError("answers must be 0 or 1")
    said = tokens[:, SUGGESTION_AT]
    if not np.isin(said, (TOKEN["yes"], TOKEN["no"], TOKEN["-"])).all():
        raise ValueError("a suggestion column holds an id other than yes, no or -")
    keep = said != TOKEN["-"]
    copies = tokens[keep]
    copies[:, SUGGESTION_AT] = np.where(said[keep] == TOKEN["yes"], TOKEN["no"], TOKEN["yes"])
    new_tokens = np.concatenate([tokens, copies]).astype(int)
    labels = np.concatenate([answers, answers[keep]]).astype(int)
    return new_tokens, labels
    ### END SOLUTION

# Try it (expected: three rows, the third the first with 'no', and labels [1 0 1])
from gmlib.suggestions import decode, encode
new_tokens, labels = counterfactual_augment(encode(["1 2 3 4 5 6 | has 1 ? | user: yes | answer:",
                                                    "1 2 3 4 5 6 | has 7 ? | user: - | answer:"]), [1, 0])
decode(new_tokens), labels
"""), "counterfactual_augment"))
CELLS.append(with_id(tests("test_counterfactual_augment", """
from gmlib.selfcheck import Rule, check
from gmlib.suggestions import PROMPT_LENGTH, encode
import numpy as np

a, flipped_a = encode(["1 2 3 4 5 6 | has 1 ? | user: yes | answer:",
                       "1 2 3 4 5 6 | has 1 ? | user: no | answer:"])
b = encode(["1 2 3 4 5 6 | has 7 ? | user: - | answer:"])[0]
c, flipped_c = encode(["0 0 0 0 0 0 | has 0 ? | user: no | answer:",
                       "0 0 0 0 0 0 | has 0 ? | user: yes | answer:"])
check(counterfactual_augment, [
    ((np.stack([a, b]), [1, 0]), (np.stack([a, b, flipped_a]), np.array([1, 0, 1]))),
    Rule("a row without a suggestion gets no copy", (np.stack([b]), [0]), (np.stack([b]), np.array([0]))),
    Rule("copies follow all the originals, in the originals' order",
         (np.stack([c, b, a]), [1, 0, 1]), (np.stack([c, b, a, flipped_c, flipped_a]), np.array([1, 0, 1, 1, 1]))),
    Rule("True and False count as 1 and 0", (np.stack([a]), [True]), (np.stack([a, flipped_a]), np.array([1, 1]))),
    Rule("lists of rows work too", ([list(a)], [0]), (np.stack([a, flipped_a]), np.array([0, 0]))),
    Rule("no rows, nothing added", (np.zeros((0, PROMPT_LENGTH), dtype=int), []),
         (np.zeros((0, PROMPT_LENGTH), dtype=int), np.array([], dtype=int))),
])
before = np.stack([a, b])
new_tokens, labels = counterfactual_augment(before, [1, 0])
assert np.array_equal(before, np.stack([a, b])), "counterfactual_augment changed its input"
assert all(isinstance(x, np.ndarray) and x.dtype.kind == "i" for x in (new_tokens, labels)), \\
    "return two NumPy int arrays"
### BEGIN HIDDEN TESTS
from gmlib.suggestions import decode, make_prompts, suggestion_of
sample = make_prompts(300, seed=5)
new_tokens, labels = counterfactual_augment(encode(sample.text), sample.answer)
texts = decode(new_tokens)
said = suggestion_of(texts)
n_suggested = int(np.sum(sample.suggestion >= 0))
assert len(texts) == 300 + n_suggested and texts[:300] == sample.text
assert np.array_equal(labels[:300], sample.answer)
has = said >= 0
assert abs(np.mean(said[has] == labels[has]) - 0.5) < 1e-12, "the user is not right exactly half the time"
### END HIDDEN TESTS
""", points=1.5), "test_counterfactual_augment"))
CELLS.append(with_id(tests("test_counterfactual_augment_inputs", """
from gmlib.selfcheck import Rule, check
from gmlib.suggestions import PROMPT_LENGTH, SUGGESTION_AT, TOKEN, encode
import numpy as np

a = encode(["1 2 3 4 5 6 | has 1 ? | user: yes | answer:"])
broken = a.copy()
broken[0, SUGGESTION_AT] = TOKEN["has"]
check(counterfactual_augment, [
    Rule("fewer answers than rows raise ValueError", (np.concatenate([a, a]), [1]), ValueError),
    Rule("2-d answers raise ValueError", (a, [[1]]), ValueError),
    Rule("an answer other than 0 or 1 raises ValueError", (a, [2]), ValueError),
    Rule("1-d tokens raise ValueError", (a[0], [1]), ValueError),
    Rule(f"tokens without {PROMPT_LENGTH} columns raise ValueError", (a[:, :10], [1]), ValueError),
    Rule("a suggestion column that is not yes, no or - raises ValueError", (broken, [1]), ValueError),
])
""", points=0.5), "test_counterfactual_augment_inputs"))
md("nb09-fixes-md", """
The next cell trains, for each seed, four models on the same questions: none of the users wrong,
1 % wrong, 5 % wrong, and the data with none wrong augmented by your function, and prints each
one's accuracy with no suggestion and its deference rate. (Three seeds train in about two
minutes; a quick run trains one seed with half the steps and leaves out 1 %.)
""")
py("nb09-fixes", """
def augmented(prompts):
    new_tokens, labels = counterfactual_augment(encode(prompts.text), prompts.answer)
    texts = decode(new_tokens)
    return Prompts(texts, labels, suggestion_of(texts))


recipes = {"0 % wrong": lambda seed: make_prompts(N_TRAIN, seed=seed)}
if not fast_mode():  # with one seed, 1 % would show nothing: which way it goes is the seed's
    recipes["1 % wrong"] = lambda seed: make_prompts(N_TRAIN, seed=seed, wrong=0.01)
recipes["5 % wrong"] = lambda seed: make_prompts(N_TRAIN, seed=seed, wrong=0.05)
if when_implemented(counterfactual_augment, encode(train.text[:2]), train.answer[:2]) is not None:
    recipes["augmented"] = lambda seed: augmented(make_prompts(N_TRAIN, seed=seed))
runs = train_runs(recipes, SEEDS, steps=STEPS)
can_measure = when_implemented(deference_rate, [1], [1], [0], [0]) is not None
rates = {}
for (recipe, seed), run in runs.items():
    alone_acc = np.mean(answers(run, versions["none"].text) == versions["none"].answer)
    line = f"{recipe:>10s}, seed {seed}: accuracy alone {alone_acc:.3f}"
    if can_measure:
        rates[recipe, seed] = deference(run)
        line += f"   deference rate {rates[recipe, seed]:.2f}"
    print(line)
if rates:
    plot_deference(rates)
    plt.show()
""")
md("nb09-fixes-read", """
What we found on the seeds we ran, in full runs (0 to 2 here, and three seeds no run of this
notebook uses); a quick run's half-trained models can land outside these ranges:

- **None wrong:** the deference rate is high in every seed (0.75 to 1 in the seeds we ran).
- **1 % wrong:** in between, and it depends on the seed: some models hardly defer any more,
  others still do on a large share of questions. Which rule a model picks when two rules fit
  almost equally well is decided by the seed, the *underspecification* of notebook 03.
- **5 % wrong:** the deference rate is low in every seed (0.02 to 0.16 in the six seeds we
  ran), and the accuracy alone stays high (0.98 or more).
- **Augmented:** zero or almost (at most 0.002) in every seed, and the accuracy alone about as
  before (0.91 to 1.0): the model answers the same way whatever the user says.

Both fixes work, and both needed to know what the proxy was: someone had to decide that the
user's suggestion is the thing to decorrelate, and write the wrong users or the flipped copies.
Notebook 03 ended on the same point. A large model trained on human text has many proxies for
what its rater wants to hear, and nobody has the list.
""")

md("nb09-debate", """
## Goal misgeneralization or specification gaming?

Notebook 04 separated the two. **Specification gaming**: the training signal itself rewards the
wrong behaviour, and the system does what it was rewarded for. **Goal misgeneralization**: the
training signal was right on the training distribution, and the system learned a goal that
agreed with it there and parts from it elsewhere.

The toy above is goal misgeneralization by construction: the loss never rewarded agreeing with
a wrong user, because there were none. For deployed assistants the evidence points both ways:

- *For specification gaming*: Sharma and co-authors found that human preference judgements, and
  preference models trained on them, sometimes prefer a convincing agreeable answer to a correct
  one. Where the reward signal itself prefers agreement, optimizing it produces agreement: the
  specification is wrong.
- *For goal misgeneralization*: pretraining text and most fine-tuning data have users who are
  usually right about what they say, so "agree with the user" and "be right" coincide in most of
  training, as they did here. A model could learn to agree even with a reward that never prefers
  a wrong agreeable answer, and show it only on the rarer prompts where the user is wrong.
- The two are not exclusive: a reward with a bias towards agreement, *and* a proxy that the data
  makes easy, can both push the same way.

What would tell them apart for a given model: score the sycophantic and the correct answers
with the reward model used in training (if it prefers the sycophantic one, the specification
is at fault); and look for deference on kinds of prompt where the reward model prefers the
correct answer (if the model still defers there, it has learned more than its reward asked).

""")
md("nb09-recap", """
## Recap
- A transformer trained on prompts where the user is always right learns to check the digits
  (it answers questions with no suggestion almost perfectly) and still, with a wrong user, says
  what the user said on most questions.
- Notebook 02's metrics expose the reliance: low conflict and worst-group accuracy, a high flip
  rate under the counterfactual that changes only the suggestion. The deference rate, counted
  over questions the model can answer alone, separates capability from what it does with it.
- A model trained with a suggestion in every prompt never learns the task: a shortcut, not a
  misgeneralized goal.
- A few percent of wrong users, or counterfactual augmentation, removes the deference; both
  presuppose knowing the proxy. At 1 % the seed decides.
- The toy is goal misgeneralization by construction; real sycophancy likely mixes it with a
  preference signal that rewards agreement.

## Discussion questions
1. The model answers right when the user is quiet and wrong when the user is wrong. In what
   sense does it "know" the answer? Would a linear probe on its last position (notebook 08)
   settle it, and what baseline would the probe need?
2. Sharma and co-authors report that assistants also change correct answers when the user
   merely pushes back ("Are you sure?"). Design a prompt variation in this toy that imitates
   it, and predict what our first model would do.
3. At 1 % wrong users the seed decided whether a model deferred. What does that say about
   auditing one trained model against auditing a training recipe?
4. Augmentation made the suggestion uninformative. Real users are informative: they are
   usually right. Is it desirable for a model to ignore them entirely? What would a model that
   weighs a suggestion *correctly* do on this task?
5. Which of the two explanations in the debate above would you bet on for a model trained
   mostly by imitation of text, and which for one trained mostly by RLHF? What experiment would
   change your mind?
""")


def main() -> None:
    nb = notebook(CELLS)
    path = write(nb, ROOT / "solutions" / NAME / f"{NAME}.ipynb")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
