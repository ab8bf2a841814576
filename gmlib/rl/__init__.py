"""Reinforcement learning for the course: MiniGrid levels with a proxy, PPO, evaluation, plots.

Public API (import from the submodules):

* ``gmlib.rl.levels``: ``CornerLevel(size=7, randomize_fraction=0.0, max_steps=None, ...)``,
  ``CornerLevelTest``, ``RedDoorMaze(size=8, n_distractors=2, test=False, ...)``,
  ``RedDoorMazeTest``; registered as ``gmlib/CornerLevel-v0``, ``gmlib/CornerLevelTest-v0``,
  ``gmlib/RedDoorMaze-v0``, ``gmlib/RedDoorMazeTest-v0``. ``obs_mode="full"`` (fast one-hot
  grid, default), ``"egocentric"`` or ``"minigrid"``.
* ``gmlib.rl.ppo``: ``PPOConfig``, ``train(config, progress=True) -> PPOAgent``,
  ``init_agent(config)``, ``PPOAgent.act / action_probs / value / save / load``.
* ``gmlib.rl.evaluation``: ``evaluate(policy, env_id, n_episodes, seed, greedy=False, **env_kwargs)
  -> list[EpisodeRecord]``, ``run_episode``, ``outcome_rates``, ``summarize``.
* ``gmlib.rl.baselines``: ``RandomPolicy(seed)``, ``ShortestPathPolicy(target="goal")``.
* ``gmlib.rl.shortest_path``: ``shortest_path_lengths(env)``, ``shortest_path_actions(env, target)``.
* ``gmlib.rl.plots``: ``plot_trajectory``, ``plot_heatmap``, ``plot_training``, ``frame_strip``.
* ``gmlib.rl.player``: ``play(agent, env_id, seed, goal_pos=None)``, ``EpisodePlayer``.
* ``gmlib.rl.agents``: ``load_agent(fraction, seed)``, ``shipped_agents()``, ``shipped_config``.

Example::

    from gmlib.rl.agents import load_agent
    from gmlib.rl.evaluation import evaluate, outcome_rates
    agent = load_agent(0.0, seed=0)          # trained with the goal always in the corner
    records = evaluate(agent, "gmlib/CornerLevelTest-v0", n_episodes=200, seed=0)
    print(outcome_rates(records))            # mostly "proxy": it walks to the empty corner
"""

import gmlib.rl.levels  # noqa: F401  (registers the environments with Gymnasium)
import gmlib.rl.pixels  # noqa: F401  (registers the pixel red-door maze)
