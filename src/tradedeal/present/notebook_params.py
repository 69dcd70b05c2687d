"""One declaration per report parameter: its type, its check and its help, and each notebook's
parameters with their defaults.

Every way in reads a value through its declaration: ``-p NAME VALUE`` and YAML batch files (whose
scalars are kept as the text written), the check made before any kernel starts, and the check
cell of the notebook itself (:func:`tradedeal.present.parameters.check_parameters`). The type
decides how text is read: a product code is text (``020500`` stays ``020500``), a whole number
is ASCII digits (``²`` is not one), a month is ``YYYY-MM``. A test keeps :data:`NOTEBOOKS` and
the notebooks' parameters cells the same.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tradedeal.agreement.targets import GOODS, PRORATIONS
from tradedeal.errors import ParameterError
from tradedeal.ingest.concordance import COVERAGES
from tradedeal.models.forecast import MODEL_CHOICES
from tradedeal.months import parse_month

#: Text that stands for None where a parameter may be left out (``-p as_of null``, ``as_of: ~``).
NULL_TEXT = frozenset({"", "null", "Null", "NULL", "~", "None", "none"})
_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class Param:
    """One report parameter: how its value is read and checked, and what it means.

    ``kind`` names the type (text, whole number, number, month, choice); ``check`` takes a Python
    value or the text of one and returns the normalised value, or raises ParameterError naming
    the parameter; ``optional`` parameters also take None (or its text) for "the default".
    """

    name: str
    kind: str
    check: Callable[[str, object], object]
    help: str
    optional: bool = False

    def read(self, value):
        """``value`` (a Python value or its text) checked and normalised."""
        if self.optional and (value is None or (isinstance(value, str) and value.strip() in NULL_TEXT)):
            return None
        return self.check(self.name, value)


def month(name: str, value) -> str:
    return str(parse_month(value, name))


def choice(choices) -> Callable[[str, object], str]:
    def check(name: str, value) -> str:
        text = value.strip() if isinstance(value, str) else value
        if text not in choices:
            raise ParameterError(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")
        return text

    return check


def integer(lo: int, hi: int) -> Callable[[str, object], int]:
    """A whole number from ``lo`` to ``hi``: an int, or ASCII digits (never ``²`` or ``٣``)."""

    def check(name: str, value) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            number = None
        if number is None or not lo <= number <= hi:
            raise ParameterError(f"{name} must be a whole number from {lo} to {hi}; got {value!r}")
        return number

    return check


def number(lo: float, hi: float, *, open_ends: bool = False) -> Callable[[str, object], float]:
    """A finite number in a range: an int or float, or its decimal text (``1e7``, ``10_000_000``)."""

    def check(name: str, value) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            x = float(value)
        elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
            x = float(value.strip().replace("_", ""))
        else:
            x = math.nan
        if not math.isfinite(x) or not (lo < x < hi if open_ends else lo <= x <= hi):
            ends = f"between {lo:g} and {hi:g}" if open_ends else f"from {lo:g} to {hi:g}"
            raise ParameterError(f"{name} must be a number {ends}; got {value!r}")
        return x

    return check


def year(name: str, value) -> int | str:
    """A year from 2000 to 2100, or the agreement's two years (``2020-2021``, the tracker's)."""
    from tradedeal.agreement.targets import TWO_YEARS

    if isinstance(value, str) and value.strip() == TWO_YEARS:
        return TWO_YEARS
    return integer(2000, 2100)(name, value)


def vintage(name: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{name} must be a vintage id (see tradedeal data vintages); got {value!r}")
    return value.strip()


def product(name: str, value) -> str:
    """A product name, an Annex 6.1 sub-category or an HS4/HS6 code, kept as text: ``0203`` is
    pork, ``020500`` stays six digits. An int is taken only when it cannot have lost a leading
    zero (4 or 6 digits)."""
    from tradedeal.ingest.snapshot import PRODUCTS

    if isinstance(value, int) and not isinstance(value, bool) and len(str(value)) in (4, 6):
        value = str(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        code = f"0{value}" if len(str(value)) in (3, 5) else str(value)
        raise ParameterError(
            f"{name} must be text; got the number {value!r}: papermill's -p reads {code} as a number and drops its "
            f"leading zero. Pass it as text with papermill's -r ({'-r ' + name + ' ' + code}), or run "
            f"`tradedeal product {code}` or `tradedeal report 04_product -p {name} {code}`")
    if not isinstance(value, str) or not value.strip():
        raise ParameterError(f"{name} must be a product name, an Annex 6.1 sub-category or an HS code; got {value!r}")
    text = value.strip()
    if text.lower() in PRODUCTS:
        return text.lower()
    if _DIGITS.fullmatch(text) and len(text) in (4, 6):
        return text
    annex = _data_folder() / "raw" / "agreement" / "annex_6_1.csv"
    subcategories = _subcategories(str(annex), annex.stat().st_mtime_ns if annex.exists() else 0)
    if text.lower() in subcategories:
        return subcategories[text.lower()]
    raise ParameterError(
        f"{name} must be one of {', '.join(PRODUCTS)}, an Annex 6.1 sub-category or an HS4/HS6 code; got {value!r}"
    )


def _data_folder():
    from tradedeal.ingest.paths import data_dir

    return data_dir()


@lru_cache(maxsize=8)
def _subcategories(annex: str, modified: int) -> dict[str, str]:
    """The Annex 6.1 sub-categories by lower-case name, read once per version of the file."""
    from tradedeal.ingest.sources import load_concordance

    return {s.lower(): s for s in load_concordance(annex)["subcategory"].unique()}


_VINTAGE_HELP = "data vintage (tradedeal data vintages), None for the latest"

#: Every report parameter, by name: one declaration, whichever notebook takes it.
PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("year", "whole number", year, "the year asked about (targets for 2020 and 2021; the tracker also "
          "takes 2020-2021, both years on one coverage)"),
    Param("as_of", "month", month, "last month used, YYYY-MM, None for the latest in the data", optional=True),
    Param("vintage", "text", vintage, _VINTAGE_HELP, optional=True),
    Param("category", "choice", choice(GOODS), f"one of {', '.join(GOODS)}, None for all", optional=True),
    Param("coverage", "choice", choice(tuple(COVERAGES)), f"{', '.join(COVERAGES)}, None for the default",
          optional=True),
    Param("proration", "choice", choice(PRORATIONS), f"how the annual target is spread: {', '.join(PRORATIONS)}"),
    Param("recovery_month", "month", month, "first month after the recovery, YYYY-MM"),
    Param("model", "choice", choice(MODEL_CHOICES), f"forecast model: {', '.join(MODEL_CHOICES)}"),
    Param("horizon", "whole number", integer(1, 24), "months shown in the fan charts, 1 to 24"),
    Param("product", "text", product, "a product name, an Annex 6.1 sub-category or an HS4/HS6 code (text)"),
    Param("level", "choice", choice(("hs4", "hs6", "subcategory")), "the lines tested: hs4, hs6 or subcategory"),
    Param("break_month", "month", month, "the break of the momentum test and the scan, YYYY-MM, None for the "
          "primary specification's (2020-02, entry into force)", optional=True),
    Param("min_usd", "number", number(0, 1e12), "lines under this both in 2017 and in the last 12 months are "
          "listed, not tested"),
    Param("fdr", "number", number(0, 1, open_ends=True), "false discovery rate, between 0 and 1"),
)}

#: Each notebook's parameters and their defaults, in the order of its parameters cell.
NOTEBOOKS: dict[str, dict[str, object]] = {
    "01_tracker": {"year": 2020, "as_of": None, "coverage": None, "proration": "seasonal", "vintage": None},
    "02_momentum": {"as_of": None, "category": "covered_total", "coverage": None, "break_month": None,
                    "recovery_month": "2020-05", "vintage": None},
    "03_forecast": {"year": 2021, "as_of": None, "category": None, "model": "auto", "horizon": 12, "coverage": None,
                    "vintage": None},
    "04_product": {"product": "soybeans", "year": 2020, "as_of": None, "coverage": None, "vintage": None},
    "05_scanner": {"level": "hs4", "break_month": None, "min_usd": 1_000_000, "fdr": 0.10,
                   "coverage": None, "vintage": None},
}

#: Notebooks whose year must be one the agreement sets targets for.
TARGET_YEAR_NOTEBOOKS = ("01_tracker",)


def declared(notebook: str) -> dict[str, Param]:
    """The parameters ``notebook`` takes, declared; every known parameter for a notebook not
    declared here (a notebook opened outside the checkout's set)."""
    names = NOTEBOOKS.get(notebook)
    return {n: PARAMS[n] for n in names} if names is not None else dict(PARAMS)


def parameters_help() -> str:
    """Each notebook's parameters with their type, default and meaning (``tradedeal report --help``)."""
    lines = ["notebook parameters (-p NAME VALUE, or a batch file; a value is read by its type):"]
    for notebook, defaults in NOTEBOOKS.items():
        lines.append(f"  {notebook}:")
        for name, default in defaults.items():
            param = PARAMS[name]
            lines.append(f"    {name} ({param.kind}, default {default}): {param.help}")
    return "\n".join(lines)
