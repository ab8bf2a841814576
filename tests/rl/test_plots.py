"""Plots and the player draw without a display."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gmlib.rl.baselines import RandomPolicy, ShortestPathPolicy  # noqa: E402
from gmlib.rl.evaluation import evaluate  # noqa: E402
from gmlib.rl.player import EpisodePlayer, play, widgets_available  # noqa: E402
from gmlib.rl.plots import (episode_frames, frame_strip, plot_heatmap, plot_training,  # noqa: E402
                            plot_trajectory, visitation)


def test_visitation_counts_every_step():
    records = evaluate(RandomPolicy(), "gmlib/CornerLevelTest-v0", 10)
    counts = visitation(records, 7, 7)
    assert counts.sum() == sum(len(r.path) for r in records)
    assert counts[0].sum() == counts[:, 0].sum() == 0  # never inside a wall


def test_plots_draw():
    records = evaluate(ShortestPathPolicy(), "gmlib/RedDoorMazeTest-v0", 5)
    ax = plot_trajectory(records[0], "gmlib/RedDoorMazeTest-v0")
    assert len(ax.lines) >= 3
    plot_heatmap(records, "gmlib/RedDoorMazeTest-v0")
    log = [{"frames": 512 * (i + 1), "success_rate": i / 10, "mean_return": i / 20} for i in range(10)]
    assert len(plot_training(log).lines) == 2
    with pytest.raises(ValueError):
        plot_training(log, keys=["nope"])
    plt.close("all")


def test_replayed_frames_follow_the_record():
    record = evaluate(ShortestPathPolicy(), "gmlib/CornerLevelTest-v0", 1, seed=4)[0]
    import gymnasium as gym
    frames = episode_frames(gym.make("gmlib/CornerLevelTest-v0"), record)
    assert len(frames) == record.steps + 1
    assert not np.array_equal(frames[0], frames[-1])
    assert frame_strip(frames, max_frames=3).axes.__len__() == min(3, len(frames))
    plt.close("all")


def test_player_static_fallback_and_widget():
    assert not widgets_available()  # pytest is no notebook kernel
    figure = play(ShortestPathPolicy(), seed=1, goal_pos=(1, 1))
    assert isinstance(figure, plt.Figure)
    player = EpisodePlayer(ShortestPathPolicy())
    record = player.run(seed=2, goal_pos=(2, 1))
    assert record.goal_pos == (2, 1) and record.outcome == "goal"
    pytest.importorskip("ipywidgets")
    box = player.widget()
    assert len(box.children) == 4
    plt.close("all")
