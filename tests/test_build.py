"""Processed data: published totals reproduced, freshness enforced, failures leave no trace."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from conftest import census_rows, write_census
from tradedeal import Snapshot
from tradedeal.errors import SchemaError
from tradedeal.ingest import build as builder

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
    assert builder.is_current(root)


def test_loaders_rebuild_when_raw_data_changes(fresh_root):
    first = Snapshot(fresh_root).exports_by_category("annex_6_1")
    assert first.loc["2021-01", "agriculture"] == 3_869_342_817
    rows = census_rows(2021)
    soy = next(r for r in rows[1:] if r[0] == "120190")
    soy[1] = str(int(soy[1]) + 1_000)
    write_census(fresh_root / "raw" / "census" / "exports_hs6_cty5700_2021.json.gz", rows)
    assert not builder.is_current(fresh_root)
    again = Snapshot(fresh_root).exports_by_category("annex_6_1")
    assert again.loc["2021-01", "agriculture"] == 3_869_342_817 + 1_000


def test_bad_raw_data_leaves_processed_data_untouched(fresh_root):
    builder.build(fresh_root)
    processed = fresh_root / "processed"
    before = {p.name: p.read_bytes() for p in processed.iterdir() if p.name != ".build.lock"}
    rows = census_rows(2019)
    rows[100][1] = "-5"
    write_census(fresh_root / "raw" / "census" / "exports_hs6_cty5700_2019.json.gz", rows)
    with pytest.raises(SchemaError, match="exports_hs6_cty5700_2019.json.gz: row 100: ALL_VAL_MO is '-5'"):
        Snapshot(fresh_root).exports_hs6()
    assert {p.name: p.read_bytes() for p in processed.iterdir() if p.name != ".build.lock"} == before


def test_missing_raw_file_is_named(fresh_root):
    (fresh_root / "raw" / "fred" / "IMPCH.csv").unlink()
    with pytest.raises(SchemaError, match="raw data missing: fred/IMPCH.csv"):
        builder.build(fresh_root)
    assert not Path(fresh_root / "processed" / "manifest.json").exists()
