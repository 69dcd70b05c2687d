"""A data folder at one vintage, resolved once: the loaders, the manifest and the citation lines.

``Snapshot()`` is the latest data in ``data/`` (or ``$TRADEDEAL_DATA_DIR``);
``Snapshot(root, vintage="snapshot")`` pins a folder and a vintage. Every loader builds the
processed tables from the raw files on first use (and again whenever the raw files change), so a
notebook opened in JupyterLab just works. Tables come back with a month ``PeriodIndex`` (or a
``month`` column of ``Period[M]``), values in USD.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.ingest import build, processed, vintages
from tradedeal.ingest.concordance import (
    AGGREGATE_COVERAGE,
    CATEGORIES,
    COVERAGES,
    COVERED_TOTAL,
    DEFAULT_COVERAGE,
    NOT_COVERED,
    classify,
    get_coverage,
)
from tradedeal.ingest.paths import data_dir, raw_dir
from tradedeal.ingest.sources import load_concordance

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
#: How each ``source`` value of the category table is named in notes.
SOURCE_NAMES = {"census_hs6": "Census HS6 lines", "category_ytd_releases": "published category aggregates"}


@dataclass(frozen=True)
class Snapshot:
    """One data folder at one vintage.

    Parameters
    ----------
    root
        The data folder (``raw/`` and ``processed/`` below it); default ``$TRADEDEAL_DATA_DIR``
        or the checkout's ``data/``.
    vintage
        A vintage id (``tradedeal data vintages``); default: the latest. It is resolved here,
        once, and every table, manifest and citation is of that vintage: a snapshot made
        before a refresh serves the same data after it (``latest`` says whether it was the
        latest when made).

    Notes
    -----
    A snapshot is data. The questions asked of it live one layer up, as functions that take it:
    :func:`tradedeal.agreement.window.select` (year, as-of month, coverage) and
    :func:`tradedeal.agreement.answers.tracker_result` (purchases against the targets).
    """

    root: Path | str | None = None
    vintage: str | None = None
    latest: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        root = data_dir(self.root).resolve()
        resolved = vintages.label(self.vintage, root)  # names the choices when it is not a vintage
        object.__setattr__(self, "root", root)
        object.__setattr__(self, "latest", resolved == vintages.label(None, root))
        object.__setattr__(self, "vintage", resolved)

    # --- the processed tables ---------------------------------------------------------------

    def table(self, name: str) -> pd.DataFrame:
        """One processed table (:data:`tradedeal.ingest.build.TABLES`) of this snapshot's vintage,
        built first if needed and served only if it matches the build manifest
        (:func:`tradedeal.ingest.processed.load_table`). The vintage is always passed by its id:
        ``data/processed`` holds the latest of now, which a refresh may have moved on."""
        return processed.load_table(name, self.root, self.vintage)

    @property
    def manifest(self) -> dict:
        """The build manifest: raw file hashes, pulls, months each source covers."""
        processed.ensure_built(self.root, self.vintage)
        return processed.read_manifest(self.root, self.vintage) or {}

    def exports_hs6(self) -> pd.DataFrame:
        """US exports to China by HS6 code and month: ``month, hs6, value_usd, qty, qty_unit``."""
        return self.table("exports_hs6")

    def exports_by_category(self, coverage: str = DEFAULT_COVERAGE) -> pd.DataFrame:
        """Monthly US exports to China by Phase One category under one coverage.

        A frame indexed by month with ``agriculture``, ``manufactures``, ``energy``,
        ``covered_total`` (their sum) and ``not_covered``, in USD. A month no source covers is
        missing (NaN), never zero: the published aggregates
        (:data:`~tradedeal.ingest.concordance.AGGREGATE_COVERAGE`) may run past the HS6
        data, while ``not_covered`` stops with it.
        """
        get_coverage(coverage)
        table = self.table("exports_category")
        table = table[table["coverage"] == coverage]
        wide = table.pivot(index="month", columns="category", values="value_usd").astype("float64")
        wide = wide.reindex(columns=[*CATEGORIES, NOT_COVERED])
        wide.insert(3, COVERED_TOTAL, wide[list(CATEGORIES)].sum(axis=1, min_count=len(CATEGORIES)))
        wide.index = pd.PeriodIndex(wide.index, freq="M", name="month")
        wide.columns.name = None
        return wide.sort_index()

    def sources(self, coverage: str = DEFAULT_COVERAGE) -> pd.DataFrame:
        """Which source each stretch of a coverage's months came from: ``source, first, last``."""
        get_coverage(coverage)
        table = self.table("exports_category")
        table = table[table["coverage"] == coverage].drop_duplicates("month").sort_values("month")
        stretch = (table["source"] != table["source"].shift()).cumsum()
        grouped = table.groupby(stretch)
        return pd.DataFrame({
            "source": grouped["source"].first(), "first": grouped["month"].min(), "last": grouped["month"].max(),
        }).reset_index(drop=True)

    def source_notes(self, coverage: str, through: pd.Period | None = None) -> list[str]:
        """One line naming the source of each stretch of months, up to ``through`` — only when
        the figures mix sources — and one per month a release revised (its revision note)."""
        stretches = self.sources(coverage)
        if through is not None:
            stretches = stretches[stretches["first"] <= through]
        notes = []
        if len(stretches) >= 2:
            parts = [f"{SOURCE_NAMES.get(r.source, r.source)} {r.first} to {min(r.last, through or r.last)}"
                     for r in stretches.itertuples()]
            notes.append("months by source: " + "; ".join(parts))
        table = self.table("exports_category")
        revised = table[(table["coverage"] == coverage) & table["revision_note"].notna()]
        if through is not None:
            revised = revised[revised["month"] <= through]
        notes += [f"{r.month} {r.category}: {r.value_usd:,} USD, a release revised earlier months ({r.revision_note})"
                  for r in revised.itertuples()]
        return notes

    def exports_by_subcategory(self, coverage: str = DEFAULT_COVERAGE) -> pd.DataFrame:
        """Monthly exports by category and Annex 6.1 sub-category over the HS6 months.

        Tidy long frame: ``month, category, subcategory, value_usd``.
        """
        get_coverage(coverage)
        table = self.table("exports_subcategory")
        return table[table["coverage"] == coverage].drop(columns="coverage").reset_index(drop=True)

    def total_goods(self) -> pd.DataFrame:
        """Total US goods trade with China by month: ``exports_usd, imports_usd, source``."""
        table = self.table("total_goods")
        return table.set_index(pd.PeriodIndex(table.pop("month"), freq="M", name="month"))

    def category_releases(self) -> pd.DataFrame:
        """The Phase One category year-to-date figures as released month by month in 2021."""
        return self.table("category_vintages")

    def available_through(self, coverage: str = DEFAULT_COVERAGE) -> pd.Period:
        """The last month for which every covered category has a figure under ``coverage``."""
        return self.exports_by_category(coverage)[COVERED_TOTAL].dropna().index.max()

    def hs6_months(self) -> pd.PeriodIndex:
        """Every month of the HS6 data."""
        first, last = self.manifest["hs6_months"]
        return pd.period_range(first, last, freq="M", name="month")

    # --- products and series ------------------------------------------------------------------

    def concordance(self) -> pd.DataFrame:
        """The covered-product concordance of this data folder (Annex 6.1)."""
        return load_concordance(raw_dir(self.root) / "agreement" / "annex_6_1.csv")

    def classify(self, codes, coverage: str = DEFAULT_COVERAGE) -> pd.DataFrame:
        """Phase One ``category`` and ``subcategory`` of each code under ``coverage``."""
        return classify(codes, self.concordance(), coverage)

    def exports_hs6_classified(self, coverage: str = DEFAULT_COVERAGE) -> pd.DataFrame:
        """HS6 exports with each code's Phase One ``category`` and ``subcategory`` under ``coverage``."""
        hs6 = self.exports_hs6()
        return hs6.join(self.classify(hs6["hs6"], coverage), on="hs6")

    def hs6_descriptions(self) -> pd.Series:
        """A description of each HS6 code of the data that a shipped source gives, by code:
        Census's, from the newest pull that sent one (the shipped snapshot has none; ``refresh``
        asks for ``E_COMMODITY_SDESC``), else the Annex 6.1 text of its line or heading, else the
        reconciliation table of docs/coverage.md (:func:`tradedeal.ingest.descriptions.describe`).
        A code none describes is absent: tables show ``descriptions.NO_DESCRIPTION``."""
        from tradedeal.ingest.descriptions import describe
        from tradedeal.ingest.paths import checkout_root

        census = self.table("hs6_descriptions").set_index("hs6")["description"]
        return describe(self.exports_hs6()["hs6"].unique(), census, self.concordance(),
                        checkout_root() / "docs" / "coverage.md")

    def _hs_lines(self, code: str, missing: str) -> pd.DataFrame:
        hs6 = self.exports_hs6()
        picked = hs6[hs6["hs6"].str.startswith(code)]
        if picked.empty:
            raise ParameterError(missing)
        return picked

    def series(self, name: str, *, coverage: str = DEFAULT_COVERAGE) -> pd.Series:
        """One monthly series (USD, month PeriodIndex) by name.

        ``name`` is, in this order: ``total_exports`` / ``total_imports`` (all goods); a
        category, ``covered_total`` or ``not_covered`` (under ``coverage``); a product from
        :data:`PRODUCTS`; an Annex 6.1 sub-category (case-insensitive); or an HS code of 2 to 6
        digits (or a Census special code), summed over the HS6 lines it heads. Census omits
        lines with no exports in a month, so within the HS6 months an absent line is zero.
        """
        key = name.strip()
        if key in TOTALS:
            return self.total_goods()[TOTALS[key]].rename(key)
        if key in (*CATEGORIES, COVERED_TOTAL, NOT_COVERED):
            return self.exports_by_category(coverage)[key].dropna().rename(key)
        code = PRODUCTS.get(key.lower(), key)
        if code.isdigit() and 2 <= len(code) <= 6:
            picked = self._hs_lines(code, f"series: no HS6 line starts with {code!r}")
            out = picked.groupby("month")["value_usd"].sum().reindex(self.hs6_months(), fill_value=0)
            return out.astype("float64").rename(key)
        sub = self.exports_by_subcategory(coverage)
        match = sub[sub["subcategory"].str.lower() == key.lower()]
        if match.empty:
            raise ParameterError(
                f"series: unknown name {name!r} (a category, total_exports, a product such as soybeans, "
                "an Annex 6.1 sub-category or an HS code)"
            )
        out = match.groupby("month")["value_usd"].sum()
        return out.reindex(self.hs6_months(), fill_value=0).astype("float64").rename(key)

    def product_frame(self, name: str) -> pd.DataFrame:
        """Monthly ``value_usd``, ``qty``, ``qty_unit`` and ``unit_value_usd`` of one product (HS6 months).

        Quantity is summed over the product's HS6 lines only where Census reports one unit for
        all of them in that month (the API fills quantities for energy lines); elsewhere it is
        missing, as is the unit value.
        """
        code = product_code(name)
        picked = self._hs_lines(code, f"product {name!r}: no HS6 line starts with {code}")
        months = self.hs6_months()
        grouped = picked.groupby("month")
        value = grouped["value_usd"].sum().reindex(months, fill_value=0).astype("float64")
        units = grouped["qty_unit"].agg(lambda u: u.dropna().unique().tolist())
        single = units.map(len) == 1
        qty = grouped["qty"].sum().where(single & (grouped["qty"].sum() > 0))
        out = pd.DataFrame({"value_usd": value, "qty": qty.reindex(months)})
        out["qty_unit"] = units.where(single).map(lambda u: u[0] if isinstance(u, list) else None).reindex(months)
        out["unit_value_usd"] = out["value_usd"] / out["qty"]
        return out

    def product_category(self, name: str, coverage: str = DEFAULT_COVERAGE) -> tuple[str, str | None]:
        """The Phase One category and sub-category of a product under ``coverage``."""
        got = self.classify([product_code(name)], coverage).iloc[0]
        return got["category"], None if pd.isna(got["subcategory"]) else got["subcategory"]

    # --- what the figures are ------------------------------------------------------------------

    def citation(self, coverage: str | None = None) -> str:
        """One line citing the data behind the figures: sources, their months, the vintage and folder."""
        manifest = self.manifest
        names, months = manifest["sources"], manifest["months"]
        hs6 = months["census_hs6"]
        text = f"{names['census_hs6']}, HS6 months {hs6[0]} to {hs6[1]}"
        pulls = manifest.get("pulls", {}).get("census", [])
        text += f" ({names['census_hs6_snapshot']}" + (f"; Census API pulls {', '.join(pulls)})" if pulls else ")")
        releases = months.get("category_releases")
        if coverage in (None, AGGREGATE_COVERAGE) and releases:
            text += f"; {names['category_releases']}, months {releases[0]} to {releases[1]}"
        text += f" [vintage: {self.vintage}; data folder: {self.folder_label}]"
        return text

    def total_goods_citation(self) -> str:
        """One line citing the total goods series: Census c5700, then FRED, with their months."""
        manifest = self.manifest
        names, months = manifest["sources"], manifest["months"]
        fred_pulls = manifest.get("pulls", {}).get("fred", [])
        fred = names["fred"] + (f" (pull {fred_pulls[-1]})" if fred_pulls else f" ({names['fred_snapshot']})")
        return (f"{names['census_c5700']}, {months['census_c5700'][0]} to {months['census_c5700'][1]}; "
                f"{fred}, {months['fred'][0]} to {months['fred'][1]} [vintage: {self.vintage}]")

    def source_line(self, coverage: str) -> str:
        """A short source caption for charts, from the manifest (the report header gives the rest):
        Census, and the public tracker whose files the shipped Census data were reshaped from."""
        months = self.manifest["months"]
        hs6 = months["census_hs6"]
        text = f"Source: US Census Bureau exports to China (HS6 {hs6[0]} to {hs6[1]}"
        releases = months.get("category_releases")
        if coverage == AGGREGATE_COVERAGE and releases:
            text += f"; category releases {releases[0]} to {releases[1]}"
        return (text + f"), as reshaped from the files of {build.TRACKER_CREDIT}. "
                f"Coverage: {COVERAGES[coverage].words}. Vintage: {self.vintage}. tradedeal.")

    @property
    def folder_label(self) -> str:
        """The data folder as a reader is shown it: ``data`` for the checkout's own, else its path
        (``~`` for the home folder)."""
        if self.root == (Path(__file__).resolve().parents[3] / "data").resolve():
            return "data"
        home = str(Path.home())
        text = str(self.root)
        return "~" + text[len(home):] if home != "/" and text.startswith(home + os.sep) else text


def product_code(name: str) -> str:
    """The HS or Census code behind a product name (``soybeans`` → ``1201``); codes pass through."""
    code = PRODUCTS.get(name.strip().lower(), name.strip())
    if not (code.isdigit() and len(code) in (4, 6)):
        raise ParameterError(f"product {name!r} is not a known product or an HS4/HS6 code")
    return code


def annual(monthly: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Calendar-year sums; a year without all twelve months is missing, never a partial sum."""
    grouped = monthly.groupby(monthly.index.year)
    sums = grouped.sum(min_count=1)
    complete = grouped.count() == 12
    out = sums.where(complete)
    out.index.name = "year"
    return out
