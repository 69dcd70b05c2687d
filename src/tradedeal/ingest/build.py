"""Build the tidy processed tables from the raw snapshot.

Layers, as in PUDL: ``data/raw`` (the sources' own files, never edited) → ``data/processed``
(tidy parquet, one table per file, plus ``manifest.json`` with the sha256 of every raw file read
and the sha256 and columns of every table written). Every table is checked against its schema
(:mod:`tradedeal.ingest.processed_schemas`) before it is written. Keeping the tables in step with
the raw files, and serving only verified ones, is :mod:`tradedeal.ingest.processed`'s.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from tradedeal.errors import SchemaError
from tradedeal.ingest import consistency, processed_schemas, sources, vintages
from tradedeal.ingest import descriptions as hs6_descriptions
from tradedeal.ingest.concordance import AGGREGATE_COVERAGE, COVERAGES, classify
from tradedeal.ingest.paths import atomic_path, processed_dir, raw_dir

#: Bump when a table's construction changes, so existing processed data is rebuilt.
BUILD_VERSION = 9
TABLES = ("exports_hs6", "exports_subcategory", "exports_category", "total_goods", "category_vintages",
          "hs6_descriptions")
#: Columns of months (``Period[M]`` in memory, timestamps in parquet, which has no month type).
MONTH_COLUMNS = {"month", "data_through"}
#: The raw file of the category releases (named in errors about them).
RELEASES_FILE = "phase1_category_ytd_vintages_2021.csv"

#: Raw files of the shipped snapshot every build reads, under ``data/raw`` (later pulls add to them).
FIXED_INPUTS = (
    "agreement/annex_6_1.csv",
    "census/c5700_goods_trade_monthly_2001_2019.csv",
    "census/phase1_category_ytd_vintages_2021.csv",
    *(f"census/exports_hs6_cty5700_{year}.json.gz" for year in range(2013, 2022)),
    "fred/EXPCH.csv",
    "fred/IMPCH.csv",
)

#: What each source is and which release the snapshot holds. The months each covers are read
#: from the data at build time and recorded in the manifest; captions are made from both.
#: The public tracker whose files the shipped Census data were reshaped from (data/raw/PROVENANCE.md).
TRACKER_CREDIT = "the public Phase One tracker of M. Waugh (tradewartracker)"
SOURCES = {
    "census_hs6": "US Census Bureau, International Trade API (HS6 exports to China)",
    "census_hs6_snapshot": "shipped snapshot pulled early 2021, before the June-2021 annual revision, reshaped from "
                           f"the files of {TRACKER_CREDIT}",
    "category_releases": "US Census Bureau data, Phase One category year-to-date figures as released month by month, "
                         f"compiled by {TRACKER_CREDIT}",
    "census_c5700": "US Census Bureau, Trade in Goods with China (c5700), accessed 2025-05",
    "fred": "FRED series EXPCH and IMPCH (US Census Bureau)",
    "fred_snapshot": "shipped snapshot downloaded 2026",
}


def raw_inputs(root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> list[Path]:
    """The raw files a build of ``vintage`` reads, in a stable order; a missing one is an error."""
    base = raw_dir(root)
    missing = [name for name in FIXED_INPUTS if not (base / name).exists()]
    if missing:
        raise SchemaError(f"raw data missing: {missing[0]} (the shipped snapshot in {base})")
    paths = [base / name for name in FIXED_INPUTS if "/exports_hs6_" not in name and not name.startswith("fred/")]
    paths += [p for _, p in vintages.census_files(vintage, root)]
    paths += list(vintages.fred_files(vintage, root).values())
    paths += vintages.manifest_files(vintage, root)
    return list(dict.fromkeys(paths))


def fingerprint(root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> dict[str, str]:
    """sha256 of every raw input of ``vintage``, keyed by its path relative to ``data/raw``."""
    base = raw_dir(root)
    return {p.relative_to(base).as_posix(): vintages.sha256(p) for p in raw_inputs(root, vintage)}


# --- tidy tables ------------------------------------------------------------------------------


def exports_hs6(files: list[Path] | list[tuple[int, Path]]) -> pd.DataFrame:
    """Monthly HS6 exports to China from the Census API files, checked and stacked.

    ``files`` may carry priorities (a later pull replaces the months it holds). Within one
    priority a record may appear once; the months must run without a gap.
    """
    ranked = [f if isinstance(f, tuple) else (0, f) for f in files]
    frames = [sources.read_census_exports(p).assign(_rank=rank) for rank, p in ranked]
    out = pd.concat(frames, ignore_index=True)
    dup = out.duplicated(["_rank", "month", "hs6"])
    if dup.any():
        row = out.loc[dup].iloc[0]
        raise SchemaError(f"census HS6 files: {row['month']} {row['hs6']} appears in two files")
    newest = out.groupby("month")["_rank"].transform("max")
    out = out[out["_rank"] == newest].drop(columns="_rank")
    months = pd.PeriodIndex(out["month"].unique(), freq="M").sort_values()
    expected = pd.period_range(months.min(), months.max(), freq="M")
    if len(months) != len(expected):
        gap = expected.difference(months)[0]
        raise SchemaError(f"census HS6 data: month {gap} is missing between {months.min()} and {months.max()}")
    return out.sort_values(["month", "hs6"], ignore_index=True)


def exports_subcategory(hs6: pd.DataFrame, concordance: pd.DataFrame) -> pd.DataFrame:
    """Monthly exports by coverage, Phase One category and sub-category (HS6 months only).

    Each distinct code is classified once per coverage; the rows are summed through integer
    keys (month, class), not joined by code."""
    codes, uniques = pd.factorize(hs6["hs6"])
    month_codes, months = pd.factorize(hs6["month"], sort=True)
    values = pd.Series(hs6["value_usd"].to_numpy())
    frames = []
    for coverage in COVERAGES:
        classes = classify(pd.Series(uniques, dtype=object), concordance, coverage).reindex(uniques)
        class_codes, names = pd.factorize(pd.MultiIndex.from_arrays(
            [classes["category"].to_numpy(), classes["subcategory"].fillna("").to_numpy()]))
        sums = values.groupby(month_codes * len(names) + class_codes[codes]).sum()
        keys = sums.index.to_numpy()
        picked = names[keys % len(names)]
        frames.append(pd.DataFrame({
            "month": months[keys // len(names)], "coverage": coverage,
            "category": picked.get_level_values(0), "subcategory": picked.get_level_values(1),
            "value_usd": sums.to_numpy(),
        }).sort_values(["month", "category", "subcategory"], ignore_index=True))
    out = pd.concat(frames, ignore_index=True)
    out["subcategory"] = out["subcategory"].replace("", pd.NA)
    return out


def monthly_from_vintages(releases: pd.DataFrame, known: pd.DataFrame) -> pd.DataFrame:
    """Monthly category values for the months after ``known`` ends, from year-to-date releases.

    ``known`` holds the HS6 figures by month (rows) and covered category (columns). A month
    ``m`` after the HS6 data is the release through ``m`` less the year-to-date figure through
    ``m - 1``: from HS6 where HS6 covers ``m - 1`` (so each refreshed month is counted once and
    the year-to-date total of a later month is the published one), else from the release
    through ``m - 1``; January starts from zero. The handover month is the data's, never a
    constant. Such values mix releases; the snapshot README says so. Only covered categories
    are derived: the published ``not_covered`` figures are not year-to-date.
    """
    covered = releases[releases["category"].isin(known.columns)]
    wide = covered.pivot(index="data_through", columns="category", values="value_2021_ytd_usd").sort_index()
    months = wide.index  # the releases run without a gap: their schema says so
    last = known.index.max()
    later = months[months > last]
    if later.empty:
        return pd.DataFrame({"month": pd.PeriodIndex([], freq="M"), "category": [], "value_usd": [], "revision_note": []})
    year = later[0].year
    in_year = known[(known.index.year == year)].reindex(columns=wide.columns)
    ytd = pd.concat([in_year.cumsum(), wide.loc[later]]).rename_axis("month")
    before = later[0] - 1
    previous = ytd.loc[[before]] if before in ytd.index else None
    if previous is None and before.year == year:
        raise SchemaError(f"{RELEASES_FILE}: no release or HS6 data for {before}")
    base = previous.to_numpy()[0] if previous is not None else 0
    monthly = ytd.loc[later].diff()
    monthly.iloc[0] = ytd.loc[later[0]] - base
    long = monthly.stack().rename("value_usd").reset_index()
    long["value_usd"] = long["value_usd"].astype("int64")
    notes = covered.set_index(["data_through", "category"])["revision_note"]
    long["revision_note"] = notes.reindex(pd.MultiIndex.from_frame(long[["month", "category"]])).to_numpy()
    _no_unexplained_fall(long, ytd, releases)
    return long


def _no_unexplained_fall(monthly: pd.DataFrame, ytd: pd.DataFrame, releases: pd.DataFrame) -> None:
    """A month derived from the releases is below zero only when its release's revision_note says why."""
    fell = monthly[(monthly["value_usd"] < 0) & monthly["revision_note"].isna()]
    if fell.empty:
        return
    row = fell.iloc[0]
    month, category = row["month"], row["category"]
    line = releases.index[(releases["data_through"] == month) & (releases["category"] == category)][0] + 2
    raise SchemaError(
        f"{RELEASES_FILE}: line {line}: {category} year to date {ytd.at[month, category]:,.0f} through {month} is "
        f"below {ytd.at[month - 1, category]:,.0f} through {month - 1} (rule: a year-to-date figure never falls "
        f"without a revision_note saying why; the month would be {row['value_usd']:,.0f} USD)"
    )


