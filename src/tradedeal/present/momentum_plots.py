"""Figures of the momentum verdict: the real estimate against its placebos, and the forest of
specifications. Each takes pandas objects and ``ax=None``, returns the Axes, never calls show()."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from tradedeal.present.plots import axes_or_new, caption, date_axis, figure_caption, legend_outside

REAL, PLACEBO = "#b03a2e", "#8c8c8c"
CONTROL_COLORS = {"none": "#333333", "uncovered": "#1f5fa8", "total_other": "#d1761b"}


def placebo_chart(placebo: pd.DataFrame, *, break_month, estimate: float, lower: float, upper: float, rank: str,
                  title: str, source: str, ax=None) -> plt.Axes:
    """Slope changes (log points a month) with their calibrated intervals at every placebo break
    (``placebo``: ``break_month, estimate, ci_lower, ci_upper, spans_tariffs``), and the real
    one at its break; the windows whose post-window spans the 2018 tariffs are drawn hollow (all
    are ranked)."""
    ax = axes_or_new(ax, figsize=(10, 4.2))
    artefact = (placebo["spans_tariffs"].astype(bool) if "spans_tariffs" in placebo
                else pd.Series(False, index=placebo.index))
    for flagged, part in placebo.groupby(artefact.to_numpy(), sort=True):
        x = pd.PeriodIndex(part["break_month"], freq="M").to_timestamp()
        ax.errorbar(x, part["estimate"],
                    yerr=[part["estimate"] - part["ci_lower"], part["ci_upper"] - part["estimate"]],
                    fmt="o", ms=3, color=PLACEBO, ecolor="#cccccc", lw=1, mfc="white" if flagged else PLACEBO,
                    label="placebo windows spanning the 2018 tariffs" if flagged
                    else "placebo breaks (data before the agreement)")
    real_x = pd.Period(break_month, "M").to_timestamp()
    ax.errorbar([real_x], [estimate], yerr=[[estimate - lower], [upper - estimate]], fmt="D", ms=6, color=REAL,
                ecolor=REAL, lw=1.5, label=f"the agreement, {break_month}: rank {rank}")
    ax.axhline(0, color="black", lw=0.8)
    date_axis(ax)
    ax.set(title=title, ylabel="change in monthly log growth", xlabel="break month")
    legend_outside(ax)
    caption(ax, source)
    return ax


#: Each control's panel of the forest, in words.
CONTROL_TITLES = {"none": "No control: the series on its own",
                  "uncovered": "Against goods outside Annex 6.1",
                  "total_other": "Against all other goods (civil aircraft included; after 2021-01, mixed releases)"}
#: Rows a forest panel holds at most before it is split (a label stays readable at 8 pt).
PANEL_ROWS = 26


def _spec_words(text: str) -> str:
    """A specification's label in words: its seasonal method named (``x13`` → ``X-13``)."""
    from tradedeal.present.labels import label

    method, _, rest = str(text).partition(" · ")
    method = {"dummies": "month effects"}.get(method, label(method) if method in ("stl", "x13") else method)
    return f"{method} · {rest}" if rest else method


def forest(table: pd.DataFrame, *, title: str, source: str):
    """Every specification's slope change with its calibrated interval, one panel per control side
    by side, one row per specification (the same row in every panel), at most :data:`PANEL_ROWS`
    rows a panel (more are split into further panels); the primary specifications in red.
    ``table`` as from :func:`tradedeal.models.momentum.specifications.specification_table`. Returns
    the figure."""
    import re

    rows = table.reset_index(drop=True)
    # a row's label without what its panel's title says (``(incl. aircraft, mixed vintages)``)
    rows["label"] = rows["label"].map(lambda text: re.sub(r"\s*\(incl\.[^)]*\)$", "", str(text)))
    controls = list(dict.fromkeys([c for c in CONTROL_COLORS if (rows["control"] == c).any()]
                                  + list(rows["control"].unique())))
    specs = list(dict.fromkeys(rows["label"]))
    chunks = [specs[i:i + PANEL_ROWS] for i in range(0, len(specs), PANEL_ROWS)]
    panels = [(control, chunk) for chunk in chunks for control in controls]
    ncols = len(controls)
    nrows = len(chunks)
    height = max(len(c) for c in chunks)
    fig, axes = plt.subplots(nrows, ncols, sharex=True, squeeze=False, layout="constrained",
                             figsize=(3.3 * ncols + 4.2, nrows * (0.24 * height + 1.0) + 1.4))
    for n, (ax, (control, chunk)) in enumerate(zip(axes.flat, panels)):
        part = rows[(rows["control"] == control) & rows["label"].isin(chunk)]
        position = {spec: len(chunk) - 1 - i for i, spec in enumerate(chunk)}
        y = part["label"].map(position).to_numpy()
        base = CONTROL_COLORS.get(control, "#333333")
        colors = [REAL if p else base for p in part["primary"]]
        ax.hlines(y, part["ci_lower"], part["ci_upper"], colors=colors, lw=1.4)
        ax.scatter(part["estimate"], y, c=colors, s=[44 if p else 16 for p in part["primary"]], zorder=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_ylim(-0.7, len(chunk) - 0.3)
        ax.set_yticks(range(len(chunk)))
        ax.grid(axis="y", color="#eeeeee", lw=0.6)
        ax.set_axisbelow(True)
        ax.set_title(_wrap_title(CONTROL_TITLES.get(control, control)), fontsize=9)
        ax.xaxis.set_major_locator(mticker.MaxNLocator(4))
        ax.tick_params(labelsize=8)
        if n % ncols == 0:
            ax.set_yticklabels([_spec_words(spec) for spec in reversed(chunk)], fontsize=8)
        else:
            ax.tick_params(axis="y", labelleft=False)
    primary = plt.Line2D([], [], color=REAL, marker="o", lw=1.4, label="primary specification")
    fig.legend(handles=[primary], loc="outside upper right", fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    axes[-1, ncols // 2].set_xlabel("change in monthly log growth after the break (calibrated 95% interval)",
                                    fontsize=8)
    figure_caption(fig, source)
    return fig


def _wrap_title(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width, break_long_words=False))
