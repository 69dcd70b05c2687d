"""Raw parsers: real files parse to the published figures; malformed input is named and rejected."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from conftest import RAW, census_rows, set_release, write_census
from tradedeal.errors import ConcordanceError, SchemaError
from tradedeal.ingest import schemas, sources


def test_census_file_parses_as_the_api_sent_it():
    frame = sources.read_census_exports(RAW / "census" / "exports_hs6_cty5700_2017.json.gz")
    assert len(frame) == 46070
    assert frame["month"].dtype == "period[M]"
    first = frame.iloc[0]
    assert (str(first["month"]), first["hs6"], first["value_usd"]) == ("2017-01", "010391", 2740)
    # codes keep their leading zeros; units "-" mean no unit
    assert frame["hs6"].str.len().eq(6).all()
    crude = frame[(frame["hs6"] == "270900") & (frame["qty"] > 0)]
    assert set(crude["qty_unit"]) == {"BBL"}
    assert frame.loc[frame["hs6"] == "010391", "qty_unit"].isna().all()


SLICE = census_rows(2017)[:40]  # header + 39 real records of January 2017


def _mutate(row: int, field: str, value: str):
    rows = copy.deepcopy(SLICE)
    rows[row][rows[0].index(field)] = value
    return rows


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_mutate(3, "ALL_VAL_MO", "N/A"), "row 3: ALL_VAL_MO 'N/A' breaks the rule: a number"),
        (_mutate(5, "ALL_VAL_MO", "-12"), "row 5: ALL_VAL_MO '-12' breaks the rule: non-negative"),
        (_mutate(7, "QTY_1_MO", "lots"), "row 7: QTY_1_MO 'lots' breaks the rule: a number"),
        (_mutate(2, "time", "2018-01"), "row 2: time '2018-01' breaks the rule: in the file's year 2017"),
        (_mutate(4, "time", "2017-13"), "row 4: time '2017-13' breaks the rule: a month YYYY-MM"),
        (_mutate(9, "CTY_CODE", "5880"), "row 9: CTY_CODE '5880' breaks the rule: the country code 5700"),
        (_mutate(6, "COMM_LVL", "HS4"), "row 6: COMM_LVL 'HS4' breaks the rule: HS6"),
        (_mutate(8, "E_COMMODITY", "1201"), "row 8: E_COMMODITY '1201' breaks the rule: a six-digit code"),
        ([[f for f in SLICE[0] if f != "QTY_1_MO"]] + [r[:2] + r[3:] for r in SLICE[1:]], "missing field(s) QTY_1_MO"),
        (SLICE + [SLICE[10]], "row 40: duplicate record for 2017-01 020890"),
        (SLICE[:5] + [SLICE[5][:4]], "row 5: has 4 fields, header has 7"),
    ],
)
def test_malformed_census_files_are_named_and_rejected(tmp_path, rows, message):
    path = write_census(tmp_path / "exports_hs6_cty5700_2017.json.gz", rows)
    with pytest.raises(SchemaError) as err:
        sources.read_census_exports(path)
    assert str(err.value).startswith("exports_hs6_cty5700_2017.json.gz: ")
    assert message in str(err.value)


def test_truncated_census_file_is_rejected(tmp_path):
    good = (RAW / "census" / "exports_hs6_cty5700_2021.json.gz").read_bytes()
    path = tmp_path / "exports_hs6_cty5700_2021.json.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(SchemaError, match="exports_hs6_cty5700_2021.json.gz: file: not a readable JSON"):
        sources.read_census_exports(path)


def test_census_c5700_in_dollars():
    frame = sources.read_census_c5700(RAW / "census" / "c5700_goods_trade_monthly_2001_2019.csv")
    first = frame.iloc[0]
    assert str(first["month"]) == "2001-01"
    assert first["exports_usd"] == 1_187_500_000
    assert first["imports_usd"] == 8_427_500_000
    assert str(frame["month"].iloc[-1]) == "2019-12"


def test_fred_in_dollars():
    frame = sources.read_fred(RAW / "fred" / "EXPCH.csv")
    assert frame["value_usd"].iloc[0] == pytest.approx(8_208_886_377)
    assert (str(frame["month"].iloc[0]), str(frame["month"].iloc[-1])) == ("2016-01", "2026-01")


def test_fred_bad_value_names_the_line(tmp_path):
    lines = (RAW / "fred" / "EXPCH.csv").read_text().splitlines()
    lines[4] = "2016-04-01,N/A"
    path = tmp_path / "EXPCH.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SchemaError, match=r"EXPCH.csv: line 5: EXPCH 'N/A' breaks the rule: a number"):
        sources.read_fred(path)


def test_category_releases_parse():
    frame = sources.read_category_vintages(RAW / "census" / "phase1_category_ytd_vintages_2021.csv")
    nov = frame[(frame["data_through"] == pd.Period("2021-11", "M")) & (frame["category"] == "covered_total")]
    assert nov["value_2021_ytd_usd"].item() == 100_986_670_042


def test_a_response_with_descriptions_keeps_them(tmp_path):
    """A constructed response: the shipped 2021-01 rows with the E_COMMODITY_SDESC column later
    pulls ask for, filled for two codes with their HS descriptions (the snapshot has none)."""
    header, *rows = census_rows(2021)
    names = {"120190": "SOYBEANS, WHETHER OR NOT BROKEN, OTHER THAN SEED", "880000": "CIVIL AIRCRAFT, ENGINES, AND PARTS"}
    described = [[*header, "E_COMMODITY_SDESC"], *([*r, names.get(r[0], "")] for r in rows)]
    frame = sources.read_census_exports(write_census(tmp_path / "exports_hs6_cty5700_2021.json.gz", described))
    got = frame.set_index("hs6")["description"]
    assert got["120190"] == names["120190"] and got["880000"] == names["880000"]
    assert sources.read_census_exports(RAW / "census" / "exports_hs6_cty5700_2021.json.gz")["description"].isna().all()


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("12.7", "whole USD (the source publishes integers)"),  # was stored as 12
        ("1e19", "at most 1e+12 USD"),  # wrapped to -9.2e18 in int64
        ("1e12", None),  # the ceiling itself passes
        ("inf", "finite"),
        ("1e400", "finite"),  # overflows to inf
        ("nan", "a number"),
    ],
)
def test_census_values_are_whole_finite_dollars_below_the_ceiling(tmp_path, value, rule):
    path = write_census(tmp_path / "exports_hs6_cty5700_2017.json.gz", _mutate(12, "ALL_VAL_MO", value))
    if rule is None:
        assert sources.read_census_exports(path)["value_usd"].iloc[11] == 10**12
        return
    with pytest.raises(SchemaError) as err:
        sources.read_census_exports(path)
    assert str(err.value) == f"exports_hs6_cty5700_2017.json.gz: row 12: ALL_VAL_MO {value!r} breaks the rule: {rule}"


def test_census_months_inside_the_source_span_and_not_after_this_month(tmp_path, monkeypatch):
    rows = [[*r[:-1], "2012-12"] if i else r for i, r in enumerate(SLICE[:3])]
    path = write_census(tmp_path / "exports_hs6_cty5700_2012.json.gz", rows)
    with pytest.raises(SchemaError, match="row 1: time '2012-12' breaks the rule: not before the source's first month 2013-01"):
        sources.read_census_exports(path)
    monkeypatch.setattr(schemas, "this_month", lambda: pd.Period("2016-12", "M"))
    with pytest.raises(SchemaError, match="row 1: time '2017-01' breaks the rule: not after this month"):
        sources.read_census_exports(write_census(tmp_path / "exports_hs6_cty5700_2017.json.gz", SLICE))


def _fred_with(tmp_path, edit) -> Path:
    lines = (RAW / "fred" / "EXPCH.csv").read_text().splitlines()
    path = tmp_path / "EXPCH.csv"
    path.write_text("\n".join(edit(lines)) + "\n")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: lines[:1], "EXPCH.csv: file: breaks the rule: at least one month"),
        (lambda lines: [*lines[:4], "2016-04-01,inf", *lines[5:]], "line 5: EXPCH 'inf' breaks the rule: finite"),
        (lambda lines: [*lines[:4], "2016-04-01,1e400", *lines[5:]], "line 5: EXPCH '1e400' breaks the rule: finite"),
        (lambda lines: [*lines[:4], "2016-04-01,2000000000", *lines[5:]],
         "line 5: EXPCH '2000000000' breaks the rule: at most 1e+06 $ millions"),  # '2e9': not FRED's form (test_forms)
        (lambda lines: [*lines, "2099-01-01,8000.0"], "line 123: observation_date '2099-01-01' breaks the rule: not after this month"),
        (lambda lines: [*lines[:30], *lines[31:]],
         "line 31: month 2018-06 is missing between 2016-01 and 2026-01 (rule: months follow one another"),
        (lambda lines: [*lines[:4], "2016-04-15,8679.668476", *lines[5:]],
         "line 5: observation_date '2016-04-15' breaks the rule: the first day of a month"),
        (lambda lines: [*lines[:4], "2016-04-01,", *lines[5:]], "line 5: EXPCH '' breaks the rule: a number"),
    ],
)
def test_fred_values_and_months_are_checked(tmp_path, edit, message):
    with pytest.raises(SchemaError) as err:
        sources.read_fred(_fred_with(tmp_path, edit))
    assert message in str(err.value) and str(err.value).startswith("EXPCH.csv: ")


def test_c5700_names_a_missing_month(tmp_path):
    lines = (RAW / "census" / "c5700_goods_trade_monthly_2001_2019.csv").read_text().splitlines()
    path = tmp_path / "c5700.csv"
    path.write_text("\n".join([*lines[:6], *lines[7:]]) + "\n")  # June 2001 deleted
    with pytest.raises(SchemaError, match=r"c5700.csv: line 7: month 2001-06 is missing between 2001-01 and 2019-12"):
        sources.read_census_c5700(path)


RELEASES = RAW / "census" / "phase1_category_ytd_vintages_2021.csv"


def _releases_with(tmp_path, edit) -> Path:
    frame = pd.read_csv(RELEASES, dtype=str)
    edited = edit(frame)
    frame = frame if edited is None else edited
    path = tmp_path / RELEASES.name
    frame.to_csv(path, index=False)
    return path


def _lower_april_agriculture(frame: pd.DataFrame) -> None:
    """Agriculture through 2021-04 set below its 2021-03 release (7,837,306,285): a fall."""
    set_release(frame, "2021-04", "agriculture", "7000000000")


def test_a_year_to_date_release_that_falls_is_an_error_unless_a_note_says_why(tmp_path):
    path = _releases_with(tmp_path, _lower_april_agriculture)
    with pytest.raises(SchemaError) as err:
        sources.read_category_vintages(path)
    assert str(err.value) == (
        "phase1_category_ytd_vintages_2021.csv: line 17: agriculture year to date 7,000,000,000 through 2021-04 is "
        "below 7,837,306,285 through 2021-03 (rule: a year-to-date figure never falls without a revision_note saying why)")

    def noted(frame):
        _lower_april_agriculture(frame)
        frame["revision_note"] = ""
        frame.loc[(frame["data_through"] == "2021-04") & (frame["category"] == "agriculture"), "revision_note"] = \
            "TEST NOTE, NOT REAL: earlier months revised down"

    releases = sources.read_category_vintages(_releases_with(tmp_path, noted))
    april = releases[(releases["data_through"] == pd.Period("2021-04", "M")) & (releases["category"] == "agriculture")]
    assert april["revision_note"].item() == "TEST NOTE, NOT REAL: earlier months revised down"
    assert releases["revision_note"].notna().sum() == 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.drop(f.index[f["data_through"] == "2021-05"]),
         "line 22: no release with data through 2021-05"),
        (lambda f: f.loc.__setitem__((0, "value_2021_ytd"), "3864486085.5"), "line 2: value_2021_ytd '3864486085.5' breaks the rule: whole USD"),
        (lambda f: f.loc.__setitem__((0, "data_through"), "2022-01"), "line 2: data_through '2022-01' breaks the rule: a 2021 release"),
        (lambda f: f.loc.__setitem__((0, "category"), "services"), "line 2: category 'services' breaks the rule: one of"),
    ],
)
def test_category_releases_are_checked(tmp_path, edit, message):
    with pytest.raises(SchemaError) as err:
        sources.read_category_vintages(_releases_with(tmp_path, edit))
    assert message in str(err.value)


def test_an_empty_annex_is_named(tmp_path):
    path = tmp_path / "annex_6_1.csv"
    path.write_text("")
    with pytest.raises(ConcordanceError) as err:
        sources.load_concordance(path)
    assert str(err.value) == "annex_6_1.csv: file: empty (rule: a header and at least one covered product)"
    path.write_text("code,level,description,subcategory,category\n")
    with pytest.raises(ConcordanceError, match="annex_6_1.csv: file: breaks the rule: at least one covered product"):
        sources.load_concordance(path)
