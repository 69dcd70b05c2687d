"""The tracker table: purchases to date against the agreement's targets, by category."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from tradedeal.agreement.concordance import COVERAGES, DEFAULT_COVERAGE, get_coverage
from tradedeal.agreement.targets import (
    GOODS,
    INCREMENTS_USD,
    annual_targets,
    baseline,
    check_year,
    target_path,
)
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.ingest import data

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
class Tracker:
    """A tracker table and what produced it."""

    table: pd.DataFrame
    year: int
    as_of: pd.Period
    proration: str
    coverage: str
    vintage: str
    notes: tuple[str, ...] = field(default=())

    def header(self) -> list[str]:
        """Lines that state what the table shows: period, coverage, proration, data vintage."""
        return [
            f"Phase One purchases, {self.year}, through {self.as_of} (US exports to China, USD, not seasonally adjusted)",
            f"coverage: {self.coverage} — {COVERAGES[self.coverage].description}",
            f"proration of the target within the year: {self.proration}",
            f"data: {self.vintage}",
        ]


def parse_month(value: str | pd.Period, name: str = "as_of") -> pd.Period:
    """Parse ``YYYY-MM`` (or a Period, date or timestamp) into a Period[M]; ParameterError otherwise."""
    try:
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise ValueError
        return pd.Period(value, freq="M")
    except (ValueError, TypeError):
        raise ParameterError(f"{name} must be a month YYYY-MM; got {value!r}") from None


FALLBACK_COVERAGE = "annex_6_1_ex_civil_aircraft"


def _reaching(wanted: pd.Period | None, *, root=None, vintage: str | None = None) -> tuple[str, pd.Period]:
    """The full Annex 6.1 coverage if its data reach ``wanted`` (None: the latest month of any
    data), else the published aggregates without civil aircraft; and where the full one ends."""
    last = data.available_through(DEFAULT_COVERAGE, root=root, vintage=vintage)
    return (DEFAULT_COVERAGE if wanted is not None and wanted <= last else FALLBACK_COVERAGE), last


def coverage_for_month(
    as_of: str | pd.Period | None, coverage: str | None, *, root=None
) -> tuple[str, pd.Period, list[str]]:
    """The coverage for figures through ``as_of`` (default: the latest month), and that month.

    With no coverage named, the full Annex 6.1 coverage if its data reaches ``as_of``, else the
    published aggregates without civil aircraft. Raises if ``as_of`` is outside the data.
    """
    month = None if as_of is None else parse_month(as_of)
    notes: list[str] = []
    if coverage is None:
        chosen, last = _reaching(month, root=root)
        if chosen != DEFAULT_COVERAGE:
            notes.append(f"{DEFAULT_COVERAGE} figures end in {last}; these figures use {chosen}")
    else:
        chosen = get_coverage(coverage).name
    end = data.available_through(chosen, root=root)
    month = end if month is None else month
    if month > end:
        raise DataNotAvailableError(f"as_of {month} is outside the data: {chosen} figures end in {end}")
    return chosen, month, notes


def choose_coverage(year: int, as_of: pd.Period | None, coverage: str | None, *, root=None,
                    vintage: str | None = None) -> tuple[str, list[str]]:
    """The coverage a table for ``year`` through ``as_of`` can use, and notes saying why.

    With no coverage named, the full Annex 6.1 coverage is used where the data allows it; later
    months exist only as aggregates without civil aircraft, and then that coverage is used for
    every figure in the table.
    """
    if coverage is not None:
        return get_coverage(coverage).name, []
    wanted = as_of if as_of is not None else pd.Period(f"{year}-12", "M")
    chosen, last = _reaching(wanted, root=root, vintage=vintage)
    if chosen == DEFAULT_COVERAGE:
        return chosen, []
    return chosen, [
        f"{DEFAULT_COVERAGE} figures end in {last}; every figure in this table uses {chosen} "
        "(published category aggregates without civil aircraft), including its 2017 baseline"
    ]


def tracker(
    year: int,
    as_of: str | pd.Period | None = None,
    *,
    proration: str = "seasonal",
    coverage: str | None = None,
    root=None,
    vintage: str | None = None,
) -> Tracker:
    """Purchases to date against the year's targets, for each goods category and in total.

    Parameters
    ----------
    year
        2020 or 2021.
    as_of
        Last month counted (``YYYY-MM``, within ``year``); default: the latest month in the data.
    proration
        How the annual target is spread over the months: ``annual``, ``flat`` or ``seasonal``.
    coverage
        A name from :data:`tradedeal.agreement.concordance.COVERAGES`; default: full Annex 6.1 where the
        data allows it (see :func:`choose_coverage`).
    vintage
        A data vintage (:func:`tradedeal.ingest.vintages.list_vintages`); default: the latest.

    Returns
    -------
    Tracker whose ``table`` has the columns :data:`COLUMNS`, one row per category plus
    ``covered_total``. Services (increments of $12.8bn and $25.1bn) have no monthly data and
    are named in ``notes``, never counted as zero.
    """
    check_year(year)
    month = None if as_of is None else parse_month(as_of)
    if month is not None and month.year != year:
        raise ParameterError(f"as_of must be a month of {year}; got {month}")
    chosen, notes = choose_coverage(year, month, coverage, root=root, vintage=vintage)
    monthly = data.exports_by_category(chosen, root=root, vintage=vintage)
    observed = monthly["covered_total"].dropna()
    if month is None:
        in_year = observed[observed.index.year == year]
        if in_year.empty:
            raise DataNotAvailableError(f"no {chosen} data for {year}")
        month = in_year.index.max()
    if month not in observed.index:
        raise DataNotAvailableError(
            f"as_of {month} is outside the data: {chosen} figures run {observed.index.min()} to {observed.index.max()}"
        )
    start = pd.Period(f"{year}-01", "M")
    purchases = monthly.loc[start:month, list(GOODS)].sum()
    path = target_path(monthly, year, proration=proration).loc[month]
    table = pd.DataFrame(
        {
            "category": list(GOODS),
            "coverage": chosen,
            "baseline_2017_usd": baseline(monthly).to_numpy(),
            "target_usd": annual_targets(monthly, year).to_numpy(),
            "purchases_ytd_usd": purchases.to_numpy(),
            "target_ytd_usd": path.reindex(list(GOODS)).to_numpy(),
        }
    )
    table["pct_of_ytd_target"] = 100 * table["purchases_ytd_usd"] / table["target_ytd_usd"]
    table["pct_of_annual_target"] = 100 * table["purchases_ytd_usd"] / table["target_usd"]
    services = INCREMENTS_USD[year]["services"] / 1e9
    notes.append(f"services: increment of ${services:.1f}bn in {year}; no monthly data, not tracked here (not zero)")
    if proration == "annual" and month.month != 12:
        notes.append("annual proration sets a target at year end only: year-to-date target left blank")
    return Tracker(
        table=table[list(COLUMNS)],
        year=year,
        as_of=month,
        proration=proration,
        coverage=chosen,
        vintage=data.vintage_note(chosen, root=root, vintage=vintage),
        notes=tuple(notes),
    )


def largest_uncovered(year: int, *, coverage: str = DEFAULT_COVERAGE, n: int = 20, root=None) -> pd.DataFrame:
    """The ``n`` largest codes a coverage leaves out, by their exports in ``year``.

    The check to run before trusting a baseline: a large covered product reported under a code
    the concordance misses shows up here. Columns ``hs6, value_usd, share_of_uncovered_pct``.
    """
    from tradedeal.agreement.concordance import classify, load_concordance
    from tradedeal.ingest.paths import raw_dir

    if n < 1:
        raise ParameterError(f"n must be at least 1; got {n}")
    hs6 = data.exports_hs6(root=root)
    hs6 = hs6[hs6["month"].dt.year == year]
    if hs6.empty:
        raise DataNotAvailableError(f"no HS6 data for {year}")
    codes = classify(hs6["hs6"], load_concordance(raw_dir(root) / "agreement" / "annex_6_1.csv"), coverage)
    uncovered = hs6[hs6["hs6"].map(codes["category"]) == "not_covered"]
    totals = uncovered.groupby("hs6")["value_usd"].sum().sort_values(ascending=False)
    out = totals.head(n).rename("value_usd").reset_index()
    out["share_of_uncovered_pct"] = 100 * out["value_usd"] / totals.sum()
    return out


def compare_prorations(year: int, as_of: str | pd.Period | None = None, *, coverage: str | None = None,
                       root=None) -> pd.DataFrame:
    """Year-to-date target and attainment under each proration, by category (long frame)."""
    from tradedeal.agreement.targets import PRORATIONS

    frames = []
    for proration in PRORATIONS:
        t = tracker(year, as_of, proration=proration, coverage=coverage, root=root).table
        frames.append(t[["category", "purchases_ytd_usd", "target_ytd_usd", "pct_of_ytd_target"]].assign(proration=proration))
    out = pd.concat(frames, ignore_index=True)
    return out.pivot(index="category", columns="proration", values="pct_of_ytd_target").reindex(list(GOODS))