def exports_category(subcategory: pd.DataFrame, releases: pd.DataFrame) -> pd.DataFrame:
    """Monthly exports by coverage and category; the published aggregates fill later months.

    Columns ``month, coverage, category, value_usd, source``. Every month the HS6 data cover
    comes from HS6 (``source`` ``census_hs6``) under every coverage. Months after the HS6 data
    that the category releases cover come from them (``category_ytd_releases``), under their
    coverage only, :data:`~tradedeal.ingest.concordance.AGGREGATE_COVERAGE`; ``revision_note``
    carries a release's note where it revised earlier months (missing elsewhere).
    """
    by_category = subcategory.groupby(["month", "coverage", "category"], as_index=False)["value_usd"].sum()
    by_category["source"] = "census_hs6"
    hs6 = by_category[by_category["coverage"] == AGGREGATE_COVERAGE]
    known = hs6.pivot(index="month", columns="category", values="value_usd").drop(columns="not_covered", errors="ignore")
    known.index = pd.PeriodIndex(known.index, freq="M")
    derived = monthly_from_vintages(releases, known)
    derived.insert(1, "coverage", AGGREGATE_COVERAGE)
    derived["source"] = "category_ytd_releases"
    by_category["revision_note"] = pd.Series(pd.NA, index=by_category.index, dtype="str")
    out = pd.concat([by_category, derived], ignore_index=True)
    out["revision_note"] = out["revision_note"].astype("str")
    return out.sort_values(["coverage", "month", "category"], ignore_index=True)


