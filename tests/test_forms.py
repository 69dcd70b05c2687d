"""Types before values: every numeric field of every source, written in a wrong form, is refused
naming its file, row and rule; written in the source's own form, it is read as exactly that number.

Each example edits one value of a slice of a REAL shipped file (the Census 2018 response, c5700,
FRED EXPCH, the year-to-date releases); the values written in are generated (hypothesis), NOT REAL.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import RAW, census_rows, write_census
from tradedeal.errors import SchemaError
from tradedeal.ingest import sources

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CENSUS_SLICE = census_rows(2018)[:200]  # header and 199 real records
C5700 = (RAW / "census" / "c5700_goods_trade_monthly_2001_2019.csv").read_text().splitlines()
EXPCH = (RAW / "fred" / "EXPCH.csv").read_text().splitlines()
RELEASES = (RAW / "census" / "phase1_category_ytd_vintages_2021.csv").read_text().splitlines()


def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="forms-"))


# --- Census API responses: the JSON type --------------------------------------------------

wrong_json = st.one_of(st.booleans(), st.lists(st.integers(0, 9), max_size=2),
                       st.dictionaries(st.sampled_from("ab"), st.integers(0, 9), max_size=1))


def _census_with(field: str, row: int, value) -> Path:
    rows = json.loads(json.dumps(CENSUS_SLICE))
    rows[row][rows[0].index(field)] = value
    return write_census(_folder() / "exports_hs6_cty5700_2018.json.gz", rows)


@SETTINGS
@given(st.sampled_from(["ALL_VAL_MO", "QTY_1_MO"]), st.integers(1, 199), wrong_json)
def test_a_census_value_of_the_wrong_json_type_is_refused(field, row, value):
    with pytest.raises(SchemaError) as err:
        sources.read_census_exports(_census_with(field, row, value))
    assert str(err.value) == (f"exports_hs6_cty5700_2018.json.gz: row {row}: {field} {json.dumps(value)} breaks the "
                              "rule: a JSON number or a numeric string (never true, false, a list or an object)")


@SETTINGS
@given(st.sampled_from(["ALL_VAL_MO", "QTY_1_MO"]), st.integers(1, 199), st.integers(0, 10**12),
       st.booleans())
def test_a_census_value_as_a_json_number_or_string_is_read_exactly(field, row, value, as_text):
    frame = sources.read_census_exports(_census_with(field, row, str(value) if as_text else value))
    column = {"ALL_VAL_MO": "value_usd", "QTY_1_MO": "qty"}[field]
    assert frame[column].iloc[row - 1] == value


# --- CSVs: the source's own way of writing a number ----------------------------------------

def _c5700(number: float) -> str:
    return f"{number:,.1f}"


# a value in the wrong form, from a number in the source's own form: another locale, no
# separators, an exponent, a sign, spaces, a second decimal, a cut
def _wrong_forms(text: str) -> st.SearchStrategy[str]:
    swapped = text.translate(str.maketrans(",.", ".,"))
    forms = [swapped, text.replace(",", ""), text.replace(",", " "), f"+{text}", f"{text}0",
             f"{text}e0", f" {text}", text.replace(".", ",")]
    return st.sampled_from([f for f in forms if f != text])


def _quoted(value: str) -> str:
    """A comma-separated file's field: quoted when it holds a comma, as a CSV writer does."""
    return f'"{value}"' if "," in value else value


def _write(lines: list[str], *, newline: bool = True) -> Path:
    path = _folder() / "data.csv"
    path.write_text("\n".join(lines) + ("\n" if newline else ""))
    return path


@SETTINGS
@given(st.sampled_from([1, 2, 3]), st.integers(2, len(C5700)), st.floats(1000, 99_999, allow_nan=False),
       st.data())
def test_a_c5700_number_in_another_form_is_refused(field, line, number, data):
    wrong = data.draw(_wrong_forms(_c5700(number)))
    lines = list(C5700)
    parts = lines[line - 1].split(";")
    parts[field] = wrong
    lines[line - 1] = ";".join(parts)
    with pytest.raises(SchemaError) as err:
        sources.read_census_c5700(_write(lines, newline=False))  # as published: no newline at the end
    column = ("Month", "Exports", "Imports", "Balance")[field]
    assert str(err.value).startswith(f"data.csv: line {line}: {column} ")


