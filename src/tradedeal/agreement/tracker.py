"""The tracker table: purchases to date against the agreement's targets, by category."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from tradedeal.agreement.targets import (
    GOODS,
    INCREMENTS_USD,
    PRORATIONS,
    annual_targets,
    baseline,
    target_path,
)
from tradedeal.agreement.window import OnWindow, Window
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.ingest.concordance import AGGREGATE_COVERAGE, COVERED_TOTAL, NOT_COVERED
from tradedeal.ingest.descriptions import NO_DESCRIPTION
from tradedeal.ingest.snapshot import Snapshot, annual

COLUMNS = (
    "category",
    "coverage",
    "baseline_2017_usd",
    "target_usd",
    "purchases_ytd_usd",
    "target_ytd_usd",
    "pct_of_ytd_target",
    "pct_of_annual_target",
)


@dataclass(frozen=True)
class Tracker(OnWindow):
    """A tracker table and the question it answers (``window``)."""

    table: pd.DataFrame
    window: Window
    proration: str
    notes: tuple[str, ...] = field(default=())

    @property
    def vintage(self) -> str:
        return self.window.citation()

    def header(self) -> list[str]:
        """Lines that state what the table shows: period, coverage, proration, data vintage."""
        short = self.window.months_counted()
        counted = f", {short}: the figures end there" if short else ""
        return [
            f"Phase One purchases, {self.year}, through {self.as_of}{counted} (US exports to China, USD, not seasonally "
            "adjusted)",
            *self.window.question()[1:],
            f"proration of the target within the year: {self.proration}",
        ]


def tracker(window: Window, *, proration: str = "seasonal") -> Tracker:
    """Purchases to date against the year's targets, for each goods category and in total.

    Parameters
    ----------
    window
        The question (:func:`tradedeal.agreement.window.select`): its ``year`` must be one the
        agreement sets targets for (2020, 2021); purchases are counted from January through
        ``as_of`` under its ``coverage``.
    proration
        How the annual target is spread over the months: ``annual``, ``flat`` or ``seasonal``.

    Returns
    -------
    Tracker whose ``table`` has the columns :data:`COLUMNS`, one row per category plus
    ``covered_total``. Services (increments of $12.8bn and $25.1bn) have no monthly data and
    are named in ``notes``, never counted as zero.
    """
    if window.year is None:
        raise ParameterError("the tracker needs a year")
    year = window.year  # a year without targets fails where its increments are looked up (targets.increments)
    if proration not in PRORATIONS:
        raise ParameterError(f"proration must be one of {', '.join(PRORATIONS)}; got {proration!r}")
    month = window.as_of
    monthly = window.monthly()
    start = pd.Period(f"{year}-01", "M")
    purchases = monthly.loc[start:month, list(GOODS)].sum()
    path = target_path(monthly, year, proration=proration).loc[month]
    table = pd.DataFrame(
        {
            "category": list(GOODS),
            "coverage": window.coverage,
            "baseline_2017_usd": baseline(monthly).to_numpy(),
            "target_usd": annual_targets(monthly, year).to_numpy(),
            "purchases_ytd_usd": purchases.to_numpy(),
            "target_ytd_usd": path.reindex(list(GOODS)).to_numpy(),
        }
    )
    table["pct_of_ytd_target"] = 100 * table["purchases_ytd_usd"] / table["target_ytd_usd"]
    table["pct_of_annual_target"] = 100 * table["purchases_ytd_usd"] / table["target_usd"]
    notes = list(window.notes)
    services = INCREMENTS_USD[year]["services"] / 1e9
    notes.append(f"services: increment of ${services:.1f}bn in {year}; no monthly data, not tracked here (not zero)")
    if proration == "annual" and month.month != 12:
        notes.append("annual proration sets a target at year end only: year-to-date target left blank")
    return Tracker(table=table[list(COLUMNS)], window=window, proration=proration, notes=tuple(notes))


def largest_uncovered(snapshot: Snapshot, year: int, *, coverage: str, n: int = 20) -> pd.DataFrame:
    """The ``n`` largest codes a coverage leaves out, by their exports in ``year``.

    The check to run before trusting a baseline: a large covered product reported under a code
    the concordance misses shows up here. Columns ``hs6, description`` (from the shipped sources,
    :meth:`Snapshot.hs6_descriptions`; :data:`NO_DESCRIPTION` where none gives one), ``value_usd,
    share_of_uncovered_pct``.
    """
    if n < 1:
        raise ParameterError(f"n must be at least 1; got {n}")
    hs6 = snapshot.exports_hs6()
    hs6 = hs6[hs6["month"].dt.year == year]
    if hs6.empty:
        raise DataNotAvailableError(f"no HS6 data for {year}")
    codes = snapshot.classify(hs6["hs6"], coverage)
    uncovered = hs6[hs6["hs6"].map(codes["category"]) == NOT_COVERED]
    totals = uncovered.groupby("hs6")["value_usd"].sum().sort_values(ascending=False)
    out = totals.head(n).rename("value_usd").reset_index()
    out.insert(1, "description", out["hs6"].map(snapshot.hs6_descriptions()).fillna(NO_DESCRIPTION))
    out["share_of_uncovered_pct"] = 100 * out["value_usd"] / totals.sum()
    return out


def compare_prorations(window: Window) -> pd.DataFrame:
    """Attainment of the year-to-date target (%) under each proration, by category."""
    frames = []
    for proration in PRORATIONS:
        t = tracker(window, proration=proration).table
        frames.append(t[["category", "purchases_ytd_usd", "target_ytd_usd", "pct_of_ytd_target"]].assign(proration=proration))
    out = pd.concat(frames, ignore_index=True)
    return out.pivot(index="category", columns="proration", values="pct_of_ytd_target").reindex(list(GOODS))


def prorations_note(window: Window) -> str:
    """What the prorations table shows: at a year end they agree, since every proration then
    asks for the whole annual target."""
    if window.as_of.month == 12:
        return (f"Through {window.as_of}, December, the three agree: each asks for the whole annual target by year "
                "end, so they differ only within the year.")
    return f"Through {window.as_of}: annual sets no target before December, so its column is blank."


#: How the HS6 lines are named where a row says which release its figures are.
HS6_RELEASE = "Census HS6 lines, pulled before the June-2021 annual revision"


def annual_by_release(window: Window) -> pd.DataFrame:
    """US exports inside and outside the coverage by calendar year through ``window.as_of``,
    each row naming its release (``release``).

    Complete years come from the HS6 lines (a year without all twelve months is left out, never
    summed). On the published aggregates' coverage, the newest release known at ``as_of`` adds
    its 2020 where it revised it and its 2021 year to date, whose not-covered figure it does not
    give (blank). Index ``year`` (text: ``2020``, ``2020 revised``, ``2021 through 2021-11``).
    """
    years = annual(window.monthly()).dropna(how="all")
    out = years.add_suffix("_usd")
    out.index = out.index.astype(str).rename("year")
    out["release"] = HS6_RELEASE
    releases = window.snapshot.category_releases()
    known = releases[releases["data_through"] <= window.as_of]
    if window.coverage != AGGREGATE_COVERAGE or known.empty:
        return out
    through = known["data_through"].max()
    newest = known[known["data_through"] == through].set_index("category")
    named = f"release with data through {through}"
    rows = {}
    revised = newest["value_2020_usd"].reindex([*GOODS, NOT_COVERED]).astype("float64")
    if "2020" in out.index and abs(revised[COVERED_TOTAL] - out.loc["2020", f"{COVERED_TOTAL}_usd"]) >= 0.5:
        rows["2020 revised"] = revised
    ytd = newest["value_2021_ytd_usd"].reindex(list(GOODS)).astype("float64")
    rows[f"2021 through {through}"] = ytd.reindex([*GOODS, NOT_COVERED])  # not covered: not a year-to-date figure
    extra = pd.DataFrame(rows).T.add_suffix("_usd").reindex(columns=out.columns[:-1])
    extra["release"] = named
    return pd.concat([out, extra]).rename_axis("year")
