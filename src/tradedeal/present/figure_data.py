"""The data a figure plots, as text: saved with the figure in the report, so that a changed point
of a chart shows in the report's outputs (and fails its notebook test) like a changed table cell.

:func:`plotted_data` reads a drawn matplotlib figure, not the frames behind it: lines, scatter
points, bars, shaded bands and spans, each row ``axes | series | x | y`` in the figure's own
units (dates as ``YYYY-MM-DD``). ``plots.show`` puts it in the figure output's ``text/plain``,
which a reader's notebook or HTML report does not show (the image is shown) and nbval compares.
"""

from __future__ import annotations

import numpy as np

HEADER = "Plotted data (axes | series | x | y):"


def _number(value: float) -> str:
    """A plotted value with 6 significant digits, always with a decimal point or an exponent (so
    a tolerance can apply to it: a whole number would compare exactly)."""
    if not np.isfinite(value):
        return "nan"
    text = f"{value:.6g}"
    return text if any(c in text for c in ".en") else text + ".0"


def _x_formatter(ax):
    """Dates for a date axis (matplotlib's date numbers), else numbers."""
    import matplotlib.dates as mdates

    getter = getattr(ax.xaxis, "get_converter", None)
    converter = getter() if getter else getattr(ax.xaxis, "converter", None)
    if isinstance(converter, (mdates.DateConverter, mdates._SwitchableDateConverter)):
        return lambda x: mdates.num2date(x).strftime("%Y-%m-%d") if np.isfinite(x) else "nan"
    return _number


def _label(artist, kind: str, i: int) -> str:
    label = str(artist.get_label() or "")
    return label if label and not label.startswith("_") else f"({kind} {i})"


def _rows(ax):
    """``(series, xy array)`` for each drawn artist of ``ax`` that carries data."""
    from matplotlib.collections import LineCollection, PathCollection, PolyCollection
    from matplotlib.patches import Polygon, Rectangle

    for i, line in enumerate(ax.get_lines()):
        xy = np.asarray(line.get_xydata(), dtype=float)
        if len(xy):
            yield _label(line, "line", i), xy
    for i, coll in enumerate(ax.collections):
        if isinstance(coll, PathCollection):  # scatter
            xy = np.asarray(coll.get_offsets(), dtype=float)
        elif isinstance(coll, LineCollection):  # error bars
            xy = np.concatenate([np.asarray(s, dtype=float) for s in coll.get_segments()] or [np.empty((0, 2))])
        elif isinstance(coll, PolyCollection):  # a shaded band: its outline
            xy = np.concatenate([p.vertices for p in coll.get_paths()] or [np.empty((0, 2))])
        else:
            continue
        if len(xy):
            yield _label(coll, "collection", i), xy
    from matplotlib.container import BarContainer

    labelled = set()
    for i, container in enumerate(c for c in ax.containers if isinstance(c, BarContainer)):
        labelled |= {id(p) for p in container.patches}
        xy = np.array([[b.get_x() + b.get_width() / 2, b.get_height()] if b.get_width() >= 0 else
                       [b.get_x(), b.get_height()] for b in container.patches], dtype=float)
        if container.orientation == "horizontal":  # barh: the bar's length is its width
            xy = np.array([[b.get_width(), b.get_y() + b.get_height() / 2] for b in container.patches], dtype=float)
        if len(xy):
            yield _label(container, "bars", i), xy
    for i, bar in enumerate(p for p in ax.patches if isinstance(p, Rectangle) and id(p) not in labelled):
        yield _label(bar, "bar", i), np.array([[bar.get_x() + bar.get_width() / 2, bar.get_height()]])
    for i, poly in enumerate(p for p in ax.patches if isinstance(p, Polygon)):  # spans
        yield _label(poly, "span", i), np.asarray(poly.get_xy(), dtype=float)


def plotted_data(fig) -> str:
    """Every plotted point of ``fig``, one line each: ``axes | series | x | y``, axes numbered
    from 1 in drawing order (their titles listed first)."""
    lines = [HEADER]
    for n, ax in enumerate(fig.get_axes(), start=1):
        if not ax.has_data():
            continue
        lines.append(f"axes {n}: {ax.get_title() or '(no title)'}")
        fmt_x = _x_formatter(ax)
        for series, xy in _rows(ax):
            lines.extend(f"{n} | {series} | {fmt_x(x)} | {_number(y)}" for x, y in xy)
    return "\n".join(lines)
