"""Consistency: released totals equal the sum of their parts, each month stays within the band of
its neighbours (a break is named, and accepted only by the user), and `tradedeal data verify`
rebuilds the processed tables from raw to compare.

Every case edits a REAL shipped file in a temporary copy (fresh_root); the edits are the attack.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from conftest import RAW, census_rows, write_census
from tradedeal.errors import SchemaError
from tradedeal.ingest import consistency, processed, sources, vintages


def _keep_a_tenth_of(root, month: str) -> int:
    """Remove 90 % of the HS6 records of ``month`` from the 2020 response; the records left."""
    rows = census_rows(2020)
    records = [r for r in rows[1:] if r[-1] == month]
    kept = records[::10]
    write_census(root / "raw" / "census" / "exports_hs6_cty5700_2020.json.gz",
                 [rows[0], *[r for r in rows[1:] if r[-1] != month], *kept])
    return len(kept)


# --- released totals and their parts ------------------------------------------------------


def test_a_covered_total_that_is_not_the_sum_of_its_categories_is_refused(tmp_path):
    text = (RAW / "census" / "phase1_category_ytd_vintages_2021.csv").read_text()
    line = "2021-03,covered_total,78770493778,89253530093,25618588057"
    assert line in text.splitlines()  # the real release through 2021-03
    number = text.splitlines().index(line) + 1
    for edited, column in ((line.replace("25618588057", "25618588060"), "value_2021_ytd"),  # $3 off: beyond rounding
                           (line.replace("89253530093", "88253530093"), "value_2020")):
        path = tmp_path / "phase1_category_ytd_vintages_2021.csv"
        path.write_text(text.replace(line, edited))
        with pytest.raises(SchemaError) as err:
            sources.read_category_vintages(path)
        assert str(err.value).startswith(
            f"phase1_category_ytd_vintages_2021.csv: line {number}: covered_total {column} ")
        assert "is not the sum of agriculture, energy, manufactures" in str(err.value)
    path.write_text(text.replace(line, line.replace("25618588057", "25618588059")))  # $2: the rounding of 4 figures
    assert sources.read_category_vintages(path)["value_2021_ytd_usd"].max() > 0


def test_a_c5700_balance_that_is_not_exports_less_imports_is_refused(tmp_path):
    text = (RAW / "census" / "c5700_goods_trade_monthly_2001_2019.csv").read_text()
    path = tmp_path / "c5700.csv"
    path.write_text(text.replace("June 2018;10,855.7;", "June 2018;11,855.7;"))
    with pytest.raises(SchemaError, match=r"c5700.csv: line 211: Balance -33,668.3 is not Exports 11,855.7 less "
                                          r"Imports 44,524.0 \(rule: a released total equals the sum of its parts"):
        sources.read_census_c5700(path)


# --- each month against its neighbours ------------------------------------------------------


def test_the_band_holds_every_month_of_the_shipped_data(root):
    """The stated band holds the real spread with room: no shipped month is a break."""
    hs6 = processed.load_table("exports_hs6", root)
    by_month = hs6.groupby("month").agg(records=("hs6", "size"), value_usd=("value_usd", "sum"))
    ratios = by_month.astype(float) / by_month.apply(consistency.neighbours)
    assert 0.6 < ratios.min().min() < 0.75 and 1.1 < ratios.max().max() < 1.4  # the spread docs/reliability.md states
    assert consistency.breaks(by_month, "exports_hs6").empty
    assert processed.read_manifest(root)["breaks"] == []


def test_a_month_with_most_of_its_records_removed_is_a_named_break(run_cli, fresh_root):
    kept = _keep_a_tenth_of(fresh_root, "2020-06")
    code, out, err = run_cli("tracker", "--year", "2020")
    assert code == 2 and out == ""
    assert err.startswith(f"tradedeal: error: exports_hs6: 2020-06: records {kept:,} is 0.1")
    assert err.endswith("(rule: each month within 0.5 to 2.0 times its neighbours; if the break is real, accept it: "
                        "tradedeal data build --accept-break exports_hs6:2020-06)\n")
    assert not (fresh_root / "processed" / "exports_hs6.parquet").exists()


def test_a_break_is_accepted_only_by_name_and_is_recorded(run_cli, fresh_root):
    _keep_a_tenth_of(fresh_root, "2020-06")
    code, _, err = run_cli("data", "build", "--accept-break", "exports_hs6:2020-07")  # another month: not this one
    assert code == 2 and "exports_hs6: 2020-06: records" in err
    code, out, err = run_cli("data", "build", "--accept-break", "exports_hs6:2020-06")
    assert code == 0, err
    assert "accepted break: exports_hs6:2020-06 (accepted by the user)" in out
    manifest = processed.read_manifest(fresh_root)
    assert manifest["breaks"] == ["exports_hs6:2020-06"]
    assert manifest["accepted_breaks"]["exports_hs6:2020-06"] == "accepted by the user"
    (fresh_root / consistency.ACCEPTED_FILE).unlink()  # withdrawn: the next load fails again, never silently
    code, _, err = run_cli("tracker", "--year", "2020")
    assert code == 2 and "accept it: tradedeal data build --accept-break exports_hs6:2020-06" in err
    code, _, err = run_cli("data", "build", "--accept-break", "hs6:2020-06")
    assert code == 2 and err == ("tradedeal: error: --accept-break must be exports_hs6:YYYY-MM or total_goods:YYYY-MM; "
                                 "got 'hs6:2020-06'\n")


def test_a_fred_value_cut_to_its_first_digits_is_a_break(run_cli, fresh_root):
    path = fresh_root / "raw" / "fred" / "EXPCH.csv"
    lines = path.read_text().splitlines()
    month, value = lines[-1].split(",")
    lines[-1] = f"{month},{value[:2]}"  # "2026-01-01,83": a line cut short, then given its newline
    path.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli("data", "build")
    assert code == 2
    assert err.startswith(
        f"tradedeal: error: total_goods: {month[:7]}: exports_usd {int(value[:2]) * 1_000_000:,} is 0.0")


# --- data verify: a rebuild from raw ------------------------------------------------------------


def _edit_table_and_manifest(root, name: str, folder=None) -> None:
    """Double a value of a processed table and write its sha256 into the manifest: a checksum
    kept beside the data agrees with the data it is kept beside."""
    folder = folder or root / "processed"
    path = folder / f"{name}.parquet"
    frame = pd.read_parquet(path)
    frame.loc[0, "value_usd"] = frame.loc[0, "value_usd"] * 2
    frame.to_parquet(path, index=False)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["tables"][name]["sha256"] = vintages.sha256(path)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def test_verify_finds_a_table_edited_together_with_its_manifest(run_cli, fresh_root):
    assert run_cli("data", "build")[0] == 0
    code, out, err = run_cli("data", "verify")
    assert code == 0, err
    assert "snapshot (latest): 6 tables rebuilt from raw and identical" in out
    _edit_table_and_manifest(fresh_root, "exports_hs6")
    assert processed.load_table("exports_hs6", fresh_root)["value_usd"].iloc[0] > 0  # served: the checksum holds
    before = (fresh_root / "processed" / "exports_hs6.parquet").read_bytes()
    code, out, err = run_cli("data", "verify")
    assert code == 2
    assert err.startswith("tradedeal: error: verify: snapshot (latest): exports_hs6 differs from its rebuild from raw "
                          "at row 1 (value_usd")
    assert (fresh_root / "processed" / "exports_hs6.parquet").read_bytes() == before  # verify changes nothing


def test_verify_rebuilds_every_vintage(run_cli, fresh_root):
    assert run_cli("data", "build")[0] == 0
    shutil.copytree(fresh_root / "processed", fresh_root / "processed_copy")
    vintage = fresh_root / "processed" / "vintages" / "snapshot"
    vintage.parent.mkdir(parents=True)
    shutil.move(fresh_root / "processed_copy", vintage)  # an earlier vintage's tables, as a refresh leaves them
    _edit_table_and_manifest(fresh_root, "exports_subcategory", vintage)
    code, _, err = run_cli("data", "verify")
    assert code == 2 and "verify: snapshot: exports_subcategory differs from its rebuild from raw" in err


def test_verify_names_a_pulled_file_rewritten_with_its_pull_manifest(run_cli, fresh_root):
    """A pull (a copy of the real EXPCH file, one month changed: TEST DATA, NOT REAL) is built, then
    its file and its pull manifest's sha256 are both rewritten: the manifests agree, the build
    manifest remembers what was read."""
    folder = fresh_root / "raw" / "vintages" / "fred" / "2026-12-01T000000Z"
    folder.mkdir(parents=True)
    text = (fresh_root / "raw" / "fred" / "EXPCH.csv").read_text()
    (folder / "EXPCH.csv").write_text(text.replace("2020-06-01,9240.649481", "2020-06-01,9000.500000"))
    manifest = {"files": {"EXPCH.csv": {"sha256": vintages.sha256(folder / "EXPCH.csv")}}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert run_cli("data", "build")[0] == 0
    (folder / "EXPCH.csv").write_text(text.replace("2020-06-01,9240.649481", "2020-06-01,9500.500000"))
    manifest["files"]["EXPCH.csv"]["sha256"] = vintages.sha256(folder / "EXPCH.csv")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = run_cli("data", "verify")
    assert code == 2
    assert err.startswith("tradedeal: error: verify: 2026-12-01T000000Z (latest): the pulled file "
                          "vintages/fred/2026-12-01T000000Z/EXPCH.csv changed after a build read it")
