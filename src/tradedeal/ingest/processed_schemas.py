"""The processed tables' schemas, checked before a table is written (``ingest.build``).

Built from the rules of :mod:`tradedeal.ingest.schemas`, which checks the raw sources the same
way: a failure is one :class:`~tradedeal.errors.SchemaError` line naming the table, the row and
the rule.
"""

from __future__ import annotations

import pandas as pd

from tradedeal.ingest.concordance import CATEGORIES, COVERAGES, NOT_COVERED
from tradedeal.ingest.schemas import (
    FIRST_MONTH, MONTH_CEILING_USD, RELEASE_CATEGORIES, SOURCES_OF_CATEGORY_MONTHS, SOURCES_OF_TOTALS,
    YEAR_CEILING_USD, amount, column, duplicated, frame_rule, hs6_codes, month_column, one_of, pa, validate,
)


def _usd(ceiling: float = MONTH_CEILING_USD, *, required: bool = True) -> pa.Column:
    return column(amount(ceiling, whole=True, unit="USD", required=required))


def _negative_only_if_revised(frame: pd.DataFrame) -> pd.Series:
    note = frame["revision_note"].fillna("") if "revision_note" in frame else ""
    return (frame["value_usd"] >= 0) | (note != "")


_MONTHS_HS6 = column(month_column(FIRST_MONTH["census_hs6"], "month", run=False))

#: The schema of each processed table (``tradedeal.ingest.build.TABLES``), checked before it is written.
PROCESSED: dict[str, pa.DataFrameSchema] = {
    # its rows are the Census files' rows, each checked against census_hs6 when read (never twice
    # in one build); what the stacking of files can break is checked here
    "exports_hs6": pa.DataFrameSchema(
        checks=[frame_rule(lambda f: ~duplicated(f, ["month", "hs6"]), "one row per month and code")],
    ),
    "exports_subcategory": pa.DataFrameSchema(
        {"month": _MONTHS_HS6, "coverage": one_of(tuple(COVERAGES)), "category": one_of((*CATEGORIES, NOT_COVERED)),
         "value_usd": _usd()},
    ),
    "exports_category": pa.DataFrameSchema(
        {"month": _MONTHS_HS6, "coverage": one_of(tuple(COVERAGES)), "category": one_of((*CATEGORIES, NOT_COVERED)),
         "source": one_of(SOURCES_OF_CATEGORY_MONTHS),
         "value_usd": column([c for c in amount(MONTH_CEILING_USD, whole=True, unit="USD")
                          if c.error != "non-negative"])},
        checks=[frame_rule(lambda f: ~duplicated(f, ["month", "coverage", "category"]), "one row per month and category"),
                frame_rule(_negative_only_if_revised, "non-negative unless a revision note says why")],
    ),
    "total_goods": pa.DataFrameSchema(
        {"month": column(month_column(FIRST_MONTH["census_c5700"], "month")),
         "exports_usd": _usd(required=False), "imports_usd": _usd(required=False),
         "source": one_of(SOURCES_OF_TOTALS)},
        checks=[frame_rule(lambda f: f["exports_usd"].notna() & f["imports_usd"].notna(), "both exports and imports",
                            lambda f, r: f"month {f.at[r, 'month']} has "
                                         f"{'no exports' if pd.isna(f.at[r, 'exports_usd']) else 'no imports'} "
                                         "(rule: EXPCH and IMPCH cover the same months; a missing month is named)")],
    ),
    "category_vintages": pa.DataFrameSchema(
        {"category": one_of(RELEASE_CATEGORIES),
         **{c: _usd(YEAR_CEILING_USD) for c in ("value_2017_usd", "value_2020_usd", "value_2021_ytd_usd")}},
    ),
    "hs6_descriptions": pa.DataFrameSchema(
        {"hs6": hs6_codes()}, checks=[frame_rule(lambda f: ~f["hs6"].duplicated(), "each code once")],
    ),
}


def check_processed(name: str, frame: pd.DataFrame) -> None:
    """Check a processed table against :data:`PROCESSED` before it is written."""
    numbered = frame.set_axis(pd.RangeIndex(1, len(frame) + 1))
    if "hs6" in numbered:  # factorised once for the code and the uniqueness rules
        codes, uniques = pd.factorize(numbered["hs6"])
        numbered = numbered.assign(hs6=pd.Categorical.from_codes(codes, pd.Index(uniques, dtype=object)))
    validate(numbered, PROCESSED[name], f"processed table {name}")
