"""Parsers for the raw files, in the layouts their sources publish.

Each reader validates what it reads and raises :class:`~tradedeal.errors.SchemaError` naming
the file and the row at fault. Rows are counted as in the file: in a Census API response the
header is row 0 and the first record row 1; in a CSV the header is line 1.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from tradedeal.errors import SchemaError

#: Fields of a Census International Trade API export response (``timeseries/intltrade/exports/hs``).
CENSUS_FIELDS = ("E_COMMODITY", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "CTY_CODE", "COMM_LVL", "time")
#: The commodity's short description: sent when asked for (later pulls), absent from the snapshot.
CENSUS_DESCRIPTION = "E_COMMODITY_SDESC"
#: Census Schedule C code of China.
CHINA = "5700"

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CODE = re.compile(r"\d{6}")


def _fail(path: Path, where: str, what: str) -> SchemaError:
    return SchemaError(f"{path.name}: {where}: {what}")


def _first(mask: pd.Series) -> int:
    """Position of the first True in a boolean Series."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def _amounts(path: Path, column: pd.Series, name: str, row_offset: int, unit: str = "row") -> pd.Series:
    """Parse a column of non-negative numbers; name the first row (or line) that is not one."""
    values = pd.to_numeric(column, errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        i = _first(bad)
        raise _fail(path, f"{unit} {i + row_offset}", f"{name} is {column.iloc[i]!r}, not a non-negative number")
    return values


def _load_json(path: Path) -> object:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(path, "file", f"not a readable JSON response ({exc})") from None


def census_period(path: str | Path) -> tuple[int, str | None]:
    """The year (and month, for a one-month pull) a Census HS6 file covers, from its name.

    ``…_YYYY.json.gz`` holds a year; ``…_YYYY-MM.json`` one month.
    """
    match = re.search(r"_(\d{4})(-(0[1-9]|1[0-2]))?\.json(\.gz)?$", Path(path).name)
    if not match:
        raise SchemaError(f"{Path(path).name}: file: name does not end in a year or month (…_YYYY.json.gz)")
    year = int(match.group(1))
    return year, f"{year}-{match.group(3)}" if match.group(3) else None


def read_census_exports(path: str | Path, *, year: int | None = None, country: str = CHINA) -> pd.DataFrame:
    """Read one Census API response of monthly HS6 exports to one country.

    Parameters
    ----------
    path
        A JSON (optionally gzipped) list of rows; the first row is the header, every value a string.
    year
        The calendar year every record must fall in; by default taken from the file name.
    country
        The Schedule C country code every record must carry.

    Returns
    -------
    DataFrame with ``month`` (Period[M]), ``hs6`` (str), ``value_usd`` (int64, f.a.s. value),
    ``qty`` (float), ``qty_unit`` (str, missing where Census gives ``-``) and ``description``
    (``E_COMMODITY_SDESC`` where the response has it, else missing).
    """
    path = Path(path)
    named_year, named_month = census_period(path)
    year = named_year if year is None else year
    rows = _load_json(path)
    if not isinstance(rows, list) or not rows or not isinstance(rows[0], list):
        raise _fail(path, "file", "not a Census API response (a JSON list of rows with a header row)")
    header = rows[0]
    missing = [f for f in CENSUS_FIELDS if f not in header]
    if missing:
        raise _fail(path, "row 0 (header)", f"missing field(s) {', '.join(missing)}")
    width = len(header)
    for i, row in enumerate(rows[1:], start=1):
        if not isinstance(row, list) or len(row) != width:
            raise _fail(path, f"row {i}", f"has {len(row) if isinstance(row, list) else 'no'} fields, header has {width}")
    frame = pd.DataFrame(rows[1:], columns=header, dtype=object)
    description = frame[CENSUS_DESCRIPTION] if CENSUS_DESCRIPTION in frame else pd.Series(None, index=frame.index)
    frame = frame[list(CENSUS_FIELDS)]

    value = _amounts(path, frame["ALL_VAL_MO"], "ALL_VAL_MO", 1)
    qty = _amounts(path, frame["QTY_1_MO"], "QTY_1_MO", 1)
    # a file holds a dozen months and a few thousand codes: check each distinct value once
    month_codes, months = pd.factorize(frame["time"])
    hs6_codes, codes = pd.factorize(frame["E_COMMODITY"])
    text_months = [str(m) for m in months]

    def per_value(codes_of_rows: np.ndarray, bad_values: list[bool]) -> np.ndarray:
        return np.asarray(bad_values, dtype=bool)[codes_of_rows] if len(bad_values) else np.zeros(len(frame), bool)

    checks = [
        (per_value(month_codes, [not _MONTH.match(m) for m in text_months]), "time", "not a month YYYY-MM"),
        (per_value(month_codes, [m[:4] != str(year) for m in text_months]), "time", f"outside the file's year {year}"),
        (per_value(month_codes, [named_month is not None and m != named_month for m in text_months]), "time",
         f"not the file's month {named_month}"),
        (frame["CTY_CODE"].to_numpy() != country, "CTY_CODE", f"not the expected country code {country}"),
        (frame["COMM_LVL"].to_numpy() != "HS6", "COMM_LVL", "not HS6"),
        (per_value(hs6_codes, [not _CODE.fullmatch(str(c)) for c in codes]), "E_COMMODITY", "not a six-digit code"),
    ]
    for bad, field, what in checks:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(path, f"row {i + 1}", f"{field} {frame[field].iloc[i]!r} is {what}")
    duplicated = pd.Series(month_codes.astype("int64") * len(codes) + hs6_codes).duplicated()
    if duplicated.any():
        i = _first(duplicated)
        raise _fail(path, f"row {i + 1}", f"duplicate record for {frame['time'].iloc[i]} {frame['E_COMMODITY'].iloc[i]}")

    unit = frame["UNIT_QY1"]
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex(text_months, freq="M").take(month_codes),
            "hs6": pd.array(codes, dtype="str").take(hs6_codes),
            "value_usd": value.astype("int64"),
            "qty": qty.astype("float64"),
            "qty_unit": unit.where(unit != "-").astype("str"),
            "description": description.astype("str"),
        }
    )


