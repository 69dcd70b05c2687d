"""The tracker report's charts for the question it answers: one year, or the agreement's two
years (both drawn, never 2021 alone). Each returns the figure and its alt text, which says what
is drawn and, in the two-year view, which release the drawn months come from."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from tradedeal.agreement.cumulative import TwoYears
from tradedeal.agreement.targets import BASELINE_YEAR, PRORATIONS, TWO_YEARS, YEARS
from tradedeal.agreement.tracker import HS6_RELEASE, Tracker
from tradedeal.ingest.concordance import CATEGORIES, COVERAGES, COVERED_TOTAL
from tradedeal.present import plots
from tradedeal.present.labels import label


def months_note(result: TwoYears) -> str:
    """Which figures the drawn months are, where they differ from the tables' (the revised 2020
    annual totals have no monthly split)."""
    monthly = result.window.monthly()
    drawn = monthly.loc[f"{YEARS[0]}-01":f"{YEARS[0]}-12", COVERED_TOTAL].sum()
    counted = result.table.set_index("category").loc[COVERED_TOTAL, "purchases_2020_usd"]
    sources = result.window.snapshot.sources(result.coverage)
    start = pd.Period(f"{YEARS[0]}-01", "M")
    parts = [f"{max(r.first, start)} to {min(r.last, result.as_of)}: "
             f"{HS6_RELEASE if r.source == 'census_hs6' else 'differences of the published year-to-date releases'}"
             for r in sources.itertuples() if r.first <= result.as_of and r.last >= start]
    text = "Months drawn: " + "; ".join(parts) + "."
    if abs(drawn - counted) >= 0.5e7:
        text += (f" Their {YEARS[0]} sums to ${drawn / 1e9:.2f}bn; the tables count the revised "
                 f"${counted / 1e9:.2f}bn, which has no monthly split.")
    return text


def cumulative(result: Tracker | TwoYears, *, proration: str):
    """Cumulative purchases of each goods category against its target paths: over the year asked,
    or over both years of the agreement from 2020-01. Returns ``(figure, alt)``."""
    window = result.window
    source = window.source_line()
    words = COVERAGES[window.coverage].words
    if not isinstance(result, TwoYears):
        fig = plots.cumulative_figure(window.monthly(), year=window.year, as_of=window.as_of, source=source)
        return fig, (f"Cumulative purchases in {window.year} through {window.as_of} against the three target paths, "
                     f"one panel for each goods category, $bn ({words}; the {proration} path is the tables')")
    paths = result.target_paths()
    monthly = window.monthly()
    fig, axes = plt.subplots(1, len(CATEGORIES), figsize=(14, 4.2), layout="constrained")
    for ax, category in zip(axes, CATEGORIES):
        purchases = monthly.loc[f"{YEARS[0]}-01":str(window.as_of), category]
        frame = pd.DataFrame({p: paths[p][category] for p in PRORATIONS})
        plots.cumulative_vs_target(purchases, frame, title=f"{label(category)}, {TWO_YEARS}", source="", ax=ax)
        ax.get_legend().remove()
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncols=len(names), fontsize=8, frameon=False)
    plots.figure_caption(fig, _money(f"{months_note(result)} {source}"))
    alt = (f"Cumulative purchases from 2020-01 through {window.as_of} against the two-year target paths (2020's, "
           f"then 2020's target plus 2021's), one panel for each goods category, $bn ({words}; the {proration} "
           "path is the tables')")
    return fig, alt


def monthly(result: Tracker | TwoYears):
    """Monthly covered purchases beside the same months of 2017: the year asked, or each of the
    agreement's two years in its own panel. Returns ``(figure, alt)``."""
    window = result.window
    series = window.monthly()[COVERED_TOTAL].dropna()
    words = COVERAGES[window.coverage].words
    years = YEARS if isinstance(result, TwoYears) else (window.year,)
    fig, axes = plt.subplots(1, len(years), figsize=(9 * len(years), 4), layout="constrained", squeeze=False)
    for ax, year in zip(axes[0], years):
        plots.monthly_against_baseline(series.loc[:window.as_of], year=year, source="", ax=ax,
                                       title=f"Covered goods, {year} against {BASELINE_YEAR} ($bn per month)")
    note = f"{months_note(result)} " if isinstance(result, TwoYears) else ""
    plots.figure_caption(fig, _money(note + window.source_line()))
    shown = " and ".join(map(str, years))
    return fig, (f"Monthly covered-goods purchases in {shown} through {window.as_of} against the same months of "
                 f"{BASELINE_YEAR}, $bn ({words})")


def _money(text: str) -> str:
    """Dollar signs as text, not matplotlib's maths delimiters."""
    return text.replace("$", r"\$")
