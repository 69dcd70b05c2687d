"""The tracker report's answer: the year (or both years) asked, the years side by side on one
coverage, and energy at 2017 prices, with the two or three sentences that open the report.

Comparing 2020 on ``annex_6_1`` (civil aircraft in) with 2021 on the aggregates without civil
aircraft suggests an improvement that is not there, so the side-by-side view always puts every
year on the one coverage the 2021 months allow (:func:`side_by_side`).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from tradedeal.agreement.cumulative import TwoYears, coverage_phrase, select_two_years, two_year_tracker
from tradedeal.agreement.published import Published, compare
from tradedeal.agreement.targets import PRICES, TWO_YEARS, YEARS, check_tracker_year
from tradedeal.agreement.tracker import HS6_RELEASE, Tracker, tracker
from tradedeal.agreement.volumes import PriceSplit, price_split
from tradedeal.agreement.window import Window, select
from tradedeal.errors import ParameterError
from tradedeal.ingest.concordance import COVERAGES, COVERED_TOTAL


def tracker_result(snapshot, year, as_of=None, coverage: str | None = None, *,
                   proration: str = "seasonal") -> Tracker | TwoYears:
    """The tracker for ``year`` (2020, 2021) or the two-year view (``"2020-2021"``)."""
    return _tracker_result(snapshot, check_tracker_year(year), as_of, coverage, proration)


def _tracker_result(snapshot, year: int | str, as_of, coverage: str | None, proration: str) -> Tracker | TwoYears:
    """:func:`tracker_result` for a ``year`` already checked."""
    if year == TWO_YEARS:
        return two_year_tracker(select_two_years(snapshot, as_of, coverage), proration=proration)
    return tracker(select(snapshot, year=year, as_of=as_of, coverage=coverage), proration=proration)


def tracker_at_prices(snapshot, year, as_of=None, coverage: str | None = None, *, proration: str = "seasonal",
                      prices: str = "current") -> Tracker | TwoYears | PriceSplit:
    """What ``tradedeal tracker --prices`` prints: the tracker at current prices, or at 2017
    unit values (:func:`~tradedeal.agreement.volumes.price_split`, one year only)."""
    if prices not in PRICES:
        raise ParameterError(f"prices must be one of {', '.join(PRICES)}; got {prices!r}")
    year = check_tracker_year(year)  # the one check of the year asked, before any data is read
    if prices == "current":
        return _tracker_result(snapshot, year, as_of, coverage, proration)
    if year == TWO_YEARS:
        raise ParameterError(f"prices 2017 is for one year ({', '.join(map(str, YEARS))}): quantities end with "
                             "the HS6 lines, before the last months of the two years")
    return price_split(select(snapshot, year=year, as_of=as_of, coverage=coverage), proration=proration)


def side_by_side(snapshot, *, proration: str = "seasonal") -> TwoYears:
    """Both years through the latest month, on the one coverage the 2021 months allow."""
    return two_year_tracker(select_two_years(snapshot), proration=proration)


def comparison(result: Tracker | TwoYears) -> Published | None:
    """The two-year answer beside the published tallies known at its as-of month
    (:func:`~tradedeal.agreement.published.compare`); ``None`` for one year, whose as-of month
    may come before any release."""
    return compare(result) if isinstance(result, TwoYears) else None


def energy_split(window: Window, *, proration: str = "seasonal") -> PriceSplit:
    """Energy at current and 2017 prices for the window's year, or, when its months run past
    the quantities (the HS6 lines), for the latest complete agreement year, on the same coverage."""
    end = window.snapshot.hs6_months().max()
    if window.year in YEARS and window.as_of <= end:
        return price_split(window, proration=proration)
    year = max(y for y in YEARS if pd.Period(f"{y}-12", "M") <= end)
    split = price_split(select(window.snapshot, year=year, as_of=f"{year}-12", coverage=window.coverage),
                        proration=proration)
    note = (f"{year} here is as the HS6 lines give it (they carry the quantities), pulled before the June-2021 "
            f"annual revision; the other tables count the newest release known at {window.as_of}")
    return replace(split, table=split.table.assign(release=HS6_RELEASE), notes=(*split.notes, note))


def headline_sentences(result: Tracker | TwoYears, side: TwoYears | None = None,
                       energy: PriceSplit | None = None, published: Published | None = None) -> list[str]:
    """The tracker report's two or three sentences: the answer for the year asked with its
    coverage; when ``side`` is on another coverage, the years side by side on it; else, for 2021,
    both years through the same month; and energy at 2017 prices for the year asked (the two-year view
    says its own: total and target to date, and, with ``published``, why it differs from the published
    final tallies)."""
    if isinstance(result, TwoYears):
        why = published.sentence() if published is not None else None
        return [*result.headline_sentences(), *([why] if why else [])]
    out = [tracker_sentence(result)]
    if side is not None and side.coverage != result.coverage:
        years = side.by_year()
        first = years.iloc[0]
        revised = years[years.index == "2020 (revised)"]["pct_of_target"]
        also = f" ({revised.iloc[0]:.1f} % as revised)" if len(revised) else ""
        last = years[years.index.str.startswith(str(YEARS[-1]))].iloc[0]
        out.append(f"On one coverage, {COVERAGES[side.coverage].words} (the only one with figures for {YEARS[-1]} "
                   "after January), "
                   f"2020 reached {first['pct_of_target']:.1f} % of its target{also} and {last.name} "
                   f"{last['pct_of_target_to_date']:.1f} % of the target to date")
    elif result.year == YEARS[-1]:
        both = two_year_tracker(result.window, proration=result.proration)
        out.append(both.headline_sentences()[0].replace("Over 2020-01", "Over both years, 2020-01", 1))
    if energy is not None and energy.year == result.year:
        out.append(energy.sentence())
    return out


def tracker_sentence(result: Tracker) -> str:
    """``Through 2020-12 China bought $93.7bn of covered US goods (all Annex 6.1 goods including civil
    aircraft), 58.9 % of the 2020 target``; a year its figures end before December says so."""
    t = result.table.set_index("category").loc[COVERED_TOTAL]
    short = result.window.months_counted()
    when = f"Through {result.as_of}" + (f" ({short}: the figures end there)" if short else "")
    text = (f"{when} China bought ${t['purchases_ytd_usd'] / 1e9:.1f}bn of covered US goods "
            f"({coverage_phrase(result.coverage)}), {t['pct_of_annual_target']:.1f} % of the {result.year} target")
    if result.as_of.month != 12 and pd.notna(t["pct_of_ytd_target"]):
        text += f" and {t['pct_of_ytd_target']:.1f} % of the target to date ({result.proration} proration)"
    return text
