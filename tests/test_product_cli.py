"""`tradedeal product`: the 04_product report's headline and tables without a kernel, each figure
checked against the shipped Census API response read by hand; and the notebook's parameter check
pointing to `-r` when papermill hands it a code as a number."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pytest

from conftest import RAW
from tradedeal.errors import ParameterError
from tradedeal.present.parameters import check_parameters


def pork(year: int, months: range = range(1, 13)) -> int:
    """US exports to China of HS heading 0203 (pork) in ``year``, from the raw API rows."""
    with gzip.open(RAW / "census" / f"exports_hs6_cty5700_{year}.json.gz", "rt") as fh:
        rows = json.load(fh)[1:]
    wanted = {f"{year}-{m:02d}" for m in months}
    return sum(int(r[1]) for r in rows if r[0].startswith("0203") and r[6] in wanted)


def test_product_prints_the_report_headline_and_tables(run):
    code, out, err = run("product", "0203", "--year", "2020")
    assert code == 0, err
    now, then = pork(2020), pork(2017)
    assert (f"From 2020-01 to 2020-12 US exports of 0203 to China were ${now / 1e9:.2f}bn against "
            f"${then / 1e9:.2f}bn in the same months of 2017 ({100 * (now / then - 1):+.1f} %") in out
    assert "Value by year, against 2017" in out and "Against the category target (through 2020-12)" in out
    assert "Census reports no quantity for 0203 in this data" in out
    by_year = out[out.index("Value by year"):out.index("Quantity")]
    assert f"2019     {pork(2019) / 1e9:.2f}" in by_year


def test_product_csv_is_one_long_table_with_the_question(run):
    code, out, err = run("product", "pork", "--year", "2020", "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(rows[0]) == {"table", "row", "field", "value", "product", "code", "vintage", "as_of"}
    value_2018 = next(r for r in rows if r["table"] == "by_year" and r["row"] == "2018" and r["field"] == "value_usd")
    assert float(value_2018["value"]) == pytest.approx(pork(2018))
    change = next(r for r in rows if r["field"] == "product_change_usd")
    assert float(change["value"]) == pytest.approx(pork(2020) - pork(2017))


def test_a_year_the_hs_data_cover_for_january_only_says_so(run):
    code, out, err = run("product", "0203", "--year", "2021")
    assert code == 0, err
    assert (f"In 2021-01 (January only: the HS data end in 2021-01) US exports of 0203 to China were "
            f"${pork(2021, range(1, 2)) / 1e9:.2f}bn") in out


def test_bad_products_are_one_line_errors(run):
    code, out, err = run("product", "99")
    assert code == 2 and out == "" and err.startswith("tradedeal: error: product must be one of")


def test_papermill_integer_code_points_to_raw_parameters():
    with pytest.raises(ParameterError, match=r"got the number 203: papermill's -p reads 0203 as a number .*"
                                             r"\(-r product 0203\), or run `tradedeal product 0203`"):
        check_parameters("04_product", product=203)
    assert check_parameters("04_product", product=1201)["product"] == "1201"  # four digits lost nothing
