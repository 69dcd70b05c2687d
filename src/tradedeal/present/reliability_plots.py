"""The reliability diagram of year-end probabilities: predicted against observed frequency, with
the number of projections in each bin written beside its point."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from tradedeal.present.plots import caption, legend_outside


def reliability_diagram(tables: dict[str, pd.DataFrame], *, title: str, source: str, ax=None) -> plt.Axes:
    """One line per event (``tables``: name → :func:`~tradedeal.models.forecast.reliability.reliability_table`):
    each non-empty bin's mean predicted probability against the share that happened, labelled
    with its count; the diagonal is perfect reliability."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5), layout="constrained")
    ax.plot([0, 1], [0, 1], color="#999999", lw=1, ls="--", label="perfectly reliable")
    for (name, table), marker, offset in zip(tables.items(), "os^", ((2, 6), (4, -11), (4, 8)), strict=False):
        shown = table[table["n"] > 0]
        ax.plot(shown["mean_prob"], shown["observed_freq"], marker=marker, lw=1, label=name)
        for _, row in shown.iterrows():  # each line's counts on its own side, apart from the other's
            ax.annotate(f"n={int(row['n'])}", (row["mean_prob"], row["observed_freq"]), xytext=offset,
                        textcoords="offset points", fontsize=7, rotation=45 if offset[1] > 0 else 0)
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="predicted probability (mean of the bin)",
           ylabel="observed frequency", title=title)
    legend_outside(ax)
    caption(ax, source)
    return ax
