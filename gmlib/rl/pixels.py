"""The red-door maze seen in pixels: MiniGrid's own drawing of the agent's egocentric view.

The symbolic views of ``gmlib.rl.observations`` give "door" an input channel of its own, so a
network there never has to work out what a door looks like: the object type is handed to it as
plainly as the colour. Notebook 01's classifier saw pixels instead, and in pixels the two
features are not equally easy. This module gives the red-door maze that pixel view:

* ``egocentric_pixels(level)``: the agent's 7x7 view drawn by MiniGrid's tile renderer,
  ``tile_size`` pixels per cell (8 by default: a ``(3, 56, 56)`` uint8 image, channels first);
* ``FilledDoor``: a door drawn filled with its colour (see its docstring for why), and
  ``cell_picture``, MiniGrid's tile drawing with that door;
* ``RedDoorMazePixels``: the red-door maze with that door and that view, in four variants,
  registered as ``gmlib/RedDoorMazePixels-v0`` (training: a red door, nothing else red),
  ``gmlib/RedDoorMazePixelsTest-v0`` (a blue door and a red non-door),
  ``gmlib/RedDoorMazePixelsBlueDoor-v0`` (control: a blue door, nothing red) and
  ``gmlib/RedDoorMazePixelsRedPair-v0`` (control: a red door and a red non-door);
* ``PixelCNNPolicy``: a per-tile pixel encoder in front of PPO's small CNN
  (``PPOConfig(policy="pixel_cnn")``);
* ``objects_in_wall=True``: a probe variant in which every object, not just the door, is set
  into the outer wall, so that where a thing stands no longer tells the door from the others;
  registered as ``gmlib/RedDoorMazePixelsWall-v0``, ``...WallTest-v0``, ``...WallBlueDoor-v0``
  and ``...WallRedPair-v0`` (``WALL_ENV_IDS``).

The variants share their levels: for one seed, the test level, the two controls and the
symbolic ``gmlib/RedDoorMazeTest-v0`` level (same ``size`` and ``n_distractors``) have the same
layout, and the controls differ from the test level in one thing only (the red object removed,
or the door painted red).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from minigrid.core.constants import COLORS
from minigrid.core.grid import Grid
from minigrid.core.world_object import Door, Wall
from minigrid.utils.rendering import downsample, fill_coords, highlight_img, point_in_circle, point_in_rect
from torch import nn

from gmlib.rl.levels import RedDoorMaze, _door_mission, wall_cells
from gmlib.rl.ppo import CNNPolicy, _layer

#: Pixels per grid cell in the pixel view (the agent's 7x7 view becomes 56x56).
PIXEL_TILE = 8

#: The maze's variants: which colour the door is, and whether a red non-door stands in the room.
VARIANTS: dict[str, dict[str, Any]] = {
    "train": {"door": "red", "red_proxy": False},
    "test": {"door": "blue", "red_proxy": True},
    "blue_door": {"door": "blue", "red_proxy": False},  # control: is a blue door a target at all?
    "red_pair": {"door": "red", "red_proxy": True},  # control: red door or red thing?
}

PIXEL_ENV_IDS = {
    "gmlib/RedDoorMazePixels-v0": "train",
    "gmlib/RedDoorMazePixelsTest-v0": "test",
    "gmlib/RedDoorMazePixelsBlueDoor-v0": "blue_door",
    "gmlib/RedDoorMazePixelsRedPair-v0": "red_pair",
}

#: The same four variants with every object set into the outer wall (``objects_in_wall=True``).
WALL_ENV_IDS = {
    "gmlib/RedDoorMazePixelsWall-v0": "train",
    "gmlib/RedDoorMazePixelsWallTest-v0": "test",
    "gmlib/RedDoorMazePixelsWallBlueDoor-v0": "blue_door",
    "gmlib/RedDoorMazePixelsWallRedPair-v0": "red_pair",
}


class FilledDoor(Door):
    """A closed door drawn filled with its colour, edge to edge, with a small dark handle.

    MiniGrid draws a closed door as a thin coloured frame around a black panel: at 8 pixels a
    cell the colour covers a few pixels, fewer than a ball's or a box's, and a pixel agent
    trained on it did not learn the maze at all in our probe. Filled, the door is the most
    colourful thing in the room, as notebook 01's tiles are: its colour covers most of its cell,
    and what tells it from a red ball, box or key (a full square with a handle, where a box is a
    hollow square and a ball a disc) is a difference of shape in a few pixels. Colour is then
    the cheap feature and the object type the subtle one, as the course's seed example needs.

    Only the picture changes: the door is an ordinary closed, unlocked MiniGrid door (same
    encoding, so the symbolic views see the maze's door), and walking into it ends the episode.
    MiniGrid caches its tile pictures by encoding, so this module draws the door's tile itself
    (``cell_picture``) and never hands it to MiniGrid's cache.
    """

    def __init__(self, color: str) -> None:
        super().__init__(color, is_open=False, is_locked=False)

    def render(self, img: np.ndarray) -> None:
        colour = np.array(COLORS[self.color])
        fill_coords(img, point_in_rect(0.0, 1.0, 0.0, 1.0), colour)
        fill_coords(img, point_in_circle(cx=0.75, cy=0.5, r=0.08), 0.3 * colour)


_DOOR_TILES: dict[tuple[str, bool, int], np.ndarray] = {}
_SUBDIVS = 3  # MiniGrid's supersampling, for the same anti-aliasing as its other tiles


def cell_picture(obj: Any, tile_size: int, agent_dir: int | None = None,
                 highlight: bool = False) -> np.ndarray:
    """One cell's ``(tile_size, tile_size, 3)`` picture, as MiniGrid draws it (grid lines,
    supersampling), except a ``FilledDoor``, which is drawn and cached here."""
    if not isinstance(obj, FilledDoor):
        return Grid.render_tile(obj, agent_dir=agent_dir, highlight=highlight, tile_size=tile_size)
    key = (obj.color, bool(highlight), tile_size)  # (no agent ever stands in a door)
    if key not in _DOOR_TILES:
        img = np.zeros((tile_size * _SUBDIVS, tile_size * _SUBDIVS, 3), dtype=np.uint8)
        obj.render(img)
        if highlight:
            highlight_img(img)
        _DOOR_TILES[key] = downsample(img, _SUBDIVS)
    return _DOOR_TILES[key]


def _check_tile_size(tile_size: Any) -> int:
    if isinstance(tile_size, bool) or not isinstance(tile_size, int) or not 3 <= tile_size <= 64:
        raise ValueError(f"tile_size must be an int from 3 to 64 (pixels per cell), got {tile_size!r}")
    return tile_size


def egocentric_pixels(level: Any, tile_size: int = PIXEL_TILE) -> np.ndarray:
    """The agent's egocentric view as MiniGrid draws it: ``(3, view * tile, view * tile)`` uint8.

    The view faces up, the agent at the bottom centre. Cells the agent cannot see (behind walls)
    are black without grid lines; empty floor is black with MiniGrid's grey grid lines. The agent
    itself is not drawn: it sits on the same cell of every view, and MiniGrid draws it red, which
    would put a red thing in every observation.
    """
    tile_size = _check_tile_size(tile_size)
    grid, visible = level.unwrapped.gen_obs_grid()
    n = grid.width
    img = np.zeros((n * tile_size, n * tile_size, 3), dtype=np.uint8)
    for j in range(n):
        for i in range(n):
            if visible[i, j]:
                img[j * tile_size:(j + 1) * tile_size, i * tile_size:(i + 1) * tile_size] = \
                    cell_picture(grid.get(i, j), tile_size)
    return np.ascontiguousarray(img.transpose(2, 0, 1))  # channels first, as the networks want


class RedDoorMazePixels(RedDoorMaze):
    """The red-door maze with a ``FilledDoor`` and, by default, the pixel view.

    Args:
        variant: ``"train"`` (a red door, no red non-door: the training levels), ``"test"``
            (a blue door and a red ball, box or key: the proxy), ``"blue_door"`` (the test
            level without its red object) or ``"red_pair"`` (the test level with its door red).
        obs_mode: ``"pixels"`` (default: ``egocentric_pixels``) or one of the symbolic modes
            of ``gmlib.rl.observations`` (``"full"``, ``"egocentric"``, ``"minigrid"``).
        tile_size: pixels per cell of the pixel view (3 to 64, default 8).
        objects_in_wall: ``False`` (default): the door in the outer wall, the other objects in
            the room, as in ``RedDoorMaze``. ``True``: the other objects (distractors and the
            test's red non-door) are set into the outer wall too, each in a wall cell that is
            not a corner and is walked into from the cell inside it, exactly like the door; no
            object stands in the room and no object's inside cell is a start cell. Position
            then no longer tells the door from the rest. The variants still share one layout
            (for a seed, ``test``, ``blue_door`` and ``red_pair`` differ as above), but it is
            not the symbolic maze's layout.
        Everything else as ``RedDoorMaze`` (``size``, ``n_distractors``, ``max_steps``).
    """

    def __init__(self, variant: str = "train", obs_mode: str = "pixels",
                 tile_size: int = PIXEL_TILE, objects_in_wall: bool = False, **kwargs: Any) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
        if not isinstance(objects_in_wall, (bool, np.bool_)):
            raise ValueError(f"objects_in_wall must be a bool, got {objects_in_wall!r}")
        self.objects_in_wall = bool(objects_in_wall)
        if "test" in kwargs:
            raise ValueError("choose the pixel maze's levels with variant=..., not test=...")
        self.variant = variant
        self.pixel_tile = _check_tile_size(tile_size)  # (MiniGridEnv.tile_size is for human renders)
        # The layout is the symbolic maze's test level (or training level), then changed.
        super().__init__(test=variant != "train", obs_mode=obs_mode, **kwargs)

    def _init_observation(self, obs_mode: str) -> None:
        if obs_mode != "pixels":
            super()._init_observation(obs_mode)
            return
        self.obs_mode = "pixels"
        self._grid_encoding = None
        side = self.agent_view_size * self.pixel_tile
        self.observation_space = spaces.Box(0, 255, (3, side, side), dtype=np.uint8)

    def gen_obs(self):  # overrides the symbolic observations
        if self.obs_mode == "pixels":
            return egocentric_pixels(self, self.pixel_tile)
        return super().gen_obs()

    def get_full_render(self, highlight: bool, tile_size: int) -> np.ndarray:
        """The whole level for people (``get_frame``, ``render``), with the door as drawn here."""
        img = super().get_full_render(highlight, tile_size)
        door = self.grid.get(*self.goal_pos)
        if isinstance(door, FilledDoor):  # repaint MiniGrid's picture of an ordinary door
            x, y = self.goal_pos
            lit = highlight and self.in_view(x, y)
            img[y * tile_size:(y + 1) * tile_size, x * tile_size:(x + 1) * tile_size] = \
                cell_picture(door, tile_size, highlight=lit)
        return img

    def get_pov_render(self, tile_size: int) -> np.ndarray:
        """The agent's view for people: the pixel observation, ``(H, W, 3)``."""
        return egocentric_pixels(self, tile_size).transpose(1, 2, 0)

    def _gen_room(self, width: int, height: int) -> None:
        if self.objects_in_wall:
            self._gen_wall_room(width, height)
        else:
            super()._gen_room(width, height)
        spec = VARIANTS[self.variant]
        self._put(FilledDoor(spec["door"]), self.goal_pos)
        if self.proxy_pos is not None and not spec["red_proxy"]:
            # No new random draws: the rest of the level stays as the test level had it.
            # (In the outer wall, the red object's cell goes back to being wall.)
            self.grid.set(*self.proxy_pos, Wall() if self.objects_in_wall else None)
            del self.objects[self.proxy_pos]
            self.proxy_pos = None

    def _gen_wall_room(self, width: int, height: int) -> None:
        """``RedDoorMaze._gen_room`` with every object in the outer wall (``objects_in_wall``)."""
        self.grid = Grid(width, height)
        self.grid.wall_rect(0, 0, width, height)
        self.objects = {}
        walls = wall_cells(width, height)

        def inside(pos):  # the room cell from which one walks into a wall cell
            return (min(max(pos[0], 1), width - 2), min(max(pos[1], 1), height - 2))

        # The door, drawn as RedDoorMaze draws it (repainted by _gen_room's caller).
        self.goal_pos = self._take(walls)
        self._put(FilledDoor("blue" if self.test else "red"), self.goal_pos)
        if self.test:  # the red non-door, in the wall too
            self._put_red_non_door(walls)
        else:
            self.proxy_pos = None
        self._put_distractors(walls)

        # The room stays empty; the agent never starts right in front of an object.
        fronts = {inside(pos) for pos in self.objects}
        free = [(x, y) for y in range(1, height - 1) for x in range(1, width - 1) if (x, y) not in fronts]
        self.agent_pos = self._take(free)
        self.agent_dir = int(self.np_random.integers(4))
        self.mission = _door_mission()

    def _info(self) -> dict[str, Any]:
        return {**super()._info(), "variant": self.variant}


class PixelCNNPolicy(nn.Module):
    """A per-tile pixel encoder, then PPO's small CNN on the grid of tile features.

    The first layer is a convolution whose kernel and stride are one cell (``PIXEL_TILE``
    pixels): it turns each cell's picture into a feature vector, the same weights for every
    cell, the way the symbolic view hands the CNN one vector per cell. Without it, the CNN's
    3x3 convolutions would see a third of a cell at a time and its hidden layer would need 49
    times as many inputs; with it, the pixel maze trains in about the time of the symbolic one.
    """

    def __init__(self, obs_shape: tuple[int, ...], n_actions: int, hidden: int = 64,
                 tile_features: int = 16, tile_size: int = PIXEL_TILE) -> None:
        super().__init__()
        if len(obs_shape) != 3 or obs_shape[0] != 3 or obs_shape[1] % tile_size or obs_shape[2] % tile_size:
            raise ValueError(f"PixelCNNPolicy wants (3, H, W) images with H and W multiples of "
                             f"{tile_size} (whole cells), got {tuple(obs_shape)}")
        _, height, width = obs_shape
        self.tiles = nn.Sequential(
            _layer(nn.Conv2d(3, tile_features, tile_size, stride=tile_size)), nn.ReLU())
        self.cnn = CNNPolicy((tile_features, height // tile_size, width // tile_size), n_actions, hidden)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.cnn(self.tiles(obs / 255.0))  # pixel values 0-255 -> 0-1


def register_pixel_levels() -> None:
    """Register the pixel maze's ids with Gymnasium (done on import; safe to call again)."""
    for env_id, variant in PIXEL_ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point="gmlib.rl.pixels:RedDoorMazePixels",
                         kwargs={"variant": variant})
    for env_id, variant in WALL_ENV_IDS.items():
        if env_id not in gym.registry:
            gym.register(id=env_id, entry_point="gmlib.rl.pixels:RedDoorMazePixels",
                         kwargs={"variant": variant, "objects_in_wall": True})


register_pixel_levels()