def _read_csv(path: Path, columns: tuple[str, ...], **kwargs) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise _fail(path, "file", f"not a readable CSV ({exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _fail(path, "line 1 (header)", f"missing column(s) {', '.join(missing)}")
    return frame


def _months(path: Path, column: pd.Series, fmt: str | None, name: str) -> pd.PeriodIndex:
    parsed = pd.to_datetime(column, format=fmt, errors="coerce")
    if parsed.isna().any():
        i = _first(parsed.isna())
        raise _fail(path, f"line {i + 2}", f"{name} {column.iloc[i]!r} is not a month")
    if fmt == "%Y-%m-%d" and (parsed.dt.day != 1).any():
        i = _first(parsed.dt.day != 1)
        raise _fail(path, f"line {i + 2}", f"{name} {column.iloc[i]!r} is not the first day of a month")
    months = pd.PeriodIndex(parsed, freq="M")
    dup = pd.Series(months).duplicated()
    if dup.any():
        i = _first(dup)
        raise _fail(path, f"line {i + 2}", f"month {months[i]} appears twice")
    return months


def read_census_c5700(path: str | Path) -> pd.DataFrame:
    """Read Census "Trade in Goods with China" (``Month;Exports;Imports;Balance``, $ millions).

    Returns ``month``, ``exports_usd``, ``imports_usd`` (dollars).
    """
    path = Path(path)
    frame = _read_csv(path, ("Month", "Exports", "Imports"), sep=";", thousands=None)
    months = _months(path, frame["Month"], "%B %Y", "Month")
    out = {"month": months}
    for column in ("Exports", "Imports"):
        amounts = _amounts(path, frame[column].str.replace(",", "", regex=False), column, 2, "line")
        out[f"{column.lower()}_usd"] = (amounts * 1e6).round()
    return pd.DataFrame(out)


def read_fred(path: str | Path, series: str | None = None) -> pd.DataFrame:
    """Read a FRED CSV download (``observation_date, SERIES``, $ millions).

    Returns ``month`` and ``value_usd`` (dollars).
    """
    path = Path(path)
    series = series or path.stem
    frame = _read_csv(path, ("observation_date", series))
    months = _months(path, frame["observation_date"], "%Y-%m-%d", "observation_date")
    amounts = _amounts(path, frame[series], series, 2, "line")
    return pd.DataFrame({"month": months, "value_usd": (amounts * 1e6).round()})


#: Categories in the published year-to-date vintages.
VINTAGE_CATEGORIES = ("agriculture", "energy", "manufactures", "covered_total", "not_covered")


def read_category_vintages(path: str | Path) -> pd.DataFrame:
    """Read the Phase One category year-to-date figures as published month after month in 2021.

    Returns ``data_through`` (Period[M]), ``category``, ``value_2017_usd``, ``value_2020_usd``,
    ``value_2021_ytd_usd``.
    """
    path = Path(path)
    columns = ("data_through", "category", "value_2017", "value_2020", "value_2021_ytd")
    frame = _read_csv(path, columns)
    bad = ~frame["data_through"].str.match(_MONTH)
    if bad.any():
        i = _first(bad)
        raise _fail(path, f"line {i + 2}", f"data_through {frame['data_through'].iloc[i]!r} is not a month YYYY-MM")
    bad = ~frame["category"].isin(VINTAGE_CATEGORIES)
    if bad.any():
        i = _first(bad)
        raise _fail(path, f"line {i + 2}", f"unknown category {frame['category'].iloc[i]!r}")
    out = pd.DataFrame({"data_through": pd.PeriodIndex(frame["data_through"], freq="M"), "category": frame["category"]})
    for column in columns[2:]:
        out[f"{column}_usd"] = _amounts(path, frame[column], column, 2, "line").astype("int64")
    dup = out.duplicated(["data_through", "category"])
    if dup.any():
        i = _first(dup)
        raise _fail(path, f"line {i + 2}", "duplicate (data_through, category)")
    return out
