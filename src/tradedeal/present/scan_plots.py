"""Figures of the scanner (05_scanner): the volcano of every tested line, the headline products
seasonally adjusted as the scan sees them, and the scans at the placebo breaks. Each takes pandas
objects and ``ax=None``, returns the Axes, never calls show() (:mod:`tradedeal.present.plots`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from tradedeal.present.plots import (ARTEFACT_NOTE, adjustment_artefacts, axes_or_new, caption, date_axis,
                                     figure_caption, legend_outside, short_name, timestamps, wrap_text)

VERDICT_COLORS = {"accelerated": "#4c9a2a", "slowed": "#b03a2e", "no significant change": "#aaaaaa"}


def volcano(lines: pd.DataFrame, *, fdr: float, title: str, source: str, labels: int = 8, ax=None) -> plt.Axes:
    """Each tested line's slope change (x) against its Benjamini–Hochberg q-value (y, −log10),
    coloured by verdict; the ``labels`` most significant lines named by their description."""
    from adjustText import adjust_text

    ax = axes_or_new(ax, figsize=(10, 5.5))
    y = -np.log10(lines["q_value"].clip(lower=1e-300))
    for verdict, part in lines.groupby("verdict"):
        ax.scatter(part["slope_change"], y[part.index], s=14, color=VERDICT_COLORS.get(verdict, "#333333"),
                   label=verdict, alpha=0.8)
    ax.axhline(-np.log10(fdr), color="black", lw=0.8, linestyle=":", label=f"FDR {100 * fdr:g}%")
    ax.axvline(0, color="black", lw=0.5)
    texts = [
        ax.text(row["slope_change"], -np.log10(max(row["q_value"], 1e-300)),
                wrap_text(short_name(row.get("description"), fallback=row.get("code")), 22), fontsize=7, linespacing=1.0)
        for _, row in lines.nsmallest(labels, "q_value").iterrows()
    ]
    ax.set(title=title, xlabel="change in monthly growth at the break (log points a month)",
           ylabel="−log10 q-value")
    legend_outside(ax)
    if texts:  # labels moved apart and off the points, each joined to its point by a thin line
        ax.figure.canvas.draw()
        adjust_text(texts, x=lines["slope_change"].to_numpy(), y=y.to_numpy(), ax=ax, expand=(1.2, 1.5),
                    arrowprops={"arrowstyle": "-", "color": "#777777", "lw": 0.5})
    caption(ax, source)
    return ax


def small_multiples(observed: pd.DataFrame, adjusted: pd.DataFrame, names: dict, *, recovery_month, title: str,
                    source: str, columns: int = 3):
    """One panel per line: observed and seasonally adjusted monthly values ($m), the recovery
    month marked. Returns the figure."""
    codes = list(observed.columns)
    rows = max(1, -(-len(codes) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.6 * rows), layout="constrained", squeeze=False)
    mark = pd.Period(recovery_month, "M").to_timestamp()
    flagged = 0
    for ax, code in zip(axes.flat, codes):
        ax.plot(timestamps(observed.index), observed[code] / 1e6, color="#999999", lw=0.8, label="observed")
        ax.plot(timestamps(adjusted.index), adjusted[code] / 1e6, color="#1f5fa8", lw=1.4, label="seasonally adjusted")
        out = adjustment_artefacts(observed[code], adjusted[code])
        if out.any():
            flagged += 1
            ax.plot(timestamps(adjusted.index[out]), adjusted[code][out] / 1e6, linestyle="none", marker="x", ms=5,
                    color="#b03a2e", label="adjusted beyond any observed month")
        ax.axvline(mark, color="#b03a2e", lw=0.8, linestyle="--")
        ax.set_title(wrap_text(f"{code} {short_name(names.get(code), 60)}", 42), fontsize=8)
        ax.tick_params(labelsize=7)
        date_axis(ax)
    for ax in list(axes.flat)[len(codes):]:
        ax.set_visible(False)
    axes.flat[0].set_ylabel("$m per month", fontsize=8)
    legend = {}
    for ax in axes.flat:
        legend.update(zip(*reversed(ax.get_legend_handles_labels())))
    fig.legend(list(legend.values()), list(legend), loc="outside upper right", ncols=3, fontsize=7, frameon=False)
    fig.suptitle(title, fontsize=10, x=0.01, ha="left")  # left, apart from the legend on the right
    figure_caption(fig, f"{ARTEFACT_NOTE} {source}" if flagged else source)
    return fig


def placebo_scans(table: pd.DataFrame, *, title: str, source: str, ax=None) -> plt.Axes:
    """Discoveries of a scan at each placebo break (grey) and at the real break (coloured), from
    :func:`tradedeal.models.scan.line_model.placebo_table`."""
    ax = axes_or_new(ax)
    real = table["kind"] == "real"
    x = timestamps(pd.PeriodIndex(table["break_month"], freq="M"))
    ax.bar(x[~real.to_numpy()], table.loc[~real, "discoveries"], width=25, color="#aaaaaa",
           label="placebo break (pre-deal)")
    ax.bar(x[real.to_numpy()], table.loc[real, "discoveries"].clip(lower=0.05), width=25, color="#b03a2e",
           label="real break")
    for when, n in zip(x[real.to_numpy()], table.loc[real, "discoveries"]):
        ax.annotate(f"{n}", (when, n), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8,
                    color="#b03a2e")
    date_axis(ax)
    ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    ax.set(title=title, ylabel="lines with a significant change", xlabel="break month")
    legend_outside(ax)
    caption(ax, source)
    return ax
