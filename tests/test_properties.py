"""Property-based tests (hypothesis) of the parsers: months, Census API rows and FRED rows.

Every example is either parsed to exactly the figure written or refused with one
:class:`~tradedeal.errors.TradedealError` naming the row: never another exception, never a
silently different value. The generated rows are TEST DATA, NOT REAL (only their layout is the
sources').
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tradedeal.errors import ParameterError, SchemaError
from tradedeal.ingest import sources
from tradedeal.months import parse_month

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = ["E_COMMODITY", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "CTY_CODE", "COMM_LVL", "time"]


# --- months -------------------------------------------------------------------------------


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_every_real_date_parses_to_its_month(day):
    expected = pd.Period(year=day.year, month=day.month, freq="M")
    assert parse_month(f"{day.year:04d}-{day.month:02d}") == expected
    assert parse_month(day.isoformat()) == expected
    assert parse_month(day) == expected
    assert parse_month(f"  {day.year:04d}-{day.month:02d}\n") == expected


# A valid month as written, with or without its day: the oracle of what a reader must accept.
VALID_MONTH = re.compile(r"\s*[0-9]{4}-(0[1-9]|1[0-2])(-(0[1-9]|1[0-9]|2[0-8]))?\s*")


@given(st.one_of(st.text(max_size=12), st.dates().map(str), st.dates().map(lambda d: f" {d:%Y-%m}")))
def test_any_text_is_a_month_or_a_parameter_error(text):
    try:
        month = parse_month(text, "start")
    except ParameterError as exc:
        assert str(exc).startswith("start must be a month YYYY-MM; got ")
        assert VALID_MONTH.fullmatch(text) is None, f"a valid month {text!r} was refused"
        return
    assert str(month) == text.strip()[:7]  # only what was written, never a guess


@given(st.integers(0, 9999), st.integers(1, 12), st.integers(1, 31))
@example(2021, 2, 29)  # the days a month lacks, always tried: random draws meet one in about 2 %
@example(2020, 2, 30)
@example(2021, 4, 31)
@example(2020, 2, 29)  # a leap day is a real day
def test_a_day_not_in_its_month_is_refused(year, month, day):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        dt.date(year, month, day)
    except ValueError:
        with pytest.raises(ParameterError):
            parse_month(text)
    else:
        assert parse_month(text) == pd.Period(year=year, month=month, freq="M")


@given(st.sampled_from("٠١٢٣٤٥٦٧٨٩０１２３４５６７８９²¹"), st.integers(0, 3))
def test_digits_that_are_not_ascii_are_refused(digit, at):
    text = list("2021-05")
    text[at] = digit
    with pytest.raises(ParameterError):
        parse_month("".join(text))


# --- Census API rows ------------------------------------------------------------------------

codes = st.integers(0, 999_999).map(lambda n: f"{n:06d}")
good_values = st.integers(0, 10**12)
bad_values = st.one_of(
    st.integers(10**12 + 1, 10**25).map(str),  # above the ceiling (1e19 used to wrap in int64)
    st.integers(-(10**12), -1).map(str),
    st.floats(0, 1e12, allow_nan=False).filter(lambda x: x != int(x)).map(repr),  # cents: 12.7 used to become 12
    st.sampled_from(["inf", "-inf", "nan", "1e400", "N/A", "", "(D)", "12,5"]),
    st.text(st.characters(categories=["L"]), min_size=1, max_size=5),
)


_FOLDER = tempfile.TemporaryDirectory(prefix="tradedeal-hypothesis-")  # removed when the run ends


def _write(rows, name: str = "exports_hs6_cty5700_2017-03.json") -> Path:
    return _write_text(json.dumps(rows), name)


@SETTINGS
@given(st.dictionaries(codes, good_values, min_size=1, max_size=30))
def test_census_rows_of_whole_dollars_parse_to_exactly_those_dollars(values):
    rows = [HEADER, *([code, str(v), "0", "-", "5700", "HS6", "2017-03"] for code, v in values.items())]
    frame = sources.read_census_exports(_write(rows))
    assert dict(zip(frame["hs6"], frame["value_usd"].tolist())) == values
    assert (frame["month"] == pd.Period("2017-03", "M")).all()


@SETTINGS
@given(st.dictionaries(codes, good_values, min_size=2, max_size=20), st.data())
def test_a_bad_census_value_is_refused_naming_its_row(values, data):
    rows = [HEADER, *([code, str(v), "0", "-", "5700", "HS6", "2017-03"] for code, v in values.items())]
    at = data.draw(st.integers(1, len(rows) - 1))
    bad = data.draw(bad_values)
    rows[at][1] = bad
    with pytest.raises(SchemaError) as err:
        sources.read_census_exports(_write(rows))
    assert str(err.value).startswith(f"exports_hs6_cty5700_2017-03.json: row {at}: ALL_VAL_MO {bad!r} breaks the rule: ")


@SETTINGS
@given(st.one_of(st.text(max_size=9), st.just("2017-03")), st.integers(1, 3))
def test_any_census_time_is_the_files_month_or_refused(text, at):
    rows = [HEADER, *([f"{n:06d}", "1", "0", "-", "5700", "HS6", "2017-03"] for n in range(3))]
    rows[at][6] = text
    try:
        frame = sources.read_census_exports(_write(rows))
    except SchemaError as exc:
        assert f": row {at}: time " in str(exc)
        assert text != "2017-03", "the file's own month was refused"
        return
    assert text == "2017-03" and len(frame) == 3


# --- FRED rows ------------------------------------------------------------------------------


@SETTINGS
@given(st.integers(1985 * 12, 2020 * 12), st.lists(st.decimals(0, 1_000_000, places=6), min_size=1, max_size=40))
def test_fred_rows_parse_to_their_dollars(start, values):
    months = pd.period_range(pd.Period(year=start // 12, month=start % 12 + 1, freq="M"), periods=len(values), freq="M")
    lines = ["observation_date,EXPCH", *(f"{m.start_time:%Y-%m-%d},{v}" for m, v in zip(months, values))]
    path = _write_text("\n".join(lines) + "\n", "EXPCH.csv")
    frame = sources.read_fred(path)
    assert list(frame["month"]) == list(months)
    assert frame["value_usd"].tolist() == [round(float(v) * 1e6) for v in values]


@SETTINGS
@given(st.one_of(st.text(max_size=12), st.decimals(0, 1_000_000, places=3).map(str)), st.integers(2, 6))
def test_any_fred_value_is_a_number_in_range_or_refused(text, line):
    months = pd.period_range("2016-01", periods=5, freq="M")
    rows = [f"{m.start_time:%Y-%m-%d},100.5" for m in months]
    rows[line - 2] = f"{months[line - 2].start_time:%Y-%m-%d},{text}"
    if "," in text or "\n" in text or "\r" in text or '"' in text:
        return  # another CSV layout, not another value
    path = _write_text("observation_date,EXPCH\n" + "\n".join(rows) + "\n", "EXPCH.csv")
    try:
        frame = sources.read_fred(path)
    except SchemaError as exc:
        assert str(exc).startswith(f"EXPCH.csv: line {line}: ")
        plain = re.fullmatch(r"[0-9]+(\.[0-9]+)?", text)
        assert not (plain and float(text) <= 1_000_000), f"a valid value {text!r} was refused"
        return
    got = frame["value_usd"].iloc[line - 2]
    assert 0 <= got <= 1e12 and got == round(float(text) * 1e6)


def _write_text(text: str, name: str) -> Path:
    path = Path(_FOLDER.name) / name
    path.write_text(text)
    return path


def test_a_one_month_response_holds_that_month_only():
    """The one-month name (``…_YYYY-MM.json``, a refresh's) fixes the month every row must carry."""
    rows = [HEADER, ["120190", "5", "0", "-", "5700", "HS6", "2017-04"]]
    with pytest.raises(SchemaError, match="row 1: time '2017-04' breaks the rule: the file's month 2017-03"):
        sources.read_census_exports(_write(rows))
