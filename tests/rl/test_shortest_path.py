"""Grid distance: the rough "how far" that notebook 06 and the checks of 04 use."""

import gymnasium as gym

from gmlib.rl.shortest_path import cells_between, shortest_path_lengths


def test_cells_between_counts_grid_steps_either_way():
    assert cells_between((1, 1), (4, 3)) == 5 == cells_between((4, 3), (1, 1))
    assert cells_between((2, 2), (2, 2)) == 0


def test_cells_between_never_exceeds_the_actions_a_level_needs():
    """Walls and turns only add actions: the BFS length is at least the grid distance."""
    env = gym.make("gmlib/RedDoorMazeTest-v0")
    for seed in range(20):
        env.reset(seed=seed)
        level = env.unwrapped
        lengths = shortest_path_lengths(env)
        for name, pos in level.targets().items():
            assert lengths[name] >= cells_between(level.agent_pos, pos), (seed, name)
