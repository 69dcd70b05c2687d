"""Figures of the product-level momentum panel: the event study and the robustness forest.
Each takes pandas objects and ``ax=None``, returns the Axes, never calls show()."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from tradedeal.present.momentum_plots import REAL
from tradedeal.present.plots import axes_or_new, caption, date_axis, legend_outside

PRE, REFERENCE = "#1f5fa8", "#8c8c8c"


def event_study_chart(es: pd.DataFrame, *, title: str, source: str, ax=None) -> plt.Axes:
    """Covered × quarter coefficients (log points, against the same season of the reference year)
    with their 95 % intervals at each quarter's first month (``es`` as from
    :func:`tradedeal.models.momentum.panel.event_study`), the reference quarters hollow at zero, the break
    and the 2018-07 tariff step marked."""
    ax = axes_or_new(ax, figsize=(10, 4.2))
    x = pd.PeriodIndex(es["first_month"], freq="M").to_timestamp()
    brk = pd.Period(es.attrs.get("break_month", "2020-02"), "M")
    post = np.asarray(x >= brk.to_timestamp())
    ref = es["reference"].to_numpy(dtype=bool)
    for mask, color, label in ((~post & ~ref, PRE, "before the break"), (post, REAL, "from the break")):
        part = es[mask]
        ax.errorbar(x[mask], part["estimate"], yerr=[part["estimate"] - part["ci_lower"],
                                                    part["ci_upper"] - part["estimate"]],
                    fmt="o", ms=4, color=color, ecolor=color, lw=1, alpha=0.9, label=label)
    ax.plot(x[ref], es.loc[ref, "estimate"], "o", ms=5, mfc="white", color=REFERENCE,
            label="reference year (set to 0)")
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(brk.to_timestamp(), color=REAL, ls="--", lw=1, label=f"entry into force ({brk})")
    ax.axvline(pd.Timestamp("2018-07-01"), color="#555555", ls=":", lw=1, label="China's tariffs (2018-07)")
    date_axis(ax)
    ax.set(title=title, ylabel="covered vs control, log points", xlabel="quarter (first month)")
    legend_outside(ax)
    caption(ax, f"{source.rstrip('.')}. Pre-trend test (quarters -6, -5, after the tariff step): p = "
                f"{es.attrs.get('pretrend_p', float('nan')):.3f}; all pre-period quarters: p = "
                f"{es.attrs.get('pre_all_p', float('nan')):.3f}. Intervals clustered by product.")
    return ax


def robustness_forest(table: pd.DataFrame, parameter: str, *, title: str, source: str, ax=None) -> plt.Axes:
    """One row per robustness specification of ``parameter`` (``table`` as from
    :func:`tradedeal.models.momentum.panel_robustness.robustness`), the answer as given in red; the
    other weighting's row is left out (another question, on another scale: see the table)."""
    rows = table[table["parameter"] == parameter]
    answered = rows.loc[rows["specification"] == "as answered", "weights"].iloc[0]
    rows = rows[rows["weights"] == answered].reset_index(drop=True)  # the other weighting asks another question
    ax = axes_or_new(ax, figsize=(11, 0.3 * len(rows) + 1.6))
    y = np.arange(len(rows))[::-1]
    colors = [REAL if s == "as answered" else "#333333" for s in rows["specification"]]
    ax.hlines(y, rows["ci_lower"], rows["ci_upper"], colors=colors, lw=1.2)
    ax.scatter(rows["estimate"], y, c=colors, s=20, zorder=3)
    labels = [_short(s) if np.isnan(sh) else f"{_short(s)}; share {100 * sh:.0f} %".replace("-0 %", "0 %")
              for s, sh in zip(rows["specification"], rows["share_of_effect"])]
    ax.set_yticks(y, labels, fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    unit = "log points" if parameter == "level" else "log points a month"
    ax.set(title=title, xlabel=f"{parameter} change, {unit} (95% interval)", ylabel="")
    caption(ax, source)
    return ax


def _short(text: str, width: int = 48) -> str:
    """A specification's label cut to ``width`` characters (descriptions of HS lines run long)."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
