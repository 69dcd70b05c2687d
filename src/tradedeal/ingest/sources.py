"""Parsers for the raw files, in the layouts their sources publish.

Each reader checks the file's layout (header, row widths), parses its numbers and months, and
checks the values against the source's schema in :mod:`tradedeal.ingest.schemas` (the one place
the rules live), raising :class:`~tradedeal.errors.SchemaError` naming the file, the row and the
rule. Rows are counted as in the file: in a Census API response the header is row 0 and the
first record row 1; in a CSV the header is line 1.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

import pandas as pd

from tradedeal.errors import ConcordanceError, SchemaError
from tradedeal.ingest import forms, schemas
from tradedeal.ingest.paths import raw_dir

#: Fields of a Census International Trade API export response (``timeseries/intltrade/exports/hs``).
CENSUS_FIELDS = ("E_COMMODITY", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "CTY_CODE", "COMM_LVL", "time")
#: The commodity's short description: sent when asked for (later pulls), absent from the snapshot.
CENSUS_DESCRIPTION = "E_COMMODITY_SDESC"
#: Census Schedule C code of China.
CHINA = "5700"


def _fail(path: Path, where: str, what: str) -> SchemaError:
    return SchemaError(f"{path.name}: {where}: {what}")


def _number(column: pd.Series) -> pd.Series:
    """Numbers as written, as floats (missing where the text is not one; the schema names that
    row). Parsed in one step, and again value by value only when one is not a number."""
    try:
        return pd.Series(column.to_numpy(dtype=object).astype("float64"), index=column.index)
    except (TypeError, ValueError):
        return pd.to_numeric(column, errors="coerce").astype("float64")


def _categorical(column: pd.Series) -> pd.Series:
    """A text column as a categorical of its values as they are (no conversion to another string type)."""
    codes, uniques = pd.factorize(column.to_numpy(dtype=object))
    return pd.Series(pd.Categorical.from_codes(codes, pd.Index(uniques, dtype=object)), index=column.index)


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
    records = rows[1:]
    if set(map(type, records)) - {list} or set(map(len, records)) - {width}:  # one pass in C; the row named after
        i, row = next((i, r) for i, r in enumerate(records, start=1) if not isinstance(r, list) or len(r) != width)
        raise _fail(path, f"row {i}", f"has {len(row) if isinstance(row, list) else 'no'} fields, header has {width}")
    frame = pd.DataFrame(rows[1:], columns=header, dtype=object, index=pd.RangeIndex(1, len(rows)))
    description = frame[CENSUS_DESCRIPTION] if CENSUS_DESCRIPTION in frame else pd.Series(None, index=frame.index)
    frame = frame[list(CENSUS_FIELDS)]
    forms.check_json_types(frame, ("ALL_VAL_MO", "QTY_1_MO"), path.name)  # types before values
    value, qty = _number(frame["ALL_VAL_MO"]), _number(frame["QTY_1_MO"])
    # months and codes as categoricals: each distinct one is checked once
    checked = frame.assign(ALL_VAL_MO=value, QTY_1_MO=qty,
                           **{c: _categorical(frame[c]) for c in ("E_COMMODITY", "time")})
    schemas.validate(checked, schemas.census_hs6(year, named_month, country), path.name, shown=frame)
    month_codes, months = checked["time"].cat.codes.to_numpy(), checked["time"].cat.categories
    hs6_codes, codes = checked["E_COMMODITY"].cat.codes.to_numpy(), checked["E_COMMODITY"].cat.categories
    text_months = [str(m) for m in months]
    unit = frame["UNIT_QY1"]
    return pd.DataFrame(
        {
            "month": pd.PeriodIndex(text_months, freq="M").take(month_codes),
            "hs6": pd.array(codes.to_numpy(dtype=object), dtype="str").take(hs6_codes),
            "value_usd": value.astype("int64").to_numpy(),
            "qty": qty.astype("float64").to_numpy(),
            "qty_unit": unit.where(unit != "-").astype("str").array,
            "description": description.astype("str").array,
        }
    )


def _read_csv(path: Path, columns: tuple[str, ...], *, complete: bool = True, **kwargs) -> pd.DataFrame:
    """The CSV's text fields; with ``complete``, its last line must end in a newline (a file cut
    short mid-value, ``2026-01-01,83``, is refused, never read as a smaller number)."""
    try:
        data = path.read_bytes()
        if complete and data and not data.endswith(b"\n"):
            last = data.count(b"\n") + 1
            raise _fail(path, f"line {last}",
                        "the last line ends without a newline (rule: every line complete; the file was cut short)")
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, **kwargs)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise _fail(path, "file", f"not a readable CSV ({str(exc).strip()})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _fail(path, "line 1 (header)", f"missing column(s) {', '.join(missing)}")
    return frame


def _monthly_csv(path: Path, frame: pd.DataFrame, date: str, fmt: str, values: tuple[str, ...],
                 schema, source: str, written: tuple[str, ...] = ()) -> pd.DataFrame:
    """Months and $-million values of a monthly CSV, checked against ``schema``, each number as
    ``source`` writes it (``written``: further columns read only for that check); in dollars."""
    shown = frame.set_axis(pd.RangeIndex(2, len(frame) + 2))
    checked = pd.DataFrame({date: pd.to_datetime(shown[date], format=fmt, errors="coerce")}, index=shown.index)
    for column in (*values, *(c for c in written if c in shown)):
        checked[column] = _number(shown[column].str.replace(",", "", regex=False))
    forms.check_written(shown, checked, values, source, path.name, strict=written)  # the form, then the values
    schemas.validate(checked, schema, path.name, unit="line", shown=shown)
    out = {"month": pd.PeriodIndex(checked[date], freq="M")}
    out.update({column: (checked[column] * 1e6).round().to_numpy() for column in values})
    return pd.DataFrame(out)


def read_census_c5700(path: str | Path) -> pd.DataFrame:
    """Read Census "Trade in Goods with China" (``Month;Exports;Imports;Balance``, $ millions).

    Returns ``month``, ``exports_usd``, ``imports_usd`` (dollars).
    """
    path = Path(path)
    # the published file ends without a newline: a line cut short breaks the number format instead
    frame = _read_csv(path, ("Month", "Exports", "Imports"), complete=False, sep=";", thousands=None)
    out = _monthly_csv(path, frame, "Month", "%B %Y", ("Exports", "Imports"), schemas.census_c5700(),
                       "census_c5700", written=("Balance",))
    return out.rename(columns={"Exports": "exports_usd", "Imports": "imports_usd"})


def read_fred(path: str | Path, series: str | None = None) -> pd.DataFrame:
    """Read a FRED CSV download (``observation_date, SERIES``, $ millions).

    Returns ``month`` and ``value_usd`` (dollars).
    """
    path = Path(path)
    series = series or path.stem
    frame = _read_csv(path, ("observation_date", series))
    out = _monthly_csv(path, frame, "observation_date", "%Y-%m-%d", (series,), schemas.fred(series), "fred")
    return out.rename(columns={series: "value_usd"})


#: Categories in the published year-to-date vintages.
VINTAGE_CATEGORIES = schemas.RELEASE_CATEGORIES


def read_category_vintages(path: str | Path) -> pd.DataFrame:
    """Read the Phase One category year-to-date figures as published month after month in 2021.

    Returns ``data_through`` (Period[M]), ``category``, ``value_2017_usd``, ``value_2020_usd``,
    ``value_2021_ytd_usd`` and ``revision_note`` (missing unless the file has that optional
    column: a release lower than the one before must carry one, saying why).
    """
    path = Path(path)
    columns = ("data_through", "category", "value_2017", "value_2020", "value_2021_ytd")
    shown = _read_csv(path, columns)
    shown = shown.set_axis(pd.RangeIndex(2, len(shown) + 2))
    if "revision_note" not in shown:
        shown = shown.assign(revision_note="")
    checked = shown.assign(**{c: _number(shown[c]) for c in columns[2:]})
    forms.check_written(shown, checked, columns[2:], "category_releases", path.name)  # the form, then the values
    schemas.validate(checked, schemas.category_releases(), path.name, unit="line", shown=shown)
    out = pd.DataFrame({"data_through": pd.PeriodIndex(shown["data_through"], freq="M"),
                        "category": shown["category"].to_numpy()})
    for column in columns[2:]:
        out[f"{column}_usd"] = checked[column].astype("int64").to_numpy()
    note = shown["revision_note"].str.strip()
    out["revision_note"] = note.where(note != "").astype("str").array
    return out


def load_concordance(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the clean concordance ``data/raw/agreement/annex_6_1.csv`` (its schema:
    :func:`tradedeal.ingest.schemas.annex`); a failure is a :class:`ConcordanceError` naming the
    file, the line and the rule.

    Returns columns ``code, level, description, subcategory, category`` (codes as strings).
    """
    path = Path(path) if path is not None else raw_dir() / "agreement" / "annex_6_1.csv"
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ConcordanceError(f"{path.name}: file: empty (rule: a header and at least one covered product)") from None
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConcordanceError(f"{path.name}: not readable ({exc})".splitlines()[0]) from None
    columns = ["code", "level", "description", "subcategory", "category"]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ConcordanceError(f"{path.name}: missing column(s) {', '.join(missing)}")
    frame = frame[columns]
    schemas.validate(frame.set_axis(pd.RangeIndex(2, len(frame) + 2)), schemas.annex(), path.name, unit="line",
                     error=ConcordanceError)
    return frame
