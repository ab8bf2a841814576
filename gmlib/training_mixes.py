"""Training mixes for the red-door classifier, and the test a designed mix must pass (notebook 03).

A *training mix* says how many tiles of each (door?, red?) group a classifier is trained on.
It is a dict with the four names of ``GROUPS`` as keys; each value is a pair
``(distinct, copies)``: ``distinct`` different tiles of that group, each put into the
training set ``copies`` times. The notebook's design exercise asks for a mix, under a budget
of ``n_tiles`` training tiles (copies included) of which at most ``max_conflict`` *distinct*
tiles come from the two conflict groups (a door that is not red, a red thing that is not a
door): those are the tiles someone has to find and label, so they are the scarce ones.

``check_training_mix`` says whether a mix keeps to its budget and whether a small MLP trained
on it (always the same seeds and settings, so the verdict is deterministic) breaks the colour
proxy: conflict accuracy at least ``CONFLICT_THRESHOLD`` without losing the training
distribution (in-distribution accuracy at least ``IN_DISTRIBUTION_THRESHOLD``).
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

from gmlib.tile_data import TileSet, sample_tiles

#: The four (door?, red?) groups, by name; a mix has exactly these keys.
GROUPS: tuple[str, ...] = ("red door", "non-red door", "red non-door", "non-red non-door")
#: The groups in which colour and type disagree: the counter-examples to "red means door".
CONFLICT_GROUPS: tuple[str, ...] = ("non-red door", "red non-door")
#: What a model trained on a designed mix must reach (the notebook states both).
CONFLICT_THRESHOLD = 0.75
IN_DISTRIBUTION_THRESHOLD = 0.9
#: The most training tiles a check trains on (it must stay fast enough for grading).
MAX_TILES = 5000

# (door_fraction, p_door_red, p_nondoor_red) of sample_tiles for each group.
_DRAW = {"red door": (1.0, 1.0, 0.0), "non-red door": (1.0, 0.0, 0.0),
         "red non-door": (0.0, 0.0, 1.0), "non-red non-door": (0.0, 0.0, 0.0)}
_EPOCHS = 5          # as every training run of notebook 03
_N_EVAL = 400        # tiles in each of the two held-out sets
_EVAL_SEED = 9103    # no other split of the course draws from these seeds
_TILE_SEED = 9203


def _counts(mix: Any) -> dict[str, tuple[int, int]] | str:
    """``{group: (distinct, copies)}`` as ints, or why ``mix`` is not a well-formed mix."""
    if not isinstance(mix, dict):
        return f"the mix must be a dict with the keys {', '.join(map(repr, GROUPS))}, " \
               f"got {type(mix).__name__}"
    missing = [g for g in GROUPS if g not in mix]
    extra = [k for k in mix if k not in GROUPS]
    if missing or extra:
        return ("the mix has exactly the four group names as keys: "
                + "; ".join(([f"missing {', '.join(map(repr, missing))}"] if missing else [])
                            + ([f"unknown {', '.join(map(repr, extra))}"] if extra else [])))
    counts = {}
    for group in GROUPS:
        value = mix[group]
        if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
                isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
                for v in value):
            return (f"each value is a pair (distinct, copies) of whole numbers; "
                    f"{group!r} has {value!r}")
        distinct, copies = int(value[0]), int(value[1])
        if distinct < 0 or copies < 1:
            return (f"distinct must be >= 0 and copies >= 1; {group!r} has "
                    f"({distinct}, {copies})")
        counts[group] = (distinct, copies)
    return counts


def budget_problem(mix: Any, n_tiles: int, max_conflict: int) -> str:
    """'' when ``mix`` is a well-formed mix of exactly ``n_tiles`` training tiles (copies
    included) with at most ``max_conflict`` distinct tiles in the conflict groups; else why
    not, naming the rule."""
    counts = _counts(mix)
    if isinstance(counts, str):
        return counts
    total = sum(d * c for d, c in counts.values())
    if total != n_tiles:
        return (f"the budget is exactly {n_tiles} training tiles, copies included: this mix "
                f"has {total} (the sum of distinct * copies over the four groups)")
    conflict = sum(counts[g][0] for g in CONFLICT_GROUPS)
    if conflict > max_conflict:
        return (f"at most {max_conflict} distinct tiles in the conflict groups "
                f"({' and '.join(CONFLICT_GROUPS)}): this mix has {conflict}; copies of "
                "the same tile do not count against this limit")
    return ""


def mix_tiles(mix: dict, *, seed: int = 0) -> TileSet:
    """The training tiles of a (well-formed) mix: each group's distinct tiles, drawn with
    the usual jitter and noise, repeated ``copies`` times, groups one after another."""
    from gmlib.mitigations import concat_tiles

    parts = []
    for i, group in enumerate(GROUPS):
        distinct, copies = (int(v) for v in mix[group])
        if distinct == 0:
            continue
        door_fraction, p_door_red, p_nondoor_red = _DRAW[group]
        # Each group draws from a seed of its own, so the four groups never share tiles.
        tiles = sample_tiles(distinct, p_door_red, p_nondoor_red, door_fraction=door_fraction,
                             seed=int(np.random.SeedSequence([_TILE_SEED, seed, i])
                                      .generate_state(1)[0]))
        parts.append(tiles.subset(np.tile(np.arange(distinct), copies)))
    if not parts:
        raise ValueError("the mix has no tiles: give at least one group distinct >= 1")
    return concat_tiles(*parts)


@functools.lru_cache(maxsize=1)
def held_out_tiles() -> dict[str, TileSet]:
    """The two fixed test sets: ``conflict`` (non-red doors and red non-doors, half each)
    and ``in-distribution`` (red doors and non-red non-doors, half each)."""
    return {"conflict": sample_tiles(_N_EVAL, 0.0, 1.0, seed=_EVAL_SEED),
            "in-distribution": sample_tiles(_N_EVAL, 1.0, 0.0, seed=_EVAL_SEED + 1)}


@functools.lru_cache(maxsize=256)
def _scores(counts: tuple[tuple[int, int], ...], seed: int) -> tuple[float, float]:
    from gmlib.classifiers import predict
    from gmlib.train_classifier import train_classifier

    tiles = mix_tiles(dict(zip(GROUPS, counts)), seed=seed)
    model = train_classifier(tiles, "mlp", epochs=_EPOCHS, seed=seed, progress=False).model
    held = held_out_tiles()
    return tuple(float(np.mean(predict(model, held[k].x) == held[k].y))
                 for k in ("conflict", "in-distribution"))


def mix_scores(mix: dict, *, seed: int = 0) -> dict[str, float]:
    """Conflict and in-distribution accuracy of an MLP trained on ``mix`` (5 epochs, as in
    the notebook), on the fixed held-out tiles. Deterministic for a given ``seed``; results
    are remembered, so checking the same mix again costs nothing."""
    counts = _counts(mix)
    if isinstance(counts, str):
        raise ValueError(f"not a training mix: {counts}")
    n = sum(d * c for d, c in counts.values())
    if n == 0:
        raise ValueError("the mix has no tiles: give at least one group distinct >= 1")
    if n > MAX_TILES:
        raise ValueError(f"a mix of {n} training tiles is more than this check trains on "
                         f"({MAX_TILES}); use a smaller budget")
    conflict, in_distribution = _scores(tuple(counts[g] for g in GROUPS), int(seed))
    return {"conflict accuracy": conflict, "in-distribution accuracy": in_distribution}


def proxy_problem(mix: dict) -> str:
    """'' when a model trained on ``mix`` (a well-formed mix) breaks the proxy: conflict
    accuracy at least ``CONFLICT_THRESHOLD`` and in-distribution accuracy at least
    ``IN_DISTRIBUTION_THRESHOLD``; else what it reached."""
    scores = mix_scores(mix)
    conflict, in_dist = scores["conflict accuracy"], scores["in-distribution accuracy"]
    if conflict < CONFLICT_THRESHOLD:
        return (f"a model trained on this mix still follows colour: conflict accuracy "
                f"{conflict:.2f}, below {CONFLICT_THRESHOLD} (in-distribution {in_dist:.2f})")
    if in_dist < IN_DISTRIBUTION_THRESHOLD:
        return (f"a model trained on this mix passes the conflict set ({conflict:.2f}) but "
                f"loses the training distribution: in-distribution accuracy {in_dist:.2f}, "
                f"below {IN_DISTRIBUTION_THRESHOLD}")
    return ""


def check_training_mix(mix: Any, n_tiles: int, max_conflict: int) -> str:
    """'' when ``mix`` keeps to the budget (``budget_problem``) and a model trained on it
    breaks the colour proxy (``proxy_problem``); otherwise the first rule it breaks, in words."""
    return budget_problem(mix, n_tiles, max_conflict) or proxy_problem(mix)
