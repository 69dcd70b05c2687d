"""One product in depth: value, quantity, unit value, against 2017 and its category's target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.agreement.concordance import DEFAULT_COVERAGE
from tradedeal.agreement.targets import BASELINE_YEAR, annual_targets, check_year
from tradedeal.errors import ParameterError
from tradedeal.ingest import data


@dataclass(frozen=True)
class ProductProfile:
    """A product's monthly figures and its place in its Phase One category."""

    name: str
    code: str
    category: str
    subcategory: str | None
    coverage: str
    year: int
    as_of: pd.Period
    monthly: pd.DataFrame  # value_usd, qty, qty_unit, unit_value_usd (through as_of)
    category_monthly: pd.DataFrame  # the coverage's monthly category frame

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
        value = data.annual(self.monthly["value_usd"])
        out = pd.DataFrame({"value_usd": value})
        out[f"vs_{BASELINE_YEAR}_pct"] = 100 * (value / value.loc[BASELINE_YEAR] - 1)
        if self.category in self.category_monthly:
            cat = data.annual(self.category_monthly[self.category]).reindex(out.index)
            out["share_of_category_pct"] = 100 * value / cat
        return out.dropna(how="all")

    def quantity_table(self) -> pd.DataFrame:
        """Quantity and unit value by complete year (energy lines)."""
        qty = data.annual(self.monthly["qty"])
        value = data.annual(self.monthly["value_usd"])
        return pd.DataFrame({f"qty_{self.unit}": qty, "unit_value_per_unit": value / qty}).dropna(how="all")

    def against_target(self) -> pd.Series:
        """The product's change since 2017 against its category's committed increment."""
        if self.category not in ("agriculture", "manufactures", "energy"):
            raise ParameterError(f"{self.name} is not a covered product under {self.coverage}")
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


def profile(name: str, *, year: int = 2020, as_of: str | pd.Period | None = None, coverage: str | None = None,
            root=None) -> ProductProfile:
    """Assemble a :class:`ProductProfile` for ``name`` (a product, sub-category or HS code)."""
    check_year(year)
    coverage = coverage or DEFAULT_COVERAGE
    is_code = name.lower() in data.PRODUCTS or name.isdigit()
    code = data.product_code(name) if is_code else None
    if code is not None:
        monthly = data.product_frame(code, root=root)
        category, subcategory = data.product_category(code, coverage, root=root)
    else:
        series = data.series(name, coverage=coverage, root=root)
        monthly = pd.DataFrame({"value_usd": series, "qty": np.nan, "qty_unit": None, "unit_value_usd": np.nan})
        sub = data.exports_by_subcategory(coverage, root=root)
        match = sub[sub["subcategory"].str.lower() == name.lower()]
        category, subcategory, code = match["category"].iloc[0], match["subcategory"].iloc[0], "sub-category"
    last = monthly.index.max()
    month = last if as_of is None else pd.Period(as_of, "M")
    if month > last or month < monthly.index.min():
        raise ParameterError(f"as_of {month} is outside the HS data ({monthly.index.min()} to {last})")
    if month.year < year:
        raise ParameterError(f"as_of {month} is before {year}")
    if month.year > year:
        month = pd.Period(f"{year}-12", "M")
    return ProductProfile(name, code, category, subcategory, coverage, year, month, monthly.loc[:last],
                          data.exports_by_category(coverage, root=root))
