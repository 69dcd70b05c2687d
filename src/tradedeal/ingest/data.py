"""Loaders: the processed tables as pandas objects with a monthly PeriodIndex.

Each loader builds the processed data from the raw snapshot on first use (and again whenever the
raw files change), so a notebook opened in JupyterLab just works.
"""

from __future__ import annotations

import os

import pandas as pd

from tradedeal.agreement.concordance import (
    CATEGORIES,
    COVERED_TOTAL,
    DEFAULT_COVERAGE,
    NOT_COVERED,
    get_coverage,
)
from tradedeal.errors import ParameterError
from tradedeal.ingest.build import VINTAGES, load_table

Root = str | os.PathLike[str] | None


def exports_hs6(*, root: Root = None, vintage: str | None = None) -> pd.DataFrame:
    """US exports to China by HS6 code and month (Census API, 2013-01 to 2021-01).

    Columns ``month`` (Period[M]), ``hs6``, ``value_usd``, ``qty``, ``qty_unit``.
    """
    return load_table("exports_hs6", root, vintage)


def exports_by_category(coverage: str = DEFAULT_COVERAGE, *, root: Root = None, vintage: str | None = None) -> pd.DataFrame:
    """Monthly US exports to China by Phase One category under one coverage.

    Returns a frame indexed by month (PeriodIndex) with columns ``agriculture``, ``manufactures``,
    ``energy``, ``covered_total`` (their sum) and ``not_covered``, in USD. A month a source does
    not cover is missing (NaN), never zero: under ``annex_6_1_ex_civil_aircraft`` the covered
    categories run to 2021-11 while ``not_covered`` stops at 2021-01.
    """
    get_coverage(coverage)
    table = load_table("exports_category", root, vintage)
    table = table[table["coverage"] == coverage]
    wide = table.pivot(index="month", columns="category", values="value_usd").astype("float64")
    wide = wide.reindex(columns=[*CATEGORIES, NOT_COVERED])
    wide.insert(3, COVERED_TOTAL, wide[list(CATEGORIES)].sum(axis=1, min_count=len(CATEGORIES)))
    wide.index = pd.PeriodIndex(wide.index, freq="M", name="month")
    wide.columns.name = None
    return wide.sort_index()


def exports_by_subcategory(coverage: str = DEFAULT_COVERAGE, *, root: Root = None, vintage: str | None = None) -> pd.DataFrame:
    """Monthly exports by category and Annex 6.1 sub-category (HS6 months: 2013-01 to 2021-01).

    Tidy long frame: ``month, category, subcategory, value_usd``.
    """
    get_coverage(coverage)
    table = load_table("exports_subcategory", root, vintage)
    return table[table["coverage"] == coverage].drop(columns="coverage").reset_index(drop=True)


def total_goods(*, root: Root = None, vintage: str | None = None) -> pd.DataFrame:
    """Total US goods trade with China by month, 2001-01 to 2026-01.

    Columns ``exports_usd``, ``imports_usd``, ``source`` (Census c5700 to 2015, FRED from 2016).
    """
    table = load_table("total_goods", root, vintage)
    return table.set_index(pd.PeriodIndex(table.pop("month"), freq="M", name="month"))


def category_releases(*, root: Root = None, vintage: str | None = None) -> pd.DataFrame:
    """The Phase One category year-to-date figures as released month by month in 2021."""
    return load_table("category_vintages", root, vintage)


def available_through(coverage: str = DEFAULT_COVERAGE, *, root: Root = None, vintage: str | None = None) -> pd.Period:
    """The last month for which every covered category has a figure under ``coverage``."""
    covered = exports_by_category(coverage, root=root, vintage=vintage)[COVERED_TOTAL].dropna()
    return covered.index.max()


def vintage_note(coverage: str, *, root: Root = None, vintage: str | None = None) -> str:
    """One line citing the data vintage behind the category figures of ``coverage``."""
    from tradedeal.ingest.build import read_manifest

    note = VINTAGES["census_hs6"]
    manifest = read_manifest(root, vintage) or {}
    pulls = manifest.get("pulls", {}).get("census", [])
    if pulls:
        first, last = manifest.get("hs6_months", ["?", "?"])
        note += f"; refreshed by Census API pulls up to {pulls[-1]} (HS6 months {first} to {last})"
    if coverage == "annex_6_1_ex_civil_aircraft":
        note += "; from 2021-02: " + VINTAGES["category_vintages"]
    note += f" [vintage: {manifest.get('vintage', 'snapshot')}]"
    return note


#: Products an economist asks for by name, with the HS or Census code they are reported under.
PRODUCTS = {
    "soybeans": "1201",
    "crude_oil": "2709",
    "lng": "271111",
    "pork": "0203",
    "sorghum": "1007",
    "corn": "1005",
    "wheat": "1001",
    "cotton": "5201",
    "civil_aircraft": "880000",
    "semiconductors": "8542",
}
TOTALS = {"total_exports": "exports_usd", "total_imports": "imports_usd"}


