"""One product in depth: value, quantity, unit value, against 2017 and its category's target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.agreement import volumes
from tradedeal.agreement.targets import BASELINE_YEAR, YEARS, annual_targets
from tradedeal.agreement.window import OnWindow, Window, select
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.ingest.concordance import CATEGORIES, COVERAGES, DEFAULT_COVERAGE
from tradedeal.ingest.snapshot import PRODUCTS, Snapshot, annual, product_code


@dataclass(frozen=True)
class ProductProfile(OnWindow):
    """A product's monthly figures and its place in its Phase One category."""

    name: str
    code: str
    category: str
    subcategory: str | None
    window: Window
    monthly: pd.DataFrame  # value_usd, qty, qty_unit, unit_value_usd (the HS6 months)
    category_monthly: pd.DataFrame  # the coverage's monthly category frame
    lines: pd.DataFrame | None = None  # the product's HS6 rows: month, hs6, value_usd, qty, qty_unit

    @property
    def has_quantity(self) -> bool:
        return bool(self.monthly["qty"].notna().any())

    @property
    def unit(self) -> str | None:
        units = self.monthly["qty_unit"].dropna().unique()
        return ", ".join(units) if len(units) else None

    def headline(self) -> str:
        where = f"{self.category} / {self.subcategory}" if self.subcategory else self.category
        return (f"Product {self.name} (code {self.code}): {where} under {self.coverage}; "
                f"HS data {self.monthly.index.min()} to {self.monthly.index.max()}")

    @property
    def annual(self) -> pd.DataFrame:
        """Value by complete year, change on 2017, and share of the category."""
        value = annual(self.monthly["value_usd"])
        out = pd.DataFrame({"value_usd": value})
        out[f"vs_{BASELINE_YEAR}_pct"] = 100 * (value / value.loc[BASELINE_YEAR] - 1)
        if self.category in self.category_monthly:
            cat = annual(self.category_monthly[self.category]).reindex(out.index)
            out["share_of_category_pct"] = 100 * value / cat
        return out.dropna(how="all")

    def quantity_table(self) -> pd.DataFrame:
        """Quantity and unit value by year of the data, over the months that have both.

        A month with no shipments has no quantity (its value counts as zero): it is left out of
        the sums, never counted as a zero quantity. Columns ``months_with_quantity``,
        ``qty_<unit>``, ``value_usd`` (of those months) and ``usd_per_<unit>``; a year the data
        cover only in part is left out.
        """
        m = self.monthly
        years = m.groupby(m.index.year).size()
        both = m[m["qty"].notna() & (m["value_usd"] > 0)]
        grouped = both.groupby(both.index.year)
        unit = self.unit
        out = pd.DataFrame({
            "months_with_quantity": grouped.size(),
            f"qty_{unit}": grouped["qty"].sum(),
            "value_usd": grouped["value_usd"].sum(),
        }).reindex(years[years == 12].index)
        out["months_with_quantity"] = out["months_with_quantity"].fillna(0).astype(int)
        out[f"usd_per_{unit}"] = out["value_usd"] / out[f"qty_{unit}"]
        out.index.name = "year"
        return out

    def price_volume(self) -> pd.DataFrame:
        """Value by complete year at current and at 2017 prices, and its change since 2017 split
        into volume and price (:func:`tradedeal.agreement.volumes.by_year`); empty without
        quantities (every category but energy in this data)."""
        if self.lines is None:
            raise DataNotAvailableError(f"{self.name}: no HS6 lines behind this profile")
        return volumes.by_year(self.lines, self.monthly.index)

    def headline_sentences(self) -> list[str]:
        """The report's answer: the year's purchases against the same months of 2017, and (with
        quantities) how much of the change is volume and how much price."""
        m = self.monthly["value_usd"]
        start = pd.Period(f"{self.year}-01", "M")
        back = 12 * (self.year - BASELINE_YEAR)
        now, then = m.loc[start:self.as_of].sum(), m.loc[start - back:self.as_of - back].sum()
        change = f"{100 * (now / then - 1):+.1f} %" if then > 0 else "from nothing"
        months = f"In {start}" if self.as_of == start else f"From {start} to {self.as_of}"
        end = self.monthly.index.max()
        if self.as_of == end and end.month != 12:  # the HS lines end within the year: say so
            counted = "January" if end.month == 1 else f"January to {end.strftime('%B')}"
            months += f" ({counted} only: the HS data end in {end})"
        out = [f"{months} US exports of {self.name} to China were ${now / 1e9:.2f}bn against "
               f"${then / 1e9:.2f}bn in the same months of {BASELINE_YEAR} ({change}; "
               f"{COVERAGES[self.coverage].words}, {self.category}"
               f"{' / ' + self.subcategory if self.subcategory else ''})"]
        split = self.price_volume()
        if self.year in split.index and split.loc[self.year, "comparable_share_pct"] > 0:
            r = split.loc[self.year]
            part = (f" ({r['comparable_share_pct']:.0f} % of the value has quantities comparable with {BASELINE_YEAR}'s; "
                    "the rest is counted at current prices)" if r["comparable_share_pct"] < 99.95 else "")
            out.append(f"At {BASELINE_YEAR} unit values its {self.year} exports were "
                       f"${r['value_at_2017_prices_usd'] / 1e9:.2f}bn, not ${r['value_usd'] / 1e9:.2f}bn: of the "
                       f"{_bn(r['change_vs_2017_usd'])} change since {BASELINE_YEAR}, "
                       f"{_bn(r['change_from_volume_usd'])} is volume and {_bn(r['change_from_prices_usd'])} price{part}")
        elif self.has_quantity and self.year not in split.index:
            out.append(f"The volume and price split is by complete year, and {self.year} is not complete in the "
                       "HS6 data")
        elif self.has_quantity:
            out.append(f"Its {self.year} quantities are not comparable with {BASELINE_YEAR}'s (another unit, or a unit "
                       f"value beyond {volumes.UNIT_BREAK:g} times {BASELINE_YEAR}'s), so volume and price cannot be "
                       "told apart")
        else:
            out.append(f"Census gives no quantities for {self.name} in this data, so its volume and price "
                       "cannot be told apart")
        return out

    def against_target(self) -> pd.Series:
        """The product's change since 2017 against its category's committed increment."""
        if self.category not in CATEGORIES:
            raise ParameterError(f"{self.name} is not a covered product under {self.coverage}")
        if self.year not in YEARS:
            raise ParameterError(f"the agreement sets no purchase targets for {self.year}")
        base = self.monthly.loc[self.monthly.index.year == BASELINE_YEAR, "value_usd"].sum()
        start = pd.Period(f"{self.year}-01", "M")
        ytd = self.monthly.loc[start:self.as_of, "value_usd"].sum()
        same_2017 = self.monthly.loc[start - 12 * (self.year - BASELINE_YEAR):self.as_of - 12 * (self.year - BASELINE_YEAR),
                                     "value_usd"].sum()
        targets = annual_targets(self.category_monthly, self.year)
        baseline = self.category_monthly.loc[self.category_monthly.index.year == BASELINE_YEAR, self.category].sum()
        increment = targets[self.category] - baseline
        return pd.Series({
            f"product_{BASELINE_YEAR}_usd": base,
            f"product_{self.year}_ytd_usd": ytd,
            f"product_same_months_{BASELINE_YEAR}_usd": same_2017,
            "product_change_usd": ytd - same_2017,
            f"category_target_{self.year}_usd": targets[self.category],
            f"category_increment_{self.year}_usd": increment,
            "change_as_pct_of_increment": 100 * (ytd - same_2017) / increment if increment else np.nan,
        }, name=f"through {self.as_of}")


