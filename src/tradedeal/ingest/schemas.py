"""What every table must hold, declared once per source as a pandera schema with ranges.

Every raw file (Census API responses, c5700, FRED, the category releases, Annex 6.1), every
pulled response and every processed table (their schemas: :mod:`tradedeal.ingest.processed_schemas`,
built from these rules) is checked against one of these schemas: values
finite, whole where the source publishes whole dollars, non-negative and below a stated
ceiling; months inside the source's span and not after this month; no month missing unnamed;
year-to-date figures that never fall without a revision note. :func:`validate` turns the first
failure into one :class:`~tradedeal.errors.SchemaError` line naming the file (or response, or
table), the row and the rule. Rows are counted as in the file: a Census response's header is
row 0 and its first record row 1; a CSV's header is line 1.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from tradedeal.errors import SchemaError
from tradedeal.ingest.consistency import (
    balance_is_exports_less_imports, explain_balance, explain_parts, totals_add_up,
)
from tradedeal.ingest.concordance import CATEGORIES, LEVELS


def _import_pandera():
    """pandera, with its pandas backends registered, loaded without hypothesis: pandera imports
    it for data synthesis, which tradedeal never asks for, and it would cost a build about a
    tenth of its time. A process that has hypothesis loaded already keeps it."""
    absent = "hypothesis" not in sys.modules
    if absent:
        sys.modules["hypothesis"] = None  # an ImportError for pandera's optional import
    try:
        import pandera.pandas as pandera

        pandera.DataFrameSchema({}).validate(pd.DataFrame())  # registers the backends now
    finally:
        if absent:
            del sys.modules["hypothesis"]
    return pandera


pa = _import_pandera()

#: The most one month of one series can be, in USD (all US goods exports are about 2e11 a month).
MONTH_CEILING_USD = 1e12
#: The most one year (or year to date) of one category can be, in USD.
YEAR_CEILING_USD = 1e13
#: The most one HS6 line's monthly quantity can be, in its unit.
QTY_CEILING = 1e15
#: The first month each source publishes.
FIRST_MONTH = {"census_hs6": "2013-01", "census_c5700": "1985-01", "fred": "1985-01", "category_releases": "2021-01"}
#: Categories in the published year-to-date releases; ``not_covered`` there is not a year-to-date figure.
RELEASE_CATEGORIES = ("agriculture", "energy", "manufactures", "covered_total", "not_covered")
YTD_CATEGORIES = ("agriculture", "energy", "manufactures", "covered_total")
SOURCES_OF_CATEGORY_MONTHS = ("census_hs6", "category_ytd_releases")
SOURCES_OF_TOTALS = ("census_c5700", "fred")

_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
HS6 = re.compile(r"[0-9]{6}")
_EXPLAIN: dict[str, Callable[[pd.DataFrame, object], str]] = {}


def this_month() -> pd.Period:
    """The current month: no source publishes a month after it."""
    return pd.Period(dt.date.today(), "M")


# --- rules --------------------------------------------------------------------------------


def rule(test: Callable[[pd.Series], pd.Series], rule: str, *, na: bool = True) -> pa.Check:
    """A vectorised check named by its rule; ``na=False`` checks missing values too."""
    return pa.Check(test, error=rule, ignore_na=na)


def each_distinct(test: Callable[[object], bool], rule: str, *, pattern: re.Pattern | None = None) -> pa.Check:
    """A check of each distinct value once (a file holds a dozen months and thousands of codes);
    with ``pattern``, the distinct values are matched in one vectorised step (``test`` words the rule
    for any value)."""

    def check(column: pd.Series) -> pd.Series:
        codes, uniques = _codes(column)
        if pattern is not None and pd.api.types.infer_dtype(uniques, skipna=False) == "string":
            ok = np.asarray(pd.Index(uniques, dtype=object).str.fullmatch(pattern.pattern), dtype=bool)
        else:
            ok = np.fromiter((bool(test(u)) for u in uniques), bool, len(uniques))
        return pd.Series(np.append(ok, False)[codes], index=column.index)

    return pa.Check(check, error=rule, ignore_na=False)


def column(checks) -> pa.Column:
    """A column whose checks say themselves what a missing value breaks (pandera's own
    not-null test would scan every text value once more)."""
    return pa.Column(checks=checks, nullable=True)


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and distinct values of a column (a categorical one is factorised already)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    return pd.factorize(column)


def frame_rule(test: Callable[[pd.DataFrame], pd.Series | bool], rule: str,
                explain: Callable[[pd.DataFrame, object], str] | None = None) -> pa.Check:
    """A rule across columns or rows; ``explain(frame, row)`` words a failure of that row."""
    if explain is not None:
        _EXPLAIN[rule] = explain
    return pa.Check(test, error=rule, ignore_na=False)  # (pandera would scan every cell for NA first)


def amount(ceiling: float, *, whole: bool, unit: str, required: bool = True) -> list[pa.Check]:
    """A number, finite, non-negative, at most ``ceiling``; whole if the source publishes whole units."""
    checks = [rule(lambda s: s.notna(), "a number", na=False)] if required else []
    checks += [rule(lambda s: np.isfinite(s) if s.dtype.kind == "f" else True, "finite")]  # integers are finite
    if whole:
        checks.append(rule(lambda s: s % 1 == 0 if s.dtype.kind == "f" else True,
                            f"whole {unit} (the source publishes integers)"))
    checks += [rule(lambda s: s >= 0, "non-negative"), rule(lambda s: s <= ceiling, f"at most {ceiling:.0e} {unit}")]
    return checks


def text_months(first: str) -> list[pa.Check]:
    """``YYYY-MM`` text inside a source's span: from ``first``, not after this month."""
    return [
        each_distinct(lambda m: isinstance(m, str) and _MONTH.fullmatch(m) is not None, "a month YYYY-MM"),
        each_distinct(lambda m: not isinstance(m, str) or m >= first, f"not before the source's first month {first}"),
        each_distinct(lambda m: not isinstance(m, str) or m <= str(this_month()), "not after this month"),
    ]


