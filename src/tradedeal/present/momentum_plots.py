"""Figures of the momentum verdict: the real estimate against its placebos, and the forest of
specifications. Each takes pandas objects and ``ax=None``, returns the Axes, never calls show()."""

from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from tradedeal.present.plots import axes_or_new, caption, date_axis, legend_outside

REAL, PLACEBO = "#b03a2e", "#8c8c8c"
CONTROL_COLORS = {"none": "#333333", "uncovered": "#1f5fa8", "total_other": "#d1761b"}
CONTROL_LABELS = {"total_other": "total_other (incl. civil aircraft; after 2021-01, mixed vintages)"}


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
                ecolor=REAL, lw=1.5, label=f"the agreement, {break_month} (rank {rank})")
    ax.axhline(0, color="black", lw=0.8)
    date_axis(ax)
    ax.set(title=title, ylabel="change in monthly log growth", xlabel="break month")
    legend_outside(ax)
    caption(ax, source)
    return ax


def forest(table: pd.DataFrame, *, title: str, source: str, ax=None) -> plt.Axes:
    """Every specification's slope change with its calibrated interval, one row each, grouped by
    control (``table`` as from :func:`tradedeal.models.momentum.specifications.specification_table`);
    the primary specifications are drawn in red."""
    rows = table.reset_index(drop=True)
    ax = axes_or_new(ax, figsize=(14, 0.17 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    colors = [REAL if p else CONTROL_COLORS.get(c, "#333333") for c, p in zip(rows["control"], rows["primary"])]
    ax.hlines(y, rows["ci_lower"], rows["ci_upper"], colors=colors, lw=1.2)
    ax.scatter(rows["estimate"], y, c=colors, s=[36 if p else 12 for p in rows["primary"]], zorder=3,
               marker="o")
    ax.set_yticks(y, [f"{c} · {lab}" for c, lab in zip(rows["control"], rows["label"])], fontsize=6)
    ax.axvline(0, color="black", lw=0.8)
    for control, color in CONTROL_COLORS.items():
        if (rows["control"] == control).any():
            ax.plot([], [], color=color, marker="o", lw=1.2, label=f"control: {CONTROL_LABELS.get(control, control)}")
    ax.plot([], [], color=REAL, marker="o", lw=1.2, label="primary specification")
    ax.set(title=title, xlabel="change in monthly log growth after the break (calibrated 95% interval)", ylabel="")
    ax.set_ylim(-1, len(rows))
    ax.xaxis.set_major_locator(mticker.MaxNLocator(5))
    legend_outside(ax)
    caption(ax, source)
    return ax
