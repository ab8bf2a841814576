"""A slider over the training correlation, with a static fallback.

The static sweep plot is always drawn, so the notebook shows the result when it runs
headless (nbgrader, CI, nbconvert). The slider is added only when ipywidgets can be
imported and we are not grading: a widget needs a live kernel, which a grader does not have.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt

from gmlib.classifiers import predict
from gmlib.plots import metric_bars, metric_curves, show_tiles
from gmlib.runmode import grading_mode


def interactive_available() -> bool:
    """True when a slider can be shown: ipywidgets importable and not grading."""
    if grading_mode():
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def correlation_explorer(sweep, metrics: Sequence[str] | None = None, *, tiles=None,
                         n_tiles: int = 8):
    """Show the sweep as curves, then (when possible) a slider that looks up one correlation
    and shows its metrics as bars, averaged over seeds, and the predictions of the first
    seed's model on ``tiles`` (for example the shifted test set).

    Returns the slider widget, or None when only the static plot was shown.
    """
    metrics = list(metrics or sweep.metric_names())
    metric_curves(sweep, metrics)
    plt.show()
    if not interactive_available():
        return None

    import ipywidgets as widgets
    from IPython.display import display

    slider = widgets.SelectionSlider(options=sweep.correlations, value=sweep.correlations[-1],
                                     description="correlation", continuous_update=False)

    def show(correlation: float) -> None:
        means = sweep.mean(correlation)
        metric_bars({k: means[k] for k in metrics},
                    title=f"training correlation {correlation:.2f} "
                          f"(mean of {len(sweep.seeds)} seed(s))")
        plt.show()
        if tiles is not None:
            model = sweep.models[(correlation, sweep.seeds[0])]
            shown = tiles.subset(slice(0, n_tiles))
            show_tiles(shown, predict(model, shown.x), n=n_tiles, ncols=n_tiles)
            plt.show()

    out = widgets.interactive_output(show, {"correlation": slider})
    display(widgets.VBox([slider, out]))
    return slider
