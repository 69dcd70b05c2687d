"""Purchases at 2017 prices: the quantities of the energy lines valued at their 2017 unit values.

Census reports a quantity only for energy lines (crude oil in barrels, LNG in cubic metres, coal
and petroleum coke in tonnes, methanol in litres); agriculture and manufactures have no
quantities in this data, so their purchases are known at current prices only. Valuing each HS6
line's quantity at its own 2017 unit value (a fixed-base volume, HS6 by HS6) splits a change in
value into volume and price, and the energy shortfall against the target likewise::

    value - value_2017   = (qty * uv_2017 - value_2017) + (value - qty * uv_2017)
                              volume                       price
    target - value       = (target - qty * uv_2017)     + (qty * uv_2017 - value)

A line whose quantity is missing, reported in another unit than in 2017, or whose unit value
moves beyond :data:`UNIT_BREAK` times its 2017 one (propane and butane: labelled barrels, yet 4-6
times 2017's unit value in 2019-2020, then labelled cubic metres in 2021) has no volume at 2017
prices: its value counts at current prices in both columns and the notes name it, never
converted or imputed. docs/volumes.md gives the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradedeal.agreement.targets import BASELINE_YEAR, GOODS
from tradedeal.agreement.tracker import tracker
from tradedeal.agreement.window import OnWindow, Window
from tradedeal.errors import DataNotAvailableError
from tradedeal.ingest.concordance import COVERED_TOTAL

#: What a table says of the categories Census gives no quantities for.
NO_QUANTITIES = "no quantities in this data"


def unit_values(hs6: pd.DataFrame, year: int = BASELINE_YEAR) -> pd.DataFrame:
    """Each HS6 line's unit value in ``year``: its value over its quantity, summed over the
    months with a value, a quantity and a unit (a month without shipments has no quantity).

    ``hs6`` has ``month, hs6, value_usd, qty, qty_unit``. Returns ``qty_unit`` and
    ``usd_per_unit`` by ``hs6``; a line whose unit changes within the year is left out.
    """
    rows = _with_quantity(hs6[hs6["month"].dt.year == year])
    grouped = rows.groupby("hs6")
    units = grouped["qty_unit"].nunique()
    out = pd.DataFrame({"qty_unit": grouped["qty_unit"].first(),
                        "usd_per_unit": grouped["value_usd"].sum() / grouped["qty"].sum()})
    return out[units == 1]


def _with_quantity(hs6: pd.DataFrame) -> pd.DataFrame:
    return hs6[hs6["qty_unit"].notna() & (hs6["qty"] > 0) & (hs6["value_usd"] > 0)]


#: An annual unit value this many times the 2017 one (or as small as its inverse) is read as a
#: change of the quantity's unit, not of price: propane and butane move from barrels to cubic
#: metres (a factor of 6.29 in volume) while the API still labels them BBL (PROVENANCE.md).
UNIT_BREAK = 3.0


def at_base_prices(hs6: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """``hs6`` rows with ``value_at_2017_prices_usd``: the quantity at the line's 2017 unit value
    where it can be (``comparable``), else the value at current prices.

    A row is not comparable when it has no quantity, a unit other than the line's 2017 unit, or
    when its line's unit value over the year is beyond :data:`UNIT_BREAK` times the 2017 one
    (``ratio_to_2017``: a change of unit the label does not show).
    """
    out = hs6.join(base.rename(columns={"qty_unit": "unit_2017"}), on="hs6")
    out["comparable"] = (out["qty_unit"] == out["unit_2017"]).fillna(False) & (out["qty"] > 0)
    year = out["month"].dt.year
    shipped = out["comparable"] & (out["value_usd"] > 0)
    keys = [out["hs6"], year]
    uv = (out["value_usd"].where(shipped, 0).groupby(keys).transform("sum")
          / out["qty"].where(shipped, 0).groupby(keys).transform("sum"))
    out["ratio_to_2017"] = uv / out["usd_per_unit"]
    out["comparable"] &= out["ratio_to_2017"].between(1 / UNIT_BREAK, UNIT_BREAK)
    out["comparable"] |= out["value_usd"] == 0  # no shipment: zero at any price
    at_base = out["qty"] * out["usd_per_unit"]
    out["value_at_2017_prices_usd"] = at_base.where(out["comparable"] & (out["value_usd"] > 0), out["value_usd"])
    return out.drop(columns=["unit_2017", "usd_per_unit"])


@dataclass(frozen=True)
class PriceSplit(OnWindow):
    """Purchases to date at current and at 2017 prices, with the split of each shortfall."""

    table: pd.DataFrame
    window: Window
    proration: str
    notes: tuple[str, ...] = field(default=())

    def header(self) -> list[str]:
        return [
            f"Phase One purchases, {self.year}, through {self.as_of}, at current prices and at 2017 unit values "
            "(energy lines with Census quantities; US exports to China, USD)",
            *self.window.question()[1:],
            f"proration of the target within the year: {self.proration}",
        ]

    def rows(self) -> pd.DataFrame:
        """The table indexed by row (a category, or ``energy / <sub-category>``), without the
        coverage column (the header states it)."""
        label = self.table["category"].where(self.table["subcategory"].isna(),
                                             self.table["category"] + " / " + self.table["subcategory"].fillna(""))
        return self.table.drop(columns=["category", "subcategory", "coverage"]).set_axis(pd.Index(label, name="row"))

    def energy(self) -> pd.Series:
        rows = self.table[self.table["subcategory"].isna()]
        return rows.set_index("category").loc["energy"]

    def sentence(self) -> str:
        """The energy answer in words: attainment at both prices, and the shortfall split."""
        e = self.energy()
        prices = e["shortfall_from_prices_usd"] / 1e9
        part = (f"${prices:.1f}bn is lower prices" if prices >= 0.05 else
                f"higher prices than in 2017 cut it by ${-prices:.1f}bn" if prices <= -0.05 else "prices account for almost none")
        when = f"in {self.year}" if self.as_of.month == 12 else f"in {self.year} through {self.as_of}"
        target = f"its {self.year} target" if self.as_of.month == 12 else "its target to date"
        return (f"At 2017 unit values energy {when} reached {e['pct_of_ytd_target_at_2017_prices']:.1f} % of "
                f"{target}, against {e['pct_of_ytd_target']:.1f} % at current prices: of the "
                f"${e['shortfall_usd'] / 1e9:.1f}bn energy shortfall, {part} and "
                f"${e['shortfall_from_volume_usd'] / 1e9:.1f}bn is smaller volumes")


COLUMNS = (
    "category", "subcategory", "coverage", "quantities", "purchases_ytd_usd", "purchases_ytd_at_2017_prices_usd",
    "target_ytd_usd", "pct_of_ytd_target", "pct_of_ytd_target_at_2017_prices",
    "shortfall_usd", "shortfall_from_volume_usd", "shortfall_from_prices_usd",
)


def price_split(window: Window, *, proration: str = "seasonal") -> PriceSplit:
    """The tracker at 2017 prices: purchases to date of each category, and of each energy
    sub-category, at current prices and at 2017 unit values, against the year-to-date target.

    Rows: the three goods categories, ``covered_total`` (current prices only: only energy has
    quantities), then energy's sub-categories. ``shortfall_from_prices_usd`` adds up over the
    sub-categories to energy's; the target, and so the volume part, is set for the category.
    Quantities come with the HS6 lines, so ``as_of`` must be within the HS6 months.
    """
    current = tracker(window, proration=proration)  # checks the window's year and the proration
    year = window.year
    snap = window.snapshot
    hs6_end = snap.hs6_months().max()
    if window.as_of > hs6_end:
        raise DataNotAvailableError(
            f"prices 2017 needs quantities, which come with the HS6 lines: they end in {hs6_end}; got as_of {window.as_of}")
    lines = snap.exports_hs6_classified(window.coverage)
    base = unit_values(lines[lines["category"] == "energy"])
    start = pd.Period(f"{year}-01", "M")
    energy = lines[(lines["category"] == "energy") & (lines["month"] >= start) & (lines["month"] <= window.as_of)]
    valued = at_base_prices(energy, base)
    by_sub = valued.groupby("subcategory")[["value_usd", "value_at_2017_prices_usd"]].sum()

    table = current.table.set_index("category")
    rows = []
    for cat in GOODS:
        t = table.loc[cat]
        has = cat == "energy"
        at_base = by_sub["value_at_2017_prices_usd"].sum() if has else np.nan
        rows.append({
            "category": cat, "subcategory": None, "coverage": window.coverage,
            "quantities": _units(valued) if has else ("energy only" if cat == COVERED_TOTAL else NO_QUANTITIES),
            "purchases_ytd_usd": t["purchases_ytd_usd"], "purchases_ytd_at_2017_prices_usd": at_base,
            "target_ytd_usd": t["target_ytd_usd"], "pct_of_ytd_target": t["pct_of_ytd_target"],
            "pct_of_ytd_target_at_2017_prices": 100 * at_base / t["target_ytd_usd"],
            "shortfall_usd": t["target_ytd_usd"] - t["purchases_ytd_usd"],
            "shortfall_from_volume_usd": t["target_ytd_usd"] - at_base,
            "shortfall_from_prices_usd": at_base - t["purchases_ytd_usd"],
        })
    for sub, r in by_sub.iterrows():
        rows.append({
            "category": "energy", "subcategory": sub, "coverage": window.coverage,
            "quantities": _units(valued[valued["subcategory"] == sub]),
            "purchases_ytd_usd": r["value_usd"], "purchases_ytd_at_2017_prices_usd": r["value_at_2017_prices_usd"],
            "shortfall_from_prices_usd": r["value_at_2017_prices_usd"] - r["value_usd"],
        })
    out = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    notes = [n for n in current.notes if not n.startswith("services")]
    notes.append(f"agriculture and manufactures: {NO_QUANTITIES} (Census reports quantities for energy lines "
                 "only), so they are shown at current prices only")
    notes += _incomparable(valued)
    notes.append("2017 unit value: each HS6 line's 2017 value over its 2017 quantity (months with shipments); "
                 "the target is the agreement's, in current dollars")
    return PriceSplit(table=out, window=window, proration=proration, notes=tuple(notes))


def _units(valued: pd.DataFrame) -> str:
    units = sorted(valued["qty_unit"].dropna().unique())
    return "Census quantities (" + ", ".join(units) + ")" if units else NO_QUANTITIES


def _incomparable(valued: pd.DataFrame) -> list[str]:
    """A note naming the lines counted at current prices, with their value and why."""
    odd = valued[~valued["comparable"]]
    if odd.empty:
        return []
    parts = []
    for code, rows in odd.groupby("hs6"):
        ratio = rows["ratio_to_2017"].dropna()
        why = (f"unit value {ratio.iloc[0]:.1f} times 2017's: a change of unit" if len(ratio)
               else "no quantity in its 2017 unit")
        parts.append(f"{code} (${rows['value_usd'].sum() / 1e6:,.1f}m; {why})")
    return ["counted at current prices in both columns: " + "; ".join(parts)]


def by_year(hs6: pd.DataFrame, months: pd.PeriodIndex, *, base_year: int = BASELINE_YEAR) -> pd.DataFrame:
    """A product's value by complete year at current and at ``base_year`` prices, and the
    split of its change since ``base_year`` into volume and price.

    ``hs6`` holds the product's lines (``month, hs6, value_usd, qty, qty_unit``), ``months``
    every month of the data (Census omits a line in a month without exports). Columns
    ``value_usd``, ``value_at_2017_prices_usd``, ``change_vs_2017_usd``,
    ``change_from_volume_usd``, ``change_from_prices_usd``, ``comparable_share_pct`` (of the
    value, the lines with a quantity in their 2017 unit; the rest counts at current prices, so
    its change shows as volume). A year with nothing comparable has no split (missing); the
    frame is empty when no line has a 2017 quantity.
    """
    base = unit_values(hs6, base_year)
    if base.empty:
        return pd.DataFrame(columns=["value_usd", "value_at_2017_prices_usd", "change_vs_2017_usd",
                                     "change_from_volume_usd", "change_from_prices_usd", "comparable_share_pct"])
    valued = at_base_prices(hs6, base)
    complete = pd.Series(months.year).value_counts()
    valued["comparable_usd"] = valued["value_usd"].where(valued["comparable"], 0)
    sums = valued.groupby(valued["month"].dt.year)[["value_usd", "value_at_2017_prices_usd", "comparable_usd"]].sum()
    sums = sums[complete.reindex(sums.index) == 12]
    first = sums.loc[base_year, "value_usd"]
    out = pd.DataFrame({
        "value_usd": sums["value_usd"],
        "value_at_2017_prices_usd": sums["value_at_2017_prices_usd"],
        "change_vs_2017_usd": sums["value_usd"] - first,
        "change_from_volume_usd": sums["value_at_2017_prices_usd"] - first,
        "change_from_prices_usd": sums["value_usd"] - sums["value_at_2017_prices_usd"],
        "comparable_share_pct": 100 * sums["comparable_usd"] / sums["value_usd"],
    })
    nothing_compared = out["comparable_share_pct"] == 0
    out.loc[nothing_compared, ["value_at_2017_prices_usd", "change_from_volume_usd", "change_from_prices_usd"]] = np.nan
    out.index.name = "year"
    return out