@SETTINGS
@given(st.integers(2, len(C5700)), st.integers(0, 99_999_9))
def test_a_c5700_number_in_its_own_form_is_read_exactly(line, tenths):
    lines = list(C5700)
    parts = lines[line - 1].split(";")
    parts[1] = _c5700(tenths / 10)
    imports = round(float(parts[2].replace(",", "")) * 10)
    parts[3] = _c5700((tenths - imports) / 10)  # the balance the source would publish
    lines[line - 1] = ";".join(parts)
    frame = sources.read_census_c5700(_write(lines, newline=False))
    assert frame["exports_usd"].iloc[line - 2] == tenths * 100_000


@SETTINGS
@given(st.integers(2, len(C5700[-1]) - 1))
def test_a_c5700_file_cut_in_its_last_line_is_refused(cut):
    lines = [*C5700[:-1], C5700[-1][:cut]]
    with pytest.raises(SchemaError, match=rf"data.csv: line {len(C5700)}: "):
        sources.read_census_c5700(_write(lines, newline=False))


@SETTINGS
@given(st.integers(2, len(EXPCH)), st.floats(1, 99_999, allow_nan=False), st.data())
def test_a_fred_number_in_another_form_is_refused(line, number, data):
    text = f"{number:,.6f}" if number >= 1000 else f"{number:.6f}"
    wrong = data.draw(_wrong_forms(text).filter(lambda w: "," in w or "e" in w or "+" in w or " " in w))
    lines = list(EXPCH)
    lines[line - 1] = f"{lines[line - 1].split(',')[0]},{_quoted(wrong)}"
    with pytest.raises(SchemaError) as err:
        sources.read_fred(_write(lines), "EXPCH")
    assert str(err.value).startswith(f"data.csv: line {line}: ")


@SETTINGS
@given(st.integers(2, len(EXPCH)), st.integers(0, 10**11))
def test_a_fred_number_in_its_own_form_is_read_exactly(line, millionths):
    lines = list(EXPCH)
    lines[line - 1] = f"{lines[line - 1].split(',')[0]},{millionths // 10**6}.{millionths % 10**6:06d}"
    frame = sources.read_fred(_write(lines), "EXPCH")
    assert frame["value_usd"].iloc[line - 2] == millionths


@SETTINGS
@given(st.integers(12, len(EXPCH[-1])))
def test_a_fred_file_cut_in_its_last_line_is_refused(cut):
    lines = [*EXPCH[:-1], EXPCH[-1][:cut]]
    with pytest.raises(SchemaError) as err:
        sources.read_fred(_write(lines, newline=False), "EXPCH")
    assert str(err.value) == (f"data.csv: line {len(EXPCH)}: the last line ends without a newline "
                              "(rule: every line complete; the file was cut short)")


@SETTINGS
@given(st.sampled_from([2, 3, 4]), st.integers(2, len(RELEASES)),
       st.sampled_from(["{:,}", "{:e}", "+{}", " {}", "{:_}", "{}e0"]))
def test_a_release_figure_in_another_form_is_refused(field, line, form):
    lines = list(RELEASES)
    parts = lines[line - 1].split(",")
    parts[field] = _quoted(form.format(int(parts[field])))  # the same figure, written another way
    lines[line - 1] = ",".join(parts)
    with pytest.raises(SchemaError) as err:
        sources.read_category_vintages(_write(lines))
    assert str(err.value).startswith(f"data.csv: line {line}: ")


@SETTINGS
@given(st.integers(1, len(RELEASES[-1]) - 1))
def test_a_releases_file_cut_in_its_last_line_is_refused(cut):
    lines = [*RELEASES[:-1], RELEASES[-1][:cut]]
    with pytest.raises(SchemaError, match=rf"data.csv: line {len(RELEASES)}: the last line ends without a newline"):
        sources.read_category_vintages(_write(lines, newline=False))


def test_the_shipped_files_are_read_in_their_own_forms():
    """The real files pass: c5700 as published (no newline at its end), FRED and the releases."""
    c5700 = sources.read_census_c5700(RAW / "census" / "c5700_goods_trade_monthly_2001_2019.csv")
    assert c5700["exports_usd"].iloc[0] == 1_187_500_000  # "January 2001;1,187.5;…"
    assert sources.read_fred(RAW / "fred" / "EXPCH.csv")["value_usd"].iloc[0] == round(8208.886377e6)
    releases = sources.read_category_vintages(RAW / "census" / "phase1_category_ytd_vintages_2021.csv")
    assert releases["value_2021_ytd_usd"].iloc[0] == 3_864_486_085
