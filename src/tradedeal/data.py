"""Loaders: the processed tables as pandas objects with a monthly PeriodIndex.

Each loader builds the processed data from the raw snapshot on first use (and again whenever the
raw files change), so a notebook opened in JupyterLab just works.
"""

from __future__ import annotations

import os

import pandas as pd

from tradedeal.build import VINTAGES, load_table
from tradedeal.concordance import CATEGORIES, COVERED_TOTAL, DEFAULT_COVERAGE, NOT_COVERED, get_coverage

Root = str | os.PathLike[str] | None


def exports_hs6(*, root: Root = None) -> pd.DataFrame:
    """US exports to China by HS6 code and month (Census API, 2013-01 to 2021-01).

    Columns ``month`` (Period[M]), ``hs6``, ``value_usd``, ``qty``, ``qty_unit``.
    """
    return load_table("exports_hs6", root)


def exports_by_category(coverage: str = DEFAULT_COVERAGE, *, root: Root = None) -> pd.DataFrame:
    """Monthly US exports to China by Phase One category under one coverage.

    Returns a frame indexed by month (PeriodIndex) with columns ``agriculture``, ``manufactures``,
    ``energy``, ``covered_total`` (their sum) and ``not_covered``, in USD. A month a source does
    not cover is missing (NaN), never zero: under ``annex_6_1_ex_civil_aircraft`` the covered
    categories run to 2021-11 while ``not_covered`` stops at 2021-01.
    """
    get_coverage(coverage)
    table = load_table("exports_category", root)
    table = table[table["coverage"] == coverage]
    wide = table.pivot(index="month", columns="category", values="value_usd").astype("float64")
    wide = wide.reindex(columns=[*CATEGORIES, NOT_COVERED])
    wide.insert(3, COVERED_TOTAL, wide[list(CATEGORIES)].sum(axis=1, min_count=len(CATEGORIES)))
    wide.index = pd.PeriodIndex(wide.index, freq="M", name="month")
    wide.columns.name = None
    return wide.sort_index()


def exports_by_subcategory(coverage: str = DEFAULT_COVERAGE, *, root: Root = None) -> pd.DataFrame:
    """Monthly exports by category and Annex 6.1 sub-category (HS6 months: 2013-01 to 2021-01).

    Tidy long frame: ``month, category, subcategory, value_usd``.
    """
    get_coverage(coverage)
    table = load_table("exports_subcategory", root)
    return table[table["coverage"] == coverage].drop(columns="coverage").reset_index(drop=True)


def total_goods(*, root: Root = None) -> pd.DataFrame:
    """Total US goods trade with China by month, 2001-01 to 2026-01.

    Columns ``exports_usd``, ``imports_usd``, ``source`` (Census c5700 to 2015, FRED from 2016).
    """
    table = load_table("total_goods", root)
    return table.set_index(pd.PeriodIndex(table.pop("month"), freq="M", name="month"))


def category_releases(*, root: Root = None) -> pd.DataFrame:
    """The Phase One category year-to-date figures as released month by month in 2021."""
    return load_table("category_vintages", root)


def available_through(coverage: str = DEFAULT_COVERAGE, *, root: Root = None) -> pd.Period:
    """The last month for which every covered category has a figure under ``coverage``."""
    covered = exports_by_category(coverage, root=root)[COVERED_TOTAL].dropna()
    return covered.index.max()


def vintage_note(coverage: str) -> str:
    """One line citing the data vintage behind the category figures of ``coverage``."""
    note = VINTAGES["census_hs6"]
    if coverage == "annex_6_1_ex_civil_aircraft":
        note += "; from 2021-02: " + VINTAGES["category_vintages"]
    return note