def _ym(column: pd.Series) -> pd.Series:
    """Months as integers (year * 12 + month) from dates or monthly periods."""
    if isinstance(column.dtype, pd.PeriodDtype):  # a monthly period's ordinal counts months from 1970-01
        return pd.Series(column.array.asi8 + 1970 * 12 + 1, index=column.index).where(column.notna())
    return column.dt.year * 12 + column.dt.month


def month_column(first: str, column: str, *, run: bool = True) -> list[pa.Check]:
    """Dates (or periods) that are months inside a source's span; with ``run``, each once and none
    missing between the first and the last (a failure names the missing month)."""
    start = pd.Period(first, "M")
    checks = [
        rule(lambda s: s.notna(), "a month", na=False),
        rule(lambda s: _ym(s) >= start.year * 12 + start.month, f"not before the source's first month {first}"),
        rule(lambda s: _ym(s) <= this_month().year * 12 + this_month().month, "not after this month"),
    ]
    if run:
        _EXPLAIN[f"months follow one another without a gap|{column}"] = _gap(column)
        checks += [rule(lambda s: ~s.duplicated(), "each month once"),
                   rule(lambda s: _ym(s).diff().fillna(1).isin([1]) | s.duplicated(),
                         f"months follow one another without a gap|{column}")]
    return checks


def _gap(column: str) -> Callable[[pd.DataFrame, object], str]:
    def explain(frame: pd.DataFrame, row) -> str:
        months = pd.PeriodIndex(frame[column], freq="M")
        at = frame.index.get_loc(row)
        here, before = months[at], months[at - 1]
        if here <= before:
            return f"{column} {here} comes after {before} (rule: months run in order)"
        return (f"month {before + 1} is missing between {months.min()} and {months.max()} "
                "(rule: months follow one another; a missing month is named, never filled)")
    return explain


def hs6_codes() -> pa.Column:
    return column(each_distinct(lambda c: isinstance(c, str) and HS6.fullmatch(c) is not None, "a six-digit code",
                                pattern=HS6))


def one_of(values) -> pa.Column:
    return column(rule(lambda s: s.isin(values), f"one of {', '.join(values)}", na=False))



# --- raw sources ----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def census_hs6(year: int, month: str | None, country: str) -> pa.DataFrameSchema:
    """A Census API response of monthly HS6 exports to ``country`` for ``year`` (or one ``month``)."""
    time = [*text_months(FIRST_MONTH["census_hs6"]),
            each_distinct(lambda m: str(m)[:4] == str(year), f"in the file's year {year}")]
    if month is not None:
        time.append(each_distinct(lambda m: m == month, f"the file's month {month}"))
    return pa.DataFrameSchema(
        {
            "E_COMMODITY": hs6_codes(),
            "ALL_VAL_MO": column(amount(MONTH_CEILING_USD, whole=True, unit="USD")),
            "QTY_1_MO": column(amount(QTY_CEILING, whole=False, unit="units")),
            "CTY_CODE": column(rule(lambda s: _equals(s, country), f"the country code {country}", na=False)),
            "COMM_LVL": column(rule(lambda s: _equals(s, "HS6"), "HS6", na=False)),
            "time": column(time),
        },
        checks=[frame_rule(lambda f: ~duplicated(f, ["time", "E_COMMODITY"]), "one record per month and code",
                            lambda f, r: f"duplicate record for {f.at[r, 'time']} {f.at[r, 'E_COMMODITY']}")],
    )


