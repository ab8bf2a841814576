"""A slider over the training correlation, with a static fallback; helpers for widgets.

The static sweep plot is always drawn, so the notebook shows the result when it runs
headless (nbgrader, CI, nbconvert). The slider is added only when ipywidgets can be
imported and we are not grading: a widget needs a live kernel, which a grader does not have.

The widgets work with ipywidgets 7.6 and later (Colab ships 7.7.1, and its front end does not
support 8) and with 8: they use only controls, ``observe``, ``on_click`` and
``interactive_output``, which both have with the same meaning. A front end that cannot draw a
widget (a static viewer of the notebook, or one without the widget manager) shows a line of
text that says what is missing and how to get the static picture, not ``VBox(children=...)``.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import matplotlib.pyplot as plt

from gmlib.classifiers import predict
from gmlib.plots import metric_bars, metric_curves, show_tiles
from gmlib.runmode import grading_mode

OLDEST_IPYWIDGETS = (7, 6)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # the same in ipywidgets 7 and 8


def ipywidgets_version() -> tuple[int, int] | None:
    """(major, minor) of the installed ipywidgets, or None when it cannot be imported."""
    try:
        import ipywidgets
    except ImportError:
        return None
    try:
        major, minor = ipywidgets.__version__.split(".")[:2]
        return int(major), int("".join(c for c in minor if c.isdigit()) or 0)
    except ValueError:
        return None


def interactive_available() -> bool:
    """True when a slider can be shown: ipywidgets 7.6 or later importable, and not grading."""
    if grading_mode():
        return False
    version = ipywidgets_version()
    return version is not None and version >= OLDEST_IPYWIDGETS


def live_kernel() -> bool:
    """True inside a Jupyter kernel (not a script or a plain IPython shell)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def widget_bundle(widget: Any, text: str) -> dict[str, Any]:
    """The display data of ``widget``, with ``text`` for front ends that cannot draw it."""
    return {WIDGET_VIEW: {"version_major": 2, "version_minor": 0, "model_id": widget.model_id},
            "text/plain": text}


def with_fallback(widget: Any, text: str | Callable[[], str]) -> Any:
    """Make ``widget`` display itself with ``text`` (or what ``text()`` returns when it is
    shown) as its plain-text form, in ipywidgets 7 and 8 alike; returns the widget."""
    from IPython.display import display

    def show(**_: Any) -> None:
        display(widget_bundle(widget, text() if callable(text) else text), raw=True)

    widget._ipython_display_ = show  # IPython asks for this before any other representation
    return widget


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
    display(with_fallback(widgets.VBox([slider, out]),
                          "(A slider over the training correlation goes here: it needs a live "
                          "notebook with ipywidgets. The curves above show every correlation.)"))
    return slider