def total_goods(c5700: pd.DataFrame, expch: pd.DataFrame, impch: pd.DataFrame) -> pd.DataFrame:
    """Total US goods trade with China: Census c5700 to 2015, FRED EXPCH/IMPCH from 2016."""
    fred = pd.DataFrame(
        {"month": expch["month"], "exports_usd": expch["value_usd"].to_numpy()}
    ).merge(impch.rename(columns={"value_usd": "imports_usd"}), on="month", how="outer")
    fred["source"] = "fred"
    start = fred["month"].min()
    census = c5700[c5700["month"] < start].assign(source="census_c5700")
    out = pd.concat([census, fred], ignore_index=True).sort_values("month", ignore_index=True)
    return out[["month", "exports_usd", "imports_usd", "source"]]


# --- build ---------------------------------------------------------------------------------


def _write_parquet(frame: pd.DataFrame, path: Path) -> dict:
    """Write ``frame`` next to ``path`` and rename it into place (never a half-written file);
    return what the manifest records of it: rows, sha256 and columns with their types."""
    frame = frame.copy()
    for column in MONTH_COLUMNS & set(frame.columns):
        frame[column] = frame[column].dt.to_timestamp()  # parquet has no month type; read back fast
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)
        digest = vintages.sha256(tmp)
    return {"rows": len(frame), "sha256": digest, "schema": [[c, str(t)] for c, t in frame.dtypes.items()]}


