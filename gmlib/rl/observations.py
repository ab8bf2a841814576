"""Observations for the course's MiniGrid levels.

MiniGrid's default observation is the agent's egocentric 7x7 view, recomputed every step by
ray-casting visibility; that costs most of the step time. The levels here are small and fully
observed, so the default here is a *fixed full-grid encoding*: one image of the whole level,
one-hot in three groups of channels (object type, colour, state), shape ``(C, height, width)``.

Two details matter for learning:

* MiniGrid encodes an empty cell with colour index 0, which is also "red". Left as it is, every
  empty floor cell would look red, and "red" would stop being a feature of the door. The colour
  channels are therefore masked to cells that hold an object (walls, doors, keys, ...).
* Objects do not move during an episode in these levels (walking into one ends it), so the
  encoding of the grid is computed once per reset and each step only redraws the agent.
"""

from __future__ import annotations

import numpy as np
from gymnasium import spaces
from minigrid.core.constants import COLOR_TO_IDX, OBJECT_TO_IDX

#: Observation modes a level accepts.
OBS_MODES = ("full", "egocentric", "minigrid")

N_TYPES = len(OBJECT_TO_IDX)  # unseen, empty, wall, floor, door, key, ball, box, goal, lava, agent
N_COLORS = len(COLOR_TO_IDX)  # red, green, blue, purple, yellow, grey
N_STATES = 4  # door open/closed/locked, or the agent's direction 0-3
N_CHANNELS = N_TYPES + N_COLORS + N_STATES

_NO_OBJECT = (OBJECT_TO_IDX["unseen"], OBJECT_TO_IDX["empty"])
_AGENT = OBJECT_TO_IDX["agent"]


def one_hot_encoding(encoded: np.ndarray) -> np.ndarray:
    """One-hot a MiniGrid ``(width, height, 3)`` encoding into ``(C, height, width)`` uint8.

    Channels: ``N_TYPES`` object types, then ``N_COLORS`` colours (zero on cells without an
    object, so that empty floor is not "red"), then ``N_STATES`` states.
    """
    types, colors, states = (encoded[..., k].T for k in range(3))  # each (height, width)
    height, width = types.shape
    out = np.zeros((N_CHANNELS, height, width), dtype=np.uint8)
    rows, cols = np.indices((height, width))
    out[types, rows, cols] = 1
    has_object = ~np.isin(types, _NO_OBJECT) & (types != _AGENT)
    out[N_TYPES + colors[has_object], rows[has_object], cols[has_object]] = 1
    out[N_TYPES + N_COLORS + states, rows, cols] = 1
    return out


def observation_space(obs_mode: str, width: int, height: int, view_size: int) -> spaces.Space:
    """The Gymnasium space of a level's observation in ``obs_mode``."""
    if obs_mode == "full":
        return spaces.Box(0, 1, (N_CHANNELS, height, width), dtype=np.uint8)
    if obs_mode == "egocentric":
        return spaces.Box(0, 1, (N_CHANNELS, view_size, view_size), dtype=np.uint8)
    raise ValueError(f"obs_mode must be one of {OBS_MODES}, got {obs_mode!r}")


class GridObservationMixin:
    """Give a ``MiniGridEnv`` subclass the fast full-grid observation (or an egocentric one).

    Put it before ``MiniGridEnv`` in the bases and call ``_init_observation(obs_mode)`` at the
    end of ``__init__``. ``obs_mode``:

    * ``"full"``: the whole level, one-hot, agent drawn as type "agent" with its direction as
      state (the fast path);
    * ``"egocentric"``: MiniGrid's 7x7 view in front of the agent, one-hot the same way;
    * ``"minigrid"``: MiniGrid's own dictionary observation, untouched (for comparisons).

    Anything that changes the grid after reset must call ``invalidate_observation()``.
    """

    obs_mode: str = "full"

    def _init_observation(self, obs_mode: str) -> None:
        if obs_mode not in OBS_MODES:
            raise ValueError(f"obs_mode must be one of {OBS_MODES}, got {obs_mode!r}")
        self.obs_mode = obs_mode
        self._grid_encoding: np.ndarray | None = None
        if obs_mode != "minigrid":
            self.observation_space = observation_space(
                obs_mode, self.width, self.height, self.agent_view_size
            )

    def invalidate_observation(self) -> None:
        """Forget the cached grid encoding (call after moving or adding objects)."""
        self._grid_encoding = None

    def gen_obs(self):  # overrides MiniGridEnv.gen_obs
        if self.obs_mode == "minigrid":
            return super().gen_obs()
        if self.obs_mode == "egocentric":
            grid, vis_mask = self.gen_obs_grid()
            return one_hot_encoding(grid.encode(vis_mask))
        if self._grid_encoding is None:
            self._grid_encoding = one_hot_encoding(self.grid.encode())
        obs = self._grid_encoding.copy()
        x, y = self.agent_pos
        obs[:, y, x] = 0
        obs[_AGENT, y, x] = 1
        obs[N_TYPES + N_COLORS + self.agent_dir, y, x] = 1
        return obs
