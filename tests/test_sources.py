"""Raw parsers: real files parse to the published figures; malformed input is named and rejected."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from conftest import RAW, census_rows, write_census
from tradedeal.errors import SchemaError
from tradedeal.ingest import sources


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
        (_mutate(3, "ALL_VAL_MO", "N/A"), "row 3: ALL_VAL_MO is 'N/A'"),
        (_mutate(5, "ALL_VAL_MO", "-12"), "row 5: ALL_VAL_MO is '-12'"),
        (_mutate(7, "QTY_1_MO", "lots"), "row 7: QTY_1_MO is 'lots'"),
        (_mutate(2, "time", "2018-01"), "row 2: time '2018-01' is outside the file's year 2017"),
        (_mutate(4, "time", "2017-13"), "row 4: time '2017-13' is not a month"),
        (_mutate(9, "CTY_CODE", "5880"), "row 9: CTY_CODE '5880' is not the expected country code 5700"),
        (_mutate(6, "COMM_LVL", "HS4"), "row 6: COMM_LVL 'HS4' is not HS6"),
        (_mutate(8, "E_COMMODITY", "1201"), "row 8: E_COMMODITY '1201' is not a six-digit code"),
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
    with pytest.raises(SchemaError, match=r"EXPCH.csv: line 5: EXPCH is 'N/A'"):
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