def processed_folder(root, vintage: str | None) -> Path:
    """Processed tables of the latest data in ``data/processed``; of an earlier vintage below it."""
    base = processed_dir(root)
    if vintage is None or vintage == vintages.label(None, root):
        return base
    return base / "vintages" / vintage


def build(root: str | os.PathLike[str] | None = None, vintage: str | None = None) -> dict:
    """Parse the raw data of ``vintage`` (default: the latest) and write every processed table.

    All tables are computed before anything is written, so bad raw data leaves the processed
    folder as it was. Returns the manifest.
    """
    base = raw_dir(root)
    hashes = fingerprint(root, vintage)
    concordance = sources.load_concordance(base / "agreement" / "annex_6_1.csv")
    hs6 = exports_hs6(vintages.census_files(vintage, root))
    described = hs6.dropna(subset=["description"])
    census = described.groupby("hs6")["description"].last()  # months are sorted: the latest
    descriptions = hs6_descriptions.table(hs6["hs6"].unique(), census, concordance)
    hs6 = hs6.drop(columns="description")
    releases = sources.read_category_vintages(base / "census" / "phase1_category_ytd_vintages_2021.csv")
    subcategory = exports_subcategory(hs6, concordance)
    fred = vintages.fred_files(vintage, root)
    tables = {
        "exports_hs6": hs6,
        "exports_subcategory": subcategory,
        "exports_category": exports_category(subcategory, releases),
        "total_goods": total_goods(
            sources.read_census_c5700(base / "census" / "c5700_goods_trade_monthly_2001_2019.csv"),
            sources.read_fred(fred["EXPCH"], "EXPCH"),
            sources.read_fred(fred["IMPCH"], "IMPCH"),
        ),
        "category_vintages": releases,
        "hs6_descriptions": descriptions,
    }
    for name, frame in tables.items():
        processed_schemas.check_processed(name, frame)
    allowed = consistency.accepted(root)
    by_month = hs6.groupby("month").agg(records=("hs6", "size"), value_usd=("value_usd", "sum"))
    found = consistency.check(by_month, "exports_hs6", allowed)
    found += consistency.check(tables["total_goods"].set_index("month")[["exports_usd", "imports_usd"]],
                               "total_goods", allowed)
    out = processed_folder(root, vintage)
    out.mkdir(parents=True, exist_ok=True)
    written = {name: _write_parquet(frame, out / f"{name}.parquet") for name, frame in tables.items()}
    manifest = {
        "build_version": BUILD_VERSION,
        "vintage": vintages.label(vintage, root),
        "pulls": vintages.resolve(vintage, root),
        "raw_sha256": hashes,
        "accepted_breaks": allowed,  # the user's acceptances this build read (an input, like the raw files)
        "breaks": found,  # the accepted breaks the data hold
        "tables": written,
        "hs6_months": _span(hs6["month"]),
        "months": {
            "census_hs6": _span(hs6["month"]),
            "category_releases": _span(tables["exports_category"].query("source == 'category_ytd_releases'")["month"]),
            **{source: _span(group["month"]) for source, group in tables["total_goods"].groupby("source")},
        },
        "sources": SOURCES,
    }
    vintages.write_json(out / "manifest.json", manifest)
    return manifest


def _span(months: pd.Series) -> list[str] | None:
    """First and last month of a column, as text (None when empty)."""
    return [str(months.min()), str(months.max())] if len(months) else None
