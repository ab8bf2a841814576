"""Watch an agent play: an ipywidgets episode player, or a strip of frames without widgets.

``play(agent, seed=3)`` in a notebook shows a slider to step through the episode, a seed box,
and two boxes to put the goal anywhere and run the agent again. Outside a live notebook kernel
(a script, nbconvert), when grading, or without ipywidgets 7.6 or later, it draws a static
strip of frames. The player works with ipywidgets 7 (Colab's) and 8; a front end that cannot
draw widgets shows a line of text saying how to get the strip instead.
"""

from __future__ import annotations

import io
from typing import Any

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np

from gmlib.rl.evaluation import EpisodeRecord, make_env, run_episode
from gmlib.rl.levels import Pos
from gmlib.rl.plots import TILE, episode_frames, frame_strip


def widgets_available() -> bool:
    """True in a live Jupyter kernel with ipywidgets 7.6 or later installed, when not grading."""
    from gmlib.widgets import interactive_available, live_kernel

    return interactive_available() and live_kernel()


def _png(frame: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    plt.imsave(buffer, frame, format="png")
    return buffer.getvalue()


class EpisodePlayer:
    """Plays ``agent`` on one level at a time and keeps the frames to step through."""

    def __init__(self, agent: Any, env: str | gym.Env = "gmlib/CornerLevelTest-v0", *,
                 greedy: bool = False, tile_size: int = TILE, **env_kwargs: Any) -> None:
        self.agent, self.greedy, self.tile_size = agent, greedy, tile_size
        self.env = make_env(env, **env_kwargs)
        self.record: EpisodeRecord | None = None
        self.frames: list[np.ndarray] = []

    def run(self, seed: int = 0, goal_pos: Pos | None = None) -> EpisodeRecord:
        """Play level ``seed`` (goal moved to ``goal_pos`` if given); keep record and frames."""
        rng = np.random.default_rng(seed)
        self.record = run_episode(self.agent, self.env, seed, greedy=self.greedy, rng=rng,
                                  goal_pos=goal_pos)
        self.frames = episode_frames(self.env, self.record, self.tile_size)
        return self.record

    def _caption(self, k: int) -> str:
        r = self.record
        return (f"step {k}/{r.steps} | goal {r.goal_pos} | proxy {r.proxy_pos} | "
                f"ended at: {r.outcome} | shortest paths {r.shortest}")

    def widget(self):
        """The interactive player (needs ipywidgets)."""
        import ipywidgets as w

        from gmlib.widgets import with_fallback

        level = self.env.unwrapped
        inner_x = list(range(1, level.width - 1))
        inner_y = list(range(1, level.height - 1))
        seed_box = w.BoundedIntText(value=self.record.seed if self.record else 0, min=0,
                                    max=2**31 - 1, description="level seed")
        goal_x = w.Dropdown(options=["as drawn"] + inner_x, description="goal x")
        goal_y = w.Dropdown(options=["as drawn"] + inner_y, description="goal y")
        run_button = w.Button(description="run agent", button_style="primary")
        step = w.IntSlider(min=0, max=0, description="step", continuous_update=True)
        image = w.Image(format="png")
        caption = w.Label()

        def show(_=None):
            image.value = _png(self.frames[step.value])
            caption.value = self._caption(step.value)

        def rerun(_=None):
            goal = None
            if goal_x.value != "as drawn" and goal_y.value != "as drawn":
                goal = (goal_x.value, goal_y.value)
            try:
                self.run(seed_box.value, goal)
            except ValueError as err:  # e.g. the goal put on the agent
                caption.value = f"cannot run: {err}"
                return
            step.max, step.value = len(self.frames) - 1, 0
            show()

        step.observe(show, names="value")
        run_button.on_click(rerun)
        if self.record is None:
            self.run(seed_box.value)
        step.max = len(self.frames) - 1
        show()
        controls = [seed_box, goal_x, goal_y, run_button] if hasattr(level, "place_goal") \
            else [seed_box, run_button]
        return with_fallback(w.VBox([w.HBox(controls), step, image, caption]), lambda: (
            f"(The episode player goes here: it needs a live notebook with ipywidgets. "
            f"play(agent, seed={self.record.seed}, interactive=False) draws the episode as a "
            f"strip of frames. {self._caption(self.record.steps)})"))

    def strip(self, max_frames: int = 8) -> plt.Figure:
        """The static fallback: frames from the current episode in a row."""
        if self.record is None:
            self.run(0)
        return frame_strip(self.frames, max_frames, title=self._caption(self.record.steps))


def play(agent: Any, env: str | gym.Env = "gmlib/CornerLevelTest-v0", seed: int = 0,
         goal_pos: Pos | None = None, *, greedy: bool = False, interactive: bool | None = None,
         **env_kwargs: Any):
    """Play one episode and show it: a widget in a live notebook, else a figure of frames.

    ``interactive=None`` decides by itself; ``True`` insists on widgets (ImportError without);
    ``False`` always draws the static strip. Returns the widget or the figure.
    """
    player = EpisodePlayer(agent, env, greedy=greedy, **env_kwargs)
    player.run(seed, goal_pos)
    if interactive is None:
        interactive = widgets_available()
    return player.widget() if interactive else player.strip()
