"""Purchase momentum: growth measures, the pace needed to reach a target and contributions to a
change.

Every function takes a monthly series (USD, month PeriodIndex) or a tidy long frame, and
returns pandas objects; percentages are 0–100. Whether purchases sped up after the agreement,
tested, is :mod:`tradedeal.models.momentum.verdict` (the primary specification, its control, calibrated
inference and placebos) and :mod:`tradedeal.models.momentum.specifications` (every other specification).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.agreement.targets import BASELINE_YEAR
from tradedeal.errors import ParameterError
from tradedeal.models.shared import seasonal
from tradedeal.models.shared.seasonal import DEFAULT_METHOD
from tradedeal.models.shared.seasonal import monthly as _monthly


def yoy_growth(series: pd.Series) -> pd.Series:
    """Growth on the same month a year earlier, %."""
    s = _monthly(series)
    return (100 * (s / s.shift(12) - 1)).rename("yoy_pct")


def vs_baseline_month(series: pd.Series, *, baseline_year: int = BASELINE_YEAR) -> pd.Series:
    """Change on the same calendar month of the baseline year (2017 in the agreement), %."""
    s = _monthly(series)
    base = s[s.index.year == baseline_year]
    if len(base) != 12:
        raise ParameterError(f"baseline_year {baseline_year} must have twelve months in the series")
    by_month = pd.Series(base.to_numpy(), index=base.index.month)
    return (100 * (s / by_month.reindex(s.index.month).to_numpy() - 1)).rename(f"vs_{baseline_year}_pct")


def annualized_3m3m(series: pd.Series, *, adjusted: bool = True, method: str = DEFAULT_METHOD) -> pd.Series:
    """3-month over previous 3-month growth, annualized, %, of the seasonally adjusted series."""
    s = seasonal.seasonally_adjust(series, method=method) if adjusted else _monthly(series)
    three = s.rolling(3).sum()
    return (100 * ((three / three.shift(3)) ** 4 - 1)).rename("ann_3m3m_pct")


def rolling_12m(series: pd.Series, annual_target_usd: float | None = None) -> pd.DataFrame:
    """12-month rolling sum, and against an annual target run rate (%, when a target is given)."""
    s = _monthly(series)
    out = pd.DataFrame({"rolling_12m_usd": s.rolling(12).sum()})
    if annual_target_usd is not None:
        out["pct_of_target_run_rate"] = 100 * out["rolling_12m_usd"] / annual_target_usd
    return out


def required_run_rate(series: pd.Series, target_usd: float, *, year: int, as_of: str | pd.Period) -> pd.Series:
    """What must be bought per remaining month to reach a year-end target, against recent pace.

    Returns ``ytd_usd``, ``remaining_months``, ``required_per_month_usd``, ``pace_3m_usd`` and
    ``pace_6m_usd`` (average monthly purchases over the last 3 and 6 months), and the required
    rate as a multiple of each pace.
    """
    s = _monthly(series)
    month = pd.Period(as_of, "M")
    if month.year != year or month not in s.index:
        raise ParameterError(f"as_of {month} must be a month of {year} within the series")
    ytd = s.loc[pd.Period(f"{year}-01", "M") : month].sum()
    remaining = 12 - month.month
    required = (target_usd - ytd) / remaining if remaining else float("nan")
    pace3 = s.loc[:month].iloc[-3:].mean()
    pace6 = s.loc[:month].iloc[-6:].mean()
    return pd.Series(
        {
            "ytd_usd": ytd,
            "target_usd": target_usd,
            "remaining_months": remaining,
            "required_per_month_usd": required,
            "pace_3m_usd": pace3,
            "pace_6m_usd": pace6,
            "required_vs_pace_3m": required / pace3,
            "required_vs_pace_6m": required / pace6,
        },
        name=str(month),
    )


def contributions(
    frame: pd.DataFrame,
    *,
    by: str,
    base: tuple[str, str],
    current: tuple[str, str],
    value: str = "value_usd",
) -> pd.DataFrame:
    """Which groups drove the change between two periods, in USD and as shares of the change.

    Parameters
    ----------
    frame
        Tidy long frame with ``month`` (Period[M]), the group column ``by`` and ``value``.
    by
        Group column (``subcategory``, ``hs6``, ``category`` …).
    base, current
        Periods as (first month, last month), inclusive; they must have the same length.

    Returns
    -------
    One row per group, sorted by the size of its change: ``base_usd``, ``current_usd``,
    ``change_usd``, ``share_of_change_pct``; the rows add up to the total change.
    """
    spans = []
    for label, (first, last) in (("base", base), ("current", current)):
        lo, hi = pd.Period(first, "M"), pd.Period(last, "M")
        if hi < lo:
            raise ParameterError(f"{label} period ends before it starts: {lo} to {hi}")
        spans.append((lo, hi))
    if (spans[0][1] - spans[0][0]).n != (spans[1][1] - spans[1][0]).n:
        raise ParameterError("base and current periods must have the same number of months")
    for name in ("month", by, value):
        if name not in frame.columns:
            raise ParameterError(f"frame has no column {name!r}")
    sums = {}
    for label, (lo, hi) in zip(("base_usd", "current_usd"), spans):
        part = frame[(frame["month"] >= lo) & (frame["month"] <= hi)]
        sums[label] = part.groupby(by)[value].sum()
    out = pd.DataFrame(sums).fillna(0.0)
    out["change_usd"] = out["current_usd"] - out["base_usd"]
    total = out["change_usd"].sum()
    out["share_of_change_pct"] = 100 * out["change_usd"] / total if total else np.nan
    order = out["change_usd"].abs().sort_values(ascending=False).index
    return out.loc[order]


def growth_table(series: pd.Series, *, months: int = 6) -> pd.DataFrame:
    """The last ``months`` months: value and the growth measures side by side."""
    s = _monthly(series)
    table = pd.DataFrame({
        "value_usd": s,
        "yoy_pct": yoy_growth(s),
        f"vs_{BASELINE_YEAR}_pct": vs_baseline_month(s) if (s.index.year == BASELINE_YEAR).sum() == 12 else np.nan,
        "sa_usd": seasonal.seasonally_adjust(s),
        "ann_3m3m_sa_pct": annualized_3m3m(s),
    })
    return table.tail(months)


@dataclass(frozen=True)
class Drivers:
    """Contributions to the change between two periods, by sub-category and by HS6 code."""

    base: str
    current: str
    by_subcategory: pd.DataFrame
    by_hs6: pd.DataFrame


def recovery_drivers(
    subcategories: pd.DataFrame,
    hs6: pd.DataFrame,
    *,
    category: str,
    recovery_month: str | pd.Period = "2020-05",
    months: int = 6,
    baseline_year: int = BASELINE_YEAR,
) -> Drivers:
    """What drove purchases in the ``months`` from the recovery against the same months of 2017.

    ``subcategories`` is a tidy frame as from :meth:`tradedeal.ingest.snapshot.Snapshot.exports_by_subcategory`,
    ``hs6`` one with ``category`` as from :meth:`tradedeal.ingest.snapshot.Snapshot.exports_hs6_classified`;
    ``category`` may be ``covered_total`` (every covered category). The window is cut at the
    end of the HS6 data, and the base period shortened alike.
    """
    start = pd.Period(recovery_month, "M")
    end = min(start + months - 1, hs6["month"].max())
    if end < start:
        raise ParameterError(f"recovery_month {start} is after the end of the HS6 data ({hs6['month'].max()})")
    shift = (start.year - baseline_year) * 12
    base = (start - shift, end - shift)
    covered = ["agriculture", "manufactures", "energy"] if category == "covered_total" else [category]
    sub = subcategories[subcategories["category"].isin(covered)]
    codes = hs6[hs6["category"].isin(covered)]
    kw = dict(base=(str(base[0]), str(base[1])), current=(str(start), str(end)))
    return Drivers(
        base=f"{base[0]} to {base[1]}",
        current=f"{start} to {end}",
        by_subcategory=contributions(sub, by="subcategory", **kw),
        by_hs6=contributions(codes, by="hs6", **kw),
    )
