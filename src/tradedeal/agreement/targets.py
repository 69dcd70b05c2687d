"""The agreement's purchase targets: 2017 baseline, committed increments, monthly target paths.

Article 6.2 and Annex 6.1: over 2020–2021 China purchases US goods and services at least
$200bn above the 2017 level, in committed annual increments per category. A year's target is
its 2017 baseline plus that year's increment; the baseline, and so the target, depends on the
coverage of the figures it is computed from.
"""

from __future__ import annotations

import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.ingest.concordance import CATEGORIES, COVERED_TOTAL

BASELINE_YEAR = 2017
#: Committed increments above the 2017 baseline, USD (Annex 6.1 of the agreement).
INCREMENTS_USD: dict[int, dict[str, float]] = {
    2020: {"manufactures": 32.9e9, "agriculture": 12.5e9, "energy": 18.5e9, "services": 12.8e9},
    2021: {"manufactures": 44.8e9, "agriculture": 19.5e9, "energy": 33.9e9, "services": 25.1e9},
}
YEARS = tuple(INCREMENTS_USD)
#: The agreement's two years, as the tracker names them (``tradedeal tracker --year 2020-2021``).
TWO_YEARS = f"{YEARS[0]}-{YEARS[-1]}"
#: How purchases are valued: current US dollars, or quantities at their 2017 unit values.
PRICES = ("current", "2017")
PRORATIONS = ("annual", "flat", "seasonal")
GOODS = (*CATEGORIES, COVERED_TOTAL)


def check_year(year: int) -> int:
    """Return ``year`` if the agreement sets targets for it, else raise ParameterError."""
    if year not in INCREMENTS_USD:
        raise ParameterError(
            f"year must be one of {', '.join(map(str, YEARS))}: the agreement sets no purchase targets for {year}"
        )
    return year


def check_tracker_year(year) -> int | str:
    """A year the tracker answers: 2020, 2021 (as :func:`check_year`) or :data:`TWO_YEARS`."""
    if isinstance(year, str) and year.strip() == TWO_YEARS:
        return TWO_YEARS
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if isinstance(year, bool) or not isinstance(year, int):
        raise ParameterError(f"year must be one of {', '.join(map(str, YEARS))} or {TWO_YEARS}; got {year!r}")
    return check_year(year)


def increments(year: int) -> pd.Series:
    """Goods increments for ``year`` by category, with their ``covered_total``, in USD."""
    inc = pd.Series({c: INCREMENTS_USD[check_year(year)][c] for c in CATEGORIES}, dtype="float64")
    inc[COVERED_TOTAL] = inc.sum()
    return inc


def baseline(monthly: pd.DataFrame) -> pd.Series:
    """2017 purchases by category (and ``covered_total``) from a monthly category frame."""
    year = monthly.loc[monthly.index.year == BASELINE_YEAR, list(GOODS)]
    if len(year) != 12 or year.isna().any().any():
        raise ParameterError("baseline needs all twelve months of 2017 in the monthly data")
    return year.sum()


def annual_targets(monthly: pd.DataFrame, year: int) -> pd.Series:
    """Year-end targets: 2017 baseline + the year's increment, by category and in total."""
    return baseline(monthly) + increments(year)


def target_path(monthly: pd.DataFrame, year: int, *, proration: str = "seasonal") -> pd.DataFrame:
    """Cumulative (year-to-date) target for each month of ``year``, by category.

    Parameters
    ----------
    monthly
        Monthly category frame (as from :meth:`tradedeal.ingest.snapshot.Snapshot.exports_by_category`) covering 2017.
    year
        2020 or 2021.
    proration
        ``annual``: the target applies at year end only (earlier months missing);
        ``flat``: one twelfth a month;
        ``seasonal``: each month weighted by its share of the category's 2017 purchases.
        ``covered_total`` is the sum of the category paths.
    """
    if proration not in PRORATIONS:
        raise ParameterError(f"proration must be one of {', '.join(PRORATIONS)}; got {proration!r}")
    target = annual_targets(monthly, year)[list(CATEGORIES)]
    months = pd.period_range(f"{year}-01", f"{year}-12", freq="M", name="month")
    if proration == "annual":
        share = pd.DataFrame(float("nan"), index=months, columns=list(CATEGORIES))
        share.iloc[-1] = 1.0
    elif proration == "flat":
        share = pd.DataFrame({c: [(m + 1) / 12 for m in range(12)] for c in CATEGORIES}, index=months)
    else:
        base = monthly.loc[monthly.index.year == BASELINE_YEAR, list(CATEGORIES)]
        share = (base.cumsum() / base.sum()).set_axis(months)
    path = share * target
    path[COVERED_TOTAL] = path[list(CATEGORIES)].sum(axis=1, min_count=len(CATEGORIES))
    return path