def series(name: str, *, coverage: str = DEFAULT_COVERAGE, root: Root = None, vintage: str | None = None) -> pd.Series:
    """One monthly series (USD, month PeriodIndex) by name.

    ``name`` is, in this order: ``total_exports`` / ``total_imports`` (all goods, 2001 on); a
    category, ``covered_total`` or ``not_covered`` (under ``coverage``); a product from
    :data:`PRODUCTS` (``soybeans``, ``crude_oil``, …); an Annex 6.1 sub-category (``Oilseeds``,
    ``Crude oil``, case-insensitive); or an HS code of 2 to 6 digits (or a Census special code),
    summed over the HS6 lines it heads. Census omits lines with no exports in a month, so within
    the HS6 months (2013-01 to 2021-01) an absent line is zero.
    """
    key = name.strip()
    if key in TOTALS:
        return total_goods(root=root, vintage=vintage)[TOTALS[key]].rename(key)
    if key in (*CATEGORIES, COVERED_TOTAL, NOT_COVERED):
        return exports_by_category(coverage, root=root, vintage=vintage)[key].dropna().rename(key)
    code = PRODUCTS.get(key.lower(), key)
    if code.isdigit() and 2 <= len(code) <= 6:
        picked, months = _hs_lines(code, f"series: no HS6 line starts with {code!r}", root=root, vintage=vintage)
        out = picked.groupby("month")["value_usd"].sum().reindex(months, fill_value=0)
        return out.astype("float64").rename(key)
    sub = exports_by_subcategory(coverage, root=root, vintage=vintage)
    match = sub[sub["subcategory"].str.lower() == key.lower()]
    if match.empty:
        raise ParameterError(
            f"series: unknown name {name!r} (a category, total_exports, a product such as soybeans, "
            "an Annex 6.1 sub-category or an HS code)"
        )
    out = match.groupby("month")["value_usd"].sum()
    months = pd.period_range(sub["month"].min(), sub["month"].max(), freq="M", name="month")
    return out.reindex(months, fill_value=0).astype("float64").rename(key)


def annual(monthly: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Calendar-year sums; a year without all twelve months is missing, never a partial sum."""
    grouped = monthly.groupby(monthly.index.year)
    sums = grouped.sum(min_count=1)
    complete = grouped.count() == 12
    out = sums.where(complete)
    out.index.name = "year"
    return out


def _hs_lines(code: str, missing: str, *, root: Root, vintage: str | None) -> tuple[pd.DataFrame, pd.PeriodIndex]:
    """The HS6 records a code heads, and every HS6 month; ``missing`` is the error if there are none."""
    hs6 = exports_hs6(root=root, vintage=vintage)
    picked = hs6[hs6["hs6"].str.startswith(code)]
    if picked.empty:
        raise ParameterError(missing)
    return picked, pd.period_range(hs6["month"].min(), hs6["month"].max(), freq="M", name="month")


def _classify(codes, coverage: str, root: Root) -> pd.DataFrame:
    from tradedeal.agreement.concordance import classify, load_concordance
    from tradedeal.ingest.paths import raw_dir

    return classify(codes, load_concordance(raw_dir(root) / "agreement" / "annex_6_1.csv"), coverage)


def exports_hs6_classified(coverage: str = DEFAULT_COVERAGE, *, root: Root = None, vintage: str | None = None) -> pd.DataFrame:
    """HS6 exports with each code's Phase One ``category`` and ``subcategory`` under ``coverage``."""
    hs6 = exports_hs6(root=root, vintage=vintage)
    return hs6.join(_classify(hs6["hs6"], coverage, root), on="hs6")


def product_code(name: str) -> str:
    """The HS or Census code behind a product name (``soybeans`` → ``1201``); codes pass through."""
    code = PRODUCTS.get(name.strip().lower(), name.strip())
    if not (code.isdigit() and len(code) in (4, 6)):
        raise ParameterError(f"product {name!r} is not a known product or an HS4/HS6 code")
    return code


def product_frame(name: str, *, root: Root = None, vintage: str | None = None) -> pd.DataFrame:
    """Monthly value, quantity and unit value of one product (HS6 months: 2013-01 to 2021-01).

    Quantity is summed over the product's HS6 lines only where Census reports one unit for all
    of them in that month (the API fills quantities for energy lines); elsewhere it is missing,
    as is the unit value (``value_usd / qty``).
    """
    code = product_code(name)
    picked, months = _hs_lines(code, f"product {name!r}: no HS6 line starts with {code}", root=root, vintage=vintage)
    grouped = picked.groupby("month")
    value = grouped["value_usd"].sum().reindex(months, fill_value=0).astype("float64")
    units = grouped["qty_unit"].agg(lambda u: u.dropna().unique().tolist())
    single = units.map(len) == 1
    qty = grouped["qty"].sum().where(single & (grouped["qty"].sum() > 0))
    out = pd.DataFrame({"value_usd": value, "qty": qty.reindex(months)})
    out["qty_unit"] = units.where(single).map(lambda u: u[0] if isinstance(u, list) else None).reindex(months)
    out["unit_value_usd"] = out["value_usd"] / out["qty"]
    return out


def product_category(name: str, coverage: str = DEFAULT_COVERAGE, *, root: Root = None) -> tuple[str, str | None]:
    """The Phase One category and sub-category of a product under ``coverage``."""
    code = product_code(name)  # an HS4 or HS6 code (or Census special code) matches its line
    got = _classify([code], coverage, root).iloc[0]
    return got["category"], None if pd.isna(got["subcategory"]) else got["subcategory"]


def source_line(coverage: str) -> str:
    """A short source caption for charts (the report header gives the full vintage)."""
    text = "Source: US Census Bureau exports to China (HS6, API pull of early 2021"
    if coverage == "annex_6_1_ex_civil_aircraft":
        text += "; 2021 category releases to 2021-11"
    return text + f"). Coverage: {coverage}. tradedeal."