def _bn(value: float) -> str:
    """A signed amount in $bn: ``+$2.38bn``, ``−$2.83bn``."""
    return f"{'+' if value >= 0 else '−'}${abs(value) / 1e9:.2f}bn"


def profile(snapshot: Snapshot, name: str, *, year: int = 2020, as_of=None, coverage: str | None = None) -> ProductProfile:
    """Assemble a :class:`ProductProfile` for ``name`` (a product, sub-category or HS code).

    Products come from the HS6 lines, so ``as_of`` defaults to the latest HS6 month of ``year``,
    and the coverage to full Annex 6.1 (which runs as far as the HS6 data).
    """
    is_code = name.lower() in PRODUCTS or name.isdigit()
    coverage = coverage or DEFAULT_COVERAGE
    hs6 = snapshot.hs6_months()
    if as_of is None:
        in_year = hs6[hs6.year == year]
        if in_year.empty:
            raise DataNotAvailableError(f"no HS6 data for {year}: HS6 months run {hs6.min()} to {hs6.max()}")
        as_of = in_year.max()
    window = select(snapshot, year=year, as_of=as_of, coverage=coverage)
    if window.as_of > hs6.max():
        raise DataNotAvailableError(f"as_of {window.as_of} is outside the HS data ({hs6.min()} to {hs6.max()})")
    if is_code:
        code = product_code(name)
        monthly = snapshot.product_frame(code)
        category, subcategory = snapshot.product_category(code, coverage)
        hs6 = snapshot.exports_hs6()
        lines = hs6[hs6["hs6"].str.startswith(code)]
    else:
        series = snapshot.series(name, coverage=coverage)
        monthly = pd.DataFrame({"value_usd": series, "qty": np.nan, "qty_unit": None, "unit_value_usd": np.nan})
        sub = snapshot.exports_by_subcategory(coverage)
        match = sub[sub["subcategory"].str.lower() == name.lower()]
        category, subcategory, code = match["category"].iloc[0], match["subcategory"].iloc[0], "sub-category"
        hs6 = snapshot.exports_hs6_classified(coverage)
        lines = hs6[hs6["subcategory"] == subcategory].drop(columns=["category", "subcategory"])
    return ProductProfile(name, code, category, subcategory, window, monthly, snapshot.exports_by_category(coverage),
                          lines)
