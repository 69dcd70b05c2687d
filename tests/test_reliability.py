"""Bad inputs at every entry point: one-line errors naming the input, non-zero exits, no damage.

docs/reliability.md lists each case with the test that covers it.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import census_rows, set_release, write_census
from tradedeal import Snapshot
from tradedeal.errors import ParameterError
from tradedeal.ingest.build import build
from tradedeal.present import report


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".build.lock"}


def test_non_json_census_file(fresh_root, run_cli):
    path = fresh_root / "raw" / "census" / "exports_hs6_cty5700_2016.json.gz"
    import gzip

    with gzip.open(path, "wt") as fh:
        fh.write("<html>Service Unavailable</html>")
    code, _, err = run_cli("data", "build")
    assert code == 2
    assert err == "tradedeal: error: exports_hs6_cty5700_2016.json.gz: file: not a readable JSON response " + err.split("response ", 1)[1]
    assert err.count("\n") == 1
    assert not (fresh_root / "processed" / "manifest.json").exists()


def test_a_month_missing_in_the_middle_is_reported_not_filled(fresh_root, run_cli):
    rows = census_rows(2019)
    write_census(fresh_root / "raw" / "census" / "exports_hs6_cty5700_2019.json.gz",
                 [r for r in rows if r[-1] != "2019-06"])
    code, _, err = run_cli("tracker", "--year", "2020")
    assert code == 2
    assert err.strip() == "tradedeal: error: census HS6 data: month 2019-06 is missing between 2013-01 and 2021-01"


def test_an_hs_code_no_concordance_knows(built_root):
    # in the data, a code outside the agreement is simply not covered …
    hs6 = Snapshot(built_root).exports_hs6_classified()
    assert set(hs6.loc[hs6["hs6"] == "988000", "category"]) == {"not_covered"}
    # … asked for by name, an unknown code is an error naming it
    with pytest.raises(ParameterError, match="series: no HS6 line starts with '999999'"):
        Snapshot(built_root).series("999999")
    with pytest.raises(ParameterError, match="product '999999': no HS6 line starts with 999999"):
        Snapshot(built_root).product_frame("999999")


def test_unwritable_output_folder(fresh_root, run_cli, tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the report folder should be")
    code, _, err = run_cli("report", "01_tracker", "--out", str(blocker))
    assert code == 2 and err.startswith("tradedeal: error: cannot read or write") and err.count("\n") == 1
    assert blocker.read_text() == "a file where the report folder should be"
    shutil.rmtree(fresh_root / "processed", ignore_errors=True)  # the report's checks built it
    (fresh_root / "processed").write_text("not a folder")
    code, _, err = run_cli("data", "build")
    assert code == 2 and "cannot read or write" in err and str(fresh_root / "processed") in err
    assert (fresh_root / "processed").read_text() == "not a folder"


def test_disk_full_while_building_leaves_the_old_tables(fresh_root, run_cli, monkeypatch):
    build(fresh_root)
    processed = fresh_root / "processed"
    before = files_of(processed)
    rows = census_rows(2020)
    rows[5][1] = str(int(rows[5][1]) + 1)  # the raw data changed: a rebuild is due
    write_census(fresh_root / "raw" / "census" / "exports_hs6_cty5700_2020.json.gz", rows)
    calls = {"n": 0}
    real = pd.DataFrame.to_parquet

    def full_disk(self, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    code, _, err = run_cli("tracker", "--year", "2020")
    assert code == 2 and err.rstrip().endswith("No space left on device") and err.count("\n") == 1
    after = files_of(processed)
    assert not [n for n in after if n.endswith(".tmp")]  # no half-written file
    assert after["manifest.json"] == before["manifest.json"]  # the old manifest still describes the old build
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real)
    assert Snapshot(fresh_root).exports_hs6().shape[0] == 363_590  # the next load rebuilds cleanly


def test_disk_full_while_refreshing_leaves_no_vintage(fresh_root, monkeypatch):
    from api_server import APIServer

    from tradedeal.ingest.refresh import refresh
    from tradedeal.ingest.vintages import list_vintages

    with APIServer() as server:
        monkeypatch.setenv("TRADEDEAL_CENSUS_URL", f"{server.url}/data/timeseries/intltrade/exports/hs")
        real = Path.write_bytes

        def full_disk(self, content):
            if self.name.startswith("exports_hs6_cty5700_2021-01"):
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return real(self, content)

        monkeypatch.setattr(Path, "write_bytes", full_disk)
        with pytest.raises(OSError, match="No space left on device"):
            refresh("census", "2020-12", "2021-01", root=fresh_root)
    assert list_vintages(fresh_root) == ["snapshot"]
    assert not list((fresh_root / "raw" / "vintages" / "census").glob(".tmp-*"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tracker", "--year", "2020", "--as-of", "2020/07"], "as_of must be a month YYYY-MM"),
        (["forecast", "--year", "2020", "--as-of", "2019-12"], "as_of must be a month of 2020; got 2019-12"),
        (["forecast", "--year", "2021", "--as-of", "2021-12"], "as_of 2021-12 is outside the data"),
        (["data", "refresh", "--start", "2021-13"], "start must be a month YYYY-MM; got '2021-13'"),
        (["data", "refresh", "--start", "2021-05", "--end", "2021-01"], "end 2021-01 is before start 2021-05"),
        (["data", "diff", "snapshot", "2020-01-01T000000Z"], "vintage must be one of snapshot"),
        (["report", "03_forecast", "-p", "horizon", "zero"], "horizon must be a whole number from 1 to 24"),
        (["report", "04_product", "-p", "product", "tofu"], "product must be one of"),
    ],
)
def test_parameters_of_the_wrong_type_or_range(run_cli, argv, message):
    code, out, err = run_cli(*argv)
    assert code == 2 and out == ""
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("damage", ["truncated", "empty"])
def test_a_damaged_processed_table_is_a_cache_miss(fresh_root, run_cli, damage, caplog):
    build(fresh_root)
    path = fresh_root / "processed" / "exports_category.parquet"
    path.write_bytes(path.read_bytes()[: 100] if damage == "truncated" else b"")
    code, out, err = run_cli("tracker", "--year", "2020", "--as-of", "2020-12", "--format", "json")
    assert code == 0
    said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert said == ["tradedeal: exports_category.parquet was damaged (its sha256 does not match the build manifest); "
                    "rebuilt it from the raw data"]
    assert next(r for r in json.loads(out) if r["category"] == "covered_total")["purchases_ytd_usd"] == 93_651_664_966
    assert len(path.read_bytes()) > 1_000  # whole again


def test_two_runs_in_the_same_second_get_their_own_folders(tmp_path):
    folders = {report.new_run_dir(tmp_path) for _ in range(5)}
    assert len(folders) == 5 and all(f.is_dir() for f in folders)


def test_files_are_written_with_the_users_umask(fresh_root, run_cli):
    previous = os.umask(0o022)
    try:
        build(fresh_root)
        written = [fresh_root / "processed" / "manifest.json", fresh_root / "processed" / "exports_hs6.parquet"]
        assert {oct(p.stat().st_mode & 0o777) for p in written} == {"0o644"}
    finally:
        os.umask(previous)


def test_an_infinite_census_value_is_one_line(fresh_root, run_cli):
    rows = census_rows(2018)
    rows[7][1] = "inf"
    write_census(fresh_root / "raw" / "census" / "exports_hs6_cty5700_2018.json.gz", rows)
    code, out, err = run_cli("tracker", "--year", "2020")
    assert (code, out) == (2, "")
    assert err == "tradedeal: error: exports_hs6_cty5700_2018.json.gz: row 7: ALL_VAL_MO 'inf' breaks the rule: finite\n"


def test_an_empty_annex_is_one_line(fresh_root, run_cli):
    (fresh_root / "raw" / "agreement" / "annex_6_1.csv").write_text("")
    code, out, err = run_cli("data", "build")
    assert (code, out) == (2, "")
    assert err == "tradedeal: error: annex_6_1.csv: file: empty (rule: a header and at least one covered product)\n"
    assert not (fresh_root / "processed" / "manifest.json").exists()


def test_a_falling_year_to_date_release_is_one_line_not_a_negative_month(fresh_root, run_cli):
    """The 2021-06 energy release lowered (a constructed edit) below 2021-05's 5,228,389,843."""
    path = fresh_root / "raw" / "census" / "phase1_category_ytd_vintages_2021.csv"
    frame = pd.read_csv(path, dtype=str)
    set_release(frame, "2021-06", "energy", "5000000000")
    frame.to_csv(path, index=False)
    code, out, err = run_cli("tracker", "--year", "2021")
    assert (code, out) == (2, "")
    assert err == ("tradedeal: error: phase1_category_ytd_vintages_2021.csv: line 29: energy year to date 5,000,000,000 "
                   "through 2021-06 is below 5,228,389,843 through 2021-05 (rule: a year-to-date figure never falls "
                   "without a revision_note saying why)\n")


def test_a_revision_note_lets_a_release_fall_and_is_shown(fresh_root):
    """The same lowered release, with a revision note (TEST NOTE, NOT REAL): the negative month
    is kept, carries the note, and the tracker's notes name it."""
    path = fresh_root / "raw" / "census" / "phase1_category_ytd_vintages_2021.csv"
    frame = pd.read_csv(path, dtype=str)
    june = (frame["data_through"] == "2021-06") & (frame["category"] == "energy")
    set_release(frame, "2021-06", "energy", "5000000000")
    frame["revision_note"] = ""
    frame.loc[june, "revision_note"] = "TEST NOTE, NOT REAL: earlier 2021 months revised down"
    frame.to_csv(path, index=False)
    snap = Snapshot(fresh_root)
    monthly = snap.exports_by_category("annex_6_1_ex_civil_aircraft")
    assert monthly.loc["2021-06", "energy"] == 5_000_000_000 - 5_228_389_843
    notes = snap.source_notes("annex_6_1_ex_civil_aircraft")
    assert notes[1:] == ["2021-06 energy: -228,389,843 USD, a release revised earlier months "
                         "(TEST NOTE, NOT REAL: earlier 2021 months revised down)"]
