"""The grading cache: a batch computes the course's own data and trainings once.

gmlib side: a cached result is exactly what computing gives, a changed input is computed
afresh, and a read-only cache is used without error. Grader side: the warm-up fills the cache
from the solution notebook, a student's in-kernel run reads it and cannot write it, and the
scores are those of a run without a cache.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import nbformat
import numpy as np
import torch

from autograder.course import SOLUTIONS
from autograder.inkernel import inkernel_score
from autograder.single import make_site
from autograder.warm_cache import CACHE, warm_training_cache
from gmlib.grading_cache import ENV_VAR
from gmlib.tile_data import make_splits, toggle_red
from gmlib.train_classifier import train_classifier

NB02 = "02_measuring_proxies"


def same_tiles(a, b) -> bool:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            if x.dtype != y.dtype or not np.array_equal(x, y):
                return False
        elif x != y:
            return False
    return True


def test_cached_splits_and_trainings_are_exactly_what_computing_gives(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    plain_splits = make_splits(0.8, n_train=200, n_test=60, seed=4)
    plain = train_classifier(plain_splits["train"], "cnn", epochs=1, seed=4, progress=False)
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    for _ in range(2):  # the first call stores, the second loads
        splits = make_splits(0.8, n_train=200, n_test=60, seed=4)
        assert all(same_tiles(plain_splits[k], splits[k]) for k in plain_splits)
        run = train_classifier(splits["train"], "cnn", epochs=1, seed=4, progress=False)
        assert run.losses == plain.losses and run.epoch_losses == plain.epoch_losses
        for (k, p), q in zip(plain.model.state_dict().items(), run.model.state_dict().values()):
            assert torch.equal(p, q), k
        assert not run.model.training
        assert same_tiles(toggle_red(plain_splits["balanced"], seed=1),
                          toggle_red(splits["balanced"], seed=1))
    # The pictures of the five splits and of one intervention, and one training.
    assert len(list(tmp_path.glob("tiles-*.pt"))) == 6
    assert len(list(tmp_path.glob("classifier-*.pt"))) == 1


def test_a_changed_input_is_computed_not_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    splits = make_splits(0.8, n_train=200, n_test=60, seed=4)
    first = train_classifier(splits["train"], "mlp", epochs=1, seed=4, progress=False)
    relabelled = dataclasses.replace(splits["train"], shape=splits["train"].shape[::-1].copy())
    other = train_classifier(relabelled, "mlp", epochs=1, seed=4, progress=False)
    reseeded = train_classifier(splits["train"], "mlp", epochs=1, seed=5, progress=False)
    assert first.losses != other.losses and first.losses != reseeded.losses
    assert len(list(tmp_path.glob("classifier-*.pt"))) == 3


def test_a_cache_that_cannot_be_written_is_used_without_error(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")  # unwritable even for root
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "file" / "cache"))
    assert len(make_splits(0.9, n_train=50, n_test=20, seed=1)["train"]) == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


PROBE = """
import os
folder = os.environ.get("GMLIB_GRADING_CACHE")
entries = sorted(os.listdir(folder)) if folder else []
try:
    open(os.path.join(folder, "planted.pt"), "wb").write(b"x")
    wrote = True
except OSError:
    wrote = False
print("cache entries:", len(entries), "wrote:", wrote)
"""


def test_the_warm_up_fills_the_cache_and_a_sandboxed_run_reads_it_but_cannot_write(tmp_path):
    site = make_site(tmp_path)
    assert warm_training_cache(site, NB02, SOLUTIONS, 120, 300, 4096) == ""
    entries = sorted(p.name for p in (site / CACHE).iterdir())
    # Notebook 02 in grading mode: 2 x 3 trainings in the sweep, whose MLP at correlation 1.0
    # is the notebook's first model; the tile pictures of its splits and interventions.
    assert len([e for e in entries if e.startswith("classifier-")]) == 6, entries
    assert len([e for e in entries if e.startswith("tiles-")]) >= 20, entries

    source = nbformat.read(str(SOLUTIONS / NB02 / f"{NB02}.ipynb"), as_version=4)
    submission = nbformat.from_dict(source)
    submission.cells.append(nbformat.v4.new_code_cell(PROBE))
    with_cache = inkernel_score(submission, source, SOLUTIONS / NB02, 120, 300, site=site)
    assert with_cache.error == "", with_cache.error
    printed = "".join(o.get("text", "") for o in with_cache.notebook.cells[-1].outputs)
    assert f"cache entries: {len(entries)} wrote: False" in printed, printed
    assert sorted(p.name for p in (site / CACHE).iterdir()) == entries

    bare = make_site(tmp_path / "bare")
    without = inkernel_score(source, source, SOLUTIONS / NB02, 120, 300, site=bare)
    assert without.error == "" and with_cache.scores == without.scores
    assert sum(with_cache.scores.values()) == sum(without.scores.values()) > 0


def test_no_warm_up_for_a_notebook_that_neither_draws_tiles_nor_trains_classifiers(tmp_path):
    site = make_site(tmp_path)
    assert warm_training_cache(site, "05_diversity_sweep", SOLUTIONS, 120, 300, 4096) == ""
    assert not (site / CACHE).exists()