def _equals(column: pd.Series, value: str) -> pd.Series:
    """``column == value`` on the raw object array (twice as fast as through the Series)."""
    return pd.Series(column.to_numpy() == value, index=column.index)


def duplicated(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Rows repeating an earlier row's ``columns`` (through integer codes: fast on long tables)."""
    key = np.zeros(len(frame), dtype="int64")
    for column in columns:
        codes, uniques = _codes(frame[column])
        key = key * (len(uniques) + 1) + codes + 1
    return pd.Series(key, index=frame.index).duplicated()


def _monthly_csv(date: str, columns: tuple[str, ...], first: str, *, first_day: bool,
                 rules: tuple[pa.Check, ...] = ()) -> pa.DataFrameSchema:
    checks = month_column(first, date)
    if first_day:
        checks.insert(1, rule(lambda s: s.dt.day == 1, "the first day of a month"))
    return pa.DataFrameSchema(
        {date: column(checks),
         **{c: column(amount(MONTH_CEILING_USD / 1e6, whole=False, unit="$ millions"))
            for c in columns}},
        checks=[frame_rule(lambda f: len(f) > 0, "at least one month"), *rules],
    )


@lru_cache(maxsize=8)
def fred(series: str) -> pa.DataFrameSchema:
    """A FRED CSV download: ``observation_date`` (first day of a month) and the series, $ millions."""
    return _monthly_csv("observation_date", (series,), FIRST_MONTH["fred"], first_day=True)


@lru_cache(maxsize=1)
def census_c5700() -> pa.DataFrameSchema:
    """Census "Trade in Goods with China": ``Month``, ``Exports``, ``Imports`` in $ millions;
    ``Balance``, where read, is exports less imports."""
    balance = frame_rule(balance_is_exports_less_imports, "balance is exports less imports", explain_balance)
    return _monthly_csv("Month", ("Exports", "Imports"), FIRST_MONTH["census_c5700"], first_day=False,
                        rules=(balance,))


def _ytd_falls(frame: pd.DataFrame) -> pd.Series:
    """Year-to-date figures below the same category's release of the month before, without a note."""
    order = frame.sort_values(["category", "data_through"])
    before = order.groupby("category")["value_2021_ytd"].shift()
    falls = (order["value_2021_ytd"] < before) & order["category"].isin(YTD_CATEGORIES)
    falls &= order.get("revision_note", pd.Series("", index=order.index)).fillna("").str.strip().eq("")
    return falls.reindex(frame.index)


def _explain_fall(frame: pd.DataFrame, row) -> str:
    category, month = frame.at[row, "category"], frame.at[row, "data_through"]
    earlier = frame[(frame["category"] == category) & (frame["data_through"] < month)].sort_values("data_through")
    prev = earlier.iloc[-1]
    return (f"{category} year to date {frame.at[row, 'value_2021_ytd']:,.0f} through {month} is below "
            f"{prev['value_2021_ytd']:,.0f} through {prev['data_through']} (rule: a year-to-date figure never "
            "falls without a revision_note saying why)")


def _release_gaps(frame: pd.DataFrame) -> pd.Series:
    months = pd.PeriodIndex(frame["data_through"], freq="M")
    distinct = months.unique().sort_values()
    missing = pd.period_range(distinct.min(), distinct.max(), freq="M").difference(distinct)
    first_after = [distinct[distinct > m][0] for m in missing]
    return ~pd.Series(months.isin(first_after[:1]), index=frame.index) if len(missing) else True


def _explain_release_gap(frame: pd.DataFrame, row) -> str:
    months = pd.PeriodIndex(frame["data_through"], freq="M")
    gap = pd.period_range(months.min(), months.max(), freq="M").difference(months.unique())[0]
    return f"no release with data through {gap} (rule: releases run month after month without a gap)"


@lru_cache(maxsize=1)
def category_releases() -> pa.DataFrameSchema:
    """The Phase One category year-to-date figures as released month by month (whole dollars).

    A release lower than the one before it is a revision; it must say so in ``revision_note``.
    """
    values = {c: column(amount(YEAR_CEILING_USD, whole=True, unit="USD"))
              for c in ("value_2017", "value_2020", "value_2021_ytd")}
    return pa.DataFrameSchema(
        {
            "data_through": column([*text_months(FIRST_MONTH["category_releases"]),
                                     each_distinct(lambda m: str(m)[:4] == "2021", "a 2021 release")]),
            "category": one_of(RELEASE_CATEGORIES),
            **values,
        },
        checks=[
            frame_rule(lambda f: len(f) > 0, "at least one release"),
            frame_rule(lambda f: ~duplicated(f, ["data_through", "category"]), "one row per release and category",
                        lambda f, r: f"duplicate (data_through, category) {f.at[r, 'data_through']} {f.at[r, 'category']}"),
            frame_rule(lambda f: f.groupby("data_through")["category"].transform("nunique") == len(RELEASE_CATEGORIES),
                        "every release has every category",
                        lambda f, r: f"the release through {f.at[r, 'data_through']} lacks a category "
                                     f"(rule: every release has {', '.join(RELEASE_CATEGORIES)})"),
            frame_rule(_release_gaps, "releases without a gap", _explain_release_gap),
            frame_rule(lambda f: ~_ytd_falls(f), "year to date never falls without a revision note", _explain_fall),
            frame_rule(totals_add_up, "covered_total is the sum of its parts", explain_parts),
        ],
    )


def _fits_level(frame: pd.DataFrame) -> pd.Series:
    digits = frame["code"].str.fullmatch(r"[0-9]+")
    length = frame["code"].str.len()
    return digits & frame["level"].isin(LEVELS) & (length == np.where(frame["level"] == "hs4", 4, 6))


@lru_cache(maxsize=1)
def annex() -> pa.DataFrameSchema:
    """The clean Annex 6.1 concordance: one row per covered code, each with its category."""
    return pa.DataFrameSchema(
        {
            "category": one_of(CATEGORIES),
            "subcategory": column(rule(lambda s: s.str.strip() != "", "not empty", na=False)),
        },
        checks=[
            frame_rule(lambda f: len(f) > 0, "at least one covered product"),
            frame_rule(_fits_level, "a code fits its level",
                        lambda f, r: f"code {f.at[r, 'code']!r} does not fit level {f.at[r, 'level']!r}"),
            frame_rule(lambda f: ~f["code"].duplicated(), "each code once",
                        lambda f, r: f"code {f.at[r, 'code']} appears twice"),
        ],
    )


# --- checking -------------------------------------------------------------------------------


def validate(frame: pd.DataFrame, schema: pa.DataFrameSchema, name: str, *, unit: str = "row",
             shown: pd.DataFrame | None = None, error: type[Exception] = SchemaError) -> pd.DataFrame:
    """Check ``frame`` (indexed by row number as the file counts) against ``schema``.

    Raise ``error`` naming ``name``, the first failing row and its rule; ``shown`` holds the
    values as written in the file, for the message. Returns ``frame``.
    """
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise error(_first_failure(exc.failure_cases, frame, name, unit, shown)) from None
    return frame


def _first_failure(cases: pd.DataFrame, frame: pd.DataFrame, name: str, unit: str, shown) -> str:
    at_row = cases[cases["index"].notna()]
    if at_row.empty:
        case = cases.iloc[0]
        return f"{name}: file: breaks the rule: {_rule_text(case['check'])}"
    positions = at_row["index"].map(frame.index.get_loc)
    order = at_row.assign(_pos=positions, _frame=at_row["schema_context"] == "DataFrameSchema",
                          _n=at_row["check_number"].fillna(0))
    case = order.sort_values(["_pos", "_frame", "_n"], kind="stable").iloc[0]
    row, rule, column = case["index"], str(case["check"]), case["column"]
    if rule in _EXPLAIN:
        text = _EXPLAIN[rule](frame, row)
    elif case["schema_context"] == "Column" and column in frame:
        source = shown if shown is not None and column in shown else frame
        value = source.at[row, column]
        value = value.item() if isinstance(value, np.generic) else value
        text = f"{column} {str(value) if isinstance(value, pd.Period) else value!r} breaks the rule: {_rule_text(rule)}"
    else:
        text = f"breaks the rule: {_rule_text(rule)}"
    return f"{name}: {unit} {row}: {text}"


def _rule_text(rule: str) -> str:
    return rule.split("|")[0]
