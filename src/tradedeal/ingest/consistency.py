"""Consistency: released totals against their parts; each month against its neighbours.

A released total must equal the sum of its parts within the source's rounding
(:data:`PARTS_TOLERANCE`): each 2021 release's covered total and its three categories, c5700's
balance and its exports less imports (rules of :mod:`tradedeal.ingest.schemas`).

A break in the data is named, and accepted only by the user. A month's HS6 record count and
total, and each month of total goods exports and imports, must lie within :data:`BAND` times the
median of the :data:`NEIGHBOURS` months on each side; the band holds the shipped data's own
spread with room (measured in docs/reliability.md). A month outside it (most of a month's HS6
records lost, a FRED value cut to its first digits) stops the build with one line naming the
table, the month and the figures. If the break is real, the user accepts it by name (``tradedeal
data build --accept-break TABLE:YYYY-MM``): the acceptance is kept in ``accepted_breaks.json``
in the data folder and recorded in the build manifest, never implied.
"""

from __future__ import annotations

import json
import os
import re

import pandas as pd

from tradedeal.errors import ParameterError, SchemaError
from tradedeal.ingest.paths import atomic_path, data_dir

#: A month's figure must lie within these multiples of its neighbours' median.
BAND = (0.5, 2.0)
#: Months on each side that make a month's neighbours.
NEIGHBOURS = 3
#: The file, in the data folder, that holds the breaks the user accepted.
ACCEPTED_FILE = "accepted_breaks.json"
_KEY = re.compile(r"(exports_hs6|total_goods):[0-9]{4}-(0[1-9]|1[0-2])")


# --- released totals and their parts ----------------------------------------------------------

#: How far a released total may be from the sum of its parts: half a unit of the source's
#: rounding for each figure involved (the total and each part are rounded on their own).
PARTS_TOLERANCE = {"census_c5700": 3 * 0.05, "category_releases": 4 * 0.5}


def balance_is_exports_less_imports(frame: pd.DataFrame) -> pd.Series | bool:
    """Where the published balance is not exports less imports (within the rounding of tenths)."""
    if "Balance" not in frame:
        return True
    return ~((frame["Exports"] - frame["Imports"] - frame["Balance"]).abs() > PARTS_TOLERANCE["census_c5700"])


def explain_balance(frame: pd.DataFrame, row) -> str:
    e, i, b = (frame.at[row, c] for c in ("Exports", "Imports", "Balance"))
    return (f"Balance {b:,.1f} is not Exports {e:,.1f} less Imports {i:,.1f} (rule: a released total equals the sum "
            f"of its parts within {PARTS_TOLERANCE['census_c5700']:.2f}, the rounding of tenths)")


_PARTS = ("agriculture", "energy", "manufactures")
_RELEASED = ("value_2017", "value_2020", "value_2021_ytd")


def _parts_off(frame: pd.DataFrame) -> pd.DataFrame:
    """By release (rows) and figure (columns): the published covered total less the sum of its
    parts; zero where a figure is missing (the rule "a number" names it)."""
    figures = frame[list(_RELEASED)]
    parts = figures[frame["category"].isin(_PARTS)].groupby(frame["data_through"]).sum()
    total = figures[frame["category"] == "covered_total"].groupby(frame["data_through"]).sum()
    missing = figures.isna().groupby(frame["data_through"]).any()
    return (total - parts).where(~missing).fillna(0)


def totals_add_up(frame: pd.DataFrame) -> pd.Series:
    off = (_parts_off(frame).abs() > PARTS_TOLERANCE["category_releases"]).any(axis=1)
    return ~(frame["data_through"].map(off).fillna(False).astype(bool) & (frame["category"] == "covered_total"))


def explain_parts(frame: pd.DataFrame, row) -> str:
    release = frame.at[row, "data_through"]
    off = _parts_off(frame).loc[release]
    column = off.abs().idxmax()
    return (f"covered_total {column} {frame.at[row, column]:,.0f} through {release} is not the sum of "
            f"{', '.join(_PARTS)} ({frame.at[row, column] - off[column]:,.0f}) (rule: a released total equals the "
            f"sum of its parts within ${PARTS_TOLERANCE['category_releases']:.0f}, the rounding of whole dollars)")


# --- each month against its neighbours -------------------------------------------------------


def neighbours(values: pd.Series) -> pd.Series:
    """The median of the :data:`NEIGHBOURS` months before and after each month (itself left out);
    ``values`` is indexed by consecutive months."""
    around = [values.shift(k) for k in range(-NEIGHBOURS, NEIGHBOURS + 1) if k]
    return pd.concat(around, axis=1).median(axis=1)


def breaks(by_month: pd.DataFrame, table: str) -> pd.DataFrame:
    """Every (month, figure) of ``by_month`` (months as rows, one column per figure) outside the
    band: ``key, month, figure, value, neighbours, ratio``."""
    found = []
    for figure, values in by_month.items():
        values = values.astype("float64")
        around = neighbours(values)
        ratio = values / around
        out = ~ratio.between(*BAND) & around.notna() & values.notna()
        found += [(f"{table}:{m}", m, figure, values[m], around[m], ratio[m]) for m in values.index[out]]
    return pd.DataFrame(found, columns=["key", "month", "figure", "value", "neighbours", "ratio"])


def check(by_month: pd.DataFrame, table: str, accepted: dict[str, str]) -> list[str]:
    """Raise :class:`SchemaError` naming the first break of ``by_month`` the user has not accepted;
    return the keys of the accepted breaks found."""
    found = breaks(by_month, table)
    open_ = found[~found["key"].isin(list(accepted))]
    if len(open_):
        b = open_.sort_values("month").iloc[0]
        raise SchemaError(
            f"{table}: {b['month']}: {b['figure']} {b['value']:,.0f} is {b['ratio']:.2f} times the median of the "
            f"{NEIGHBOURS} months either side ({b['neighbours']:,.0f}) (rule: each month within {BAND[0]} to "
            f"{BAND[1]} times its neighbours; if the break is real, accept it: tradedeal data build "
            f"--accept-break {b['key']})")
    return sorted(set(found["key"]))


def accepted(root: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The breaks the user accepted in this data folder, by key (``TABLE:YYYY-MM``)."""
    path = data_dir(root) / ACCEPTED_FILE
    try:
        content = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SchemaError(f"{ACCEPTED_FILE}: not readable ({exc})".splitlines()[0]) from None
    if not isinstance(content, dict) or not all(isinstance(k, str) and _KEY.fullmatch(k) for k in content):
        raise SchemaError(f"{ACCEPTED_FILE}: not a mapping of TABLE:YYYY-MM to a note")
    return content


def accept(keys: list[str], root: str | os.PathLike[str] | None = None, note: str = "accepted by the user") -> None:
    """Record breaks the user accepts (``exports_hs6:2020-06``, ``total_goods:2026-01``)."""
    for key in keys:
        if not _KEY.fullmatch(key):
            raise ParameterError(f"--accept-break must be exports_hs6:YYYY-MM or total_goods:YYYY-MM; got {key!r}")
    content = {**accepted(root), **{key: note for key in keys}}
    with atomic_path(data_dir(root) / ACCEPTED_FILE) as tmp:
        tmp.write_text(json.dumps(content, indent=2, sort_keys=True))
