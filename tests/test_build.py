"""Processed data: published totals reproduced, freshness enforced, failures leave no trace."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import census_rows, set_release, write_census
from tradedeal import Snapshot
from tradedeal.agreement.answers import tracker_result
from tradedeal.errors import SchemaError
from tradedeal.ingest import build as builder
from tradedeal.ingest import processed

# Census figures for 2017 under the HS4 transcription of Annex 6.1 (no civil aircraft), as
# published with every 2021 release (data/raw/census/phase1_category_ytd_vintages_2021.csv).
PUBLISHED_2017 = {
    "agriculture": 20_969_792_856,
    "energy": 7_649_222_398,
    "manufactures": 50_151_478_524,
    "not_covered": 50_264_673_647,
}


def year_sum(frame: pd.DataFrame, year: int) -> pd.Series:
    return frame[frame.index.year == year].sum()


def test_2017_exports_by_category_match_the_published_figures(root):
    monthly = Snapshot(root).exports_by_category("annex_6_1_ex_civil_aircraft")
    got = year_sum(monthly, 2017)
    for category, value in PUBLISHED_2017.items():
        assert got[category] == value, category
    assert got["covered_total"] == 78_770_493_778
    assert got["covered_total"] + got["not_covered"] == 129_035_167_425


def test_full_coverage_adds_civil_aircraft_to_manufactures(root):
    aircraft_2017 = sum(int(r[1]) for r in census_rows(2017)[1:] if r[0] == "880000")
    assert aircraft_2017 == 16_264_445_831
    full = year_sum(Snapshot(root).exports_by_category("annex_6_1"), 2017)
    assert full["manufactures"] == PUBLISHED_2017["manufactures"] + aircraft_2017
    assert full["agriculture"] == PUBLISHED_2017["agriculture"]
    assert full["not_covered"] == PUBLISHED_2017["not_covered"] - aircraft_2017


def test_monthly_hs6_sums_are_within_1_5_percent_of_expch(root):
    hs6 = Snapshot(root).exports_hs6().groupby("month")["value_usd"].sum()
    total = Snapshot(root).total_goods()
    expch = total.loc[total["source"] == "fred", "exports_usd"]
    both = pd.concat({"hs6": hs6, "expch": expch}, axis=1).dropna()
    assert (str(both.index.min()), str(both.index.max()), len(both)) == ("2016-01", "2021-01", 61)
    gap = both["hs6"] / both["expch"] - 1
    assert gap.abs().max() < 0.015
    assert (gap < 0).mean() > 0.9  # HS6 lines sum a little below the headline total


def test_2017_soybeans_match_the_usda_ustr_baseline(root):
    hs6 = Snapshot(root).exports_hs6()
    soy = hs6[(hs6["month"].dt.year == 2017) & hs6["hs6"].str.startswith("1201")]["value_usd"].sum()
    assert soy == pytest.approx(12_224.4e6, rel=0.001)
    sub = Snapshot(root).exports_by_subcategory()
    oilseeds = sub[(sub["month"].dt.year == 2017) & (sub["subcategory"] == "Oilseeds")]["value_usd"].sum()
    assert oilseeds == soy


def test_2021_months_telescope_to_the_published_year_to_date(root):
    monthly = Snapshot(root).exports_by_category("annex_6_1_ex_civil_aircraft")
    releases = Snapshot(root).category_releases()
    ytd = monthly.loc["2021-01":"2021-11", ["agriculture", "energy", "manufactures", "covered_total"]].cumsum()
    for month in pd.period_range("2021-02", "2021-11", freq="M"):
        published = releases[releases["data_through"] == month].set_index("category")["value_2021_ytd_usd"]
        for category in ytd.columns:
            assert ytd.loc[month, category] == published[category], (month, category)
    # uncovered trade after January 2021 is not in the snapshot: missing, never zero
    assert monthly.loc["2021-02":, "not_covered"].isna().all()
    assert str(monthly.index.max()) == "2021-11"
    # the full coverage stops with the HS6 data
    assert str(Snapshot(root).available_through("annex_6_1")) == "2021-01"


def test_total_goods_joins_census_and_fred(root):
    total = Snapshot(root).total_goods()
    assert (str(total.index.min()), str(total.index.max())) == ("2001-01", "2026-01")
    assert total.index.is_unique and len(total) == 301
    assert total.loc["2001-01", "exports_usd"] == 1_187_500_000
    # FRED's 2021 exports sum to the Census annual total (151,439.5 $m)
    assert year_sum(total[["exports_usd"]], 2021)["exports_usd"] / 1e6 == pytest.approx(151_439.5, abs=0.2)


def test_manifest_records_the_raw_files(root):
    manifest = json.loads((root / "processed" / "manifest.json").read_text())
    assert set(manifest["raw_sha256"]) >= {
        "agreement/annex_6_1.csv",
        "census/exports_hs6_cty5700_2017.json.gz",
        "fred/EXPCH.csv",
    }
    assert all(len(h) == 64 for h in manifest["raw_sha256"].values())
    assert processed.is_current(root)


def test_loaders_rebuild_when_raw_data_changes(fresh_root):
    first = Snapshot(fresh_root).exports_by_category("annex_6_1")
    assert first.loc["2021-01", "agriculture"] == 3_869_342_817
    rows = census_rows(2021)
    soy = next(r for r in rows[1:] if r[0] == "120190")
    soy[1] = str(int(soy[1]) + 1_000)
    write_census(fresh_root / "raw" / "census" / "exports_hs6_cty5700_2021.json.gz", rows)
    assert not processed.is_current(fresh_root)
    again = Snapshot(fresh_root).exports_by_category("annex_6_1")
    assert again.loc["2021-01", "agriculture"] == 3_869_342_817 + 1_000


@pytest.mark.parametrize(("value", "rule"), [("-5", "non-negative"), ("1e19", "at most 1e+12 USD")])
def test_bad_raw_data_leaves_processed_data_untouched(built_root, value, rule):
    processed = built_root / "processed"
    before = {p.name: p.read_bytes() for p in processed.iterdir() if p.name != ".build.lock"}
    rows = census_rows(2019)
    rows[100][1] = value
    write_census(built_root / "raw" / "census" / "exports_hs6_cty5700_2019.json.gz", rows)
    with pytest.raises(SchemaError, match=re.escape(f"exports_hs6_cty5700_2019.json.gz: row 100: ALL_VAL_MO '{value}' breaks the rule: {rule}")):
        Snapshot(built_root).exports_hs6()
    assert {p.name: p.read_bytes() for p in processed.iterdir() if p.name != ".build.lock"} == before


def test_missing_raw_file_is_named(fresh_root):
    (fresh_root / "raw" / "fred" / "IMPCH.csv").unlink()
    with pytest.raises(SchemaError, match="raw data missing: fred/IMPCH.csv"):
        builder.build(fresh_root)
    assert not Path(fresh_root / "processed" / "manifest.json").exists()


def test_manifest_records_each_tables_sha256_and_schema(root):
    manifest = json.loads((root / "processed" / "manifest.json").read_text())
    assert set(manifest["tables"]) == set(builder.TABLES)
    entry = manifest["tables"]["exports_hs6"]
    assert entry["rows"] == 363_590
    assert entry["sha256"] == hashlib.sha256((root / "processed" / "exports_hs6.parquet").read_bytes()).hexdigest()
    assert [c for c, _ in entry["schema"]] == ["month", "hs6", "value_usd", "qty", "qty_unit"]
    assert dict(entry["schema"])["value_usd"] == "int64"


def _tamper(path: Path, how: str, root: Path) -> None:
    if how == "doubled":  # a valid parquet with every value doubled
        frame = pd.read_parquet(path)
        frame["value_usd"] = frame["value_usd"] * 2
        frame.to_parquet(path, index=False)
    else:  # a valid parquet of another table
        shutil.copyfile(root / "processed" / "total_goods.parquet", path)


@pytest.mark.parametrize("how", ["doubled", "another_table"])
def test_a_tampered_processed_table_is_never_served(built_root, how, caplog):
    path = built_root / "processed" / "exports_category.parquet"
    _tamper(path, how, built_root)
    caplog.set_level(logging.WARNING)
    table = tracker_result(Snapshot(built_root), 2020, "2020-12").table.set_index("category")
    assert table.loc["covered_total", "purchases_ytd_usd"] == 93_651_664_966
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert said == ["tradedeal: exports_category.parquet was damaged (its sha256 does not match the build manifest); "
                    "rebuilt it from the raw data"]
    manifest = json.loads((built_root / "processed" / "manifest.json").read_text())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == manifest["tables"]["exports_category"]["sha256"]


def test_a_manifest_edited_to_match_a_foreign_table_is_still_caught(built_root, caplog):
    path = built_root / "processed" / "exports_category.parquet"
    _tamper(path, "another_table", built_root)
    manifest_path = built_root / "processed" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["tables"]["exports_category"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    caplog.set_level(logging.WARNING)
    monthly = Snapshot(built_root).exports_by_category("annex_6_1")
    assert monthly.loc["2021-01", "agriculture"] == 3_869_342_817
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "tradedeal: exports_category.parquet was damaged (its columns are not those the build manifest records); "
        "rebuilt it from the raw data"]


KILLED_BUILD = """
import os, signal, sys
import pandas as pd
from tradedeal.ingest.build import build
real = pd.DataFrame.to_parquet
def killed(self, path, *args, **kwargs):
    real(self, path, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 with the first table half-way into place
pd.DataFrame.to_parquet = killed
build(sys.argv[1])
"""


def test_a_build_killed_midway_leaves_no_temporary_file_behind(fresh_root):
    done = subprocess.run([sys.executable, "-c", KILLED_BUILD, str(fresh_root)], capture_output=True)
    assert done.returncode == -signal.SIGKILL
    leftovers = list((fresh_root / "processed").glob(".*.tmp"))
    assert [p.name.split(".parquet.")[0] for p in leftovers] == [".exports_hs6"]
    assert Snapshot(fresh_root).exports_hs6().shape[0] == 363_590  # the next load builds …
    assert not list((fresh_root / "processed").glob(".*.tmp"))  # … and clears what the killed one left


def test_a_release_below_the_hs6_year_to_date_is_an_error(fresh_root):
    """The 2021-02 agriculture release (a constructed edit) set above January's release but below
    January's HS6 figure (3,869,342,817): February would be negative."""
    path = fresh_root / "raw" / "census" / "phase1_category_ytd_vintages_2021.csv"
    frame = pd.read_csv(path, dtype=str)
    set_release(frame, "2021-02", "agriculture", "3866000000")
    frame.to_csv(path, index=False)
    with pytest.raises(SchemaError) as err:
        builder.build(fresh_root)
    assert str(err.value) == (
        "phase1_category_ytd_vintages_2021.csv: line 7: agriculture year to date 3,866,000,000 through 2021-02 is below "
        "3,869,342,817 through 2021-01 (rule: a year-to-date figure never falls without a revision_note saying why; "
        "the month would be -3,342,817 USD)")
    assert not (fresh_root / "processed" / "manifest.json").exists()


def test_a_month_missing_from_one_fred_series_is_named(fresh_root):
    path = fresh_root / "raw" / "fred" / "IMPCH.csv"
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")  # IMPCH loses 2026-01, EXPCH keeps it
    with pytest.raises(SchemaError, match=r"processed table total_goods: row 301: month 2026-01 has no imports"):
        builder.build(fresh_root)
    assert not (fresh_root / "processed" / "manifest.json").exists()


def test_an_altered_or_damaged_result_cache_is_a_miss(built_root):
    """The disk cache of slow results (ingest.cache) serves a file only when its sha256 holds."""
    import pickle

    from tradedeal.ingest.cache import cached

    snap = Snapshot(built_root)
    total_2017 = float(snap.exports_by_category("annex_6_1").loc["2017-01":"2017-12", "covered_total"].sum())
    calls = []

    def compute() -> float:
        calls.append(1)
        return total_2017

    key = ("altered-cache-test",)
    assert cached("test", compute, key=key, snapshot=snap) == total_2017
    assert cached("test", compute, key=key, snapshot=snap) == total_2017 and len(calls) == 1  # served
    (path,) = (snap.root / "processed" / "cache").glob("test-*.pkl")
    data = path.read_bytes()
    path.write_bytes(data[:32] + pickle.dumps(2 * total_2017))  # a valid pickle, doubled: altered
    assert cached("test", compute, key=key, snapshot=snap) == total_2017 and len(calls) == 2
    path.write_bytes(path.read_bytes()[:40])  # cut short: damaged
    assert cached("test", compute, key=key, snapshot=snap) == total_2017 and len(calls) == 3
    path.unlink()
