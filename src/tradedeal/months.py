"""The one month parser of tradedeal: ``YYYY-MM`` text, dates and periods become ``Period[M]``."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from tradedeal.errors import ParameterError

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?")


def parse_month(value, name: str = "as_of") -> pd.Period:
    """Parse ``YYYY-MM`` (or ``YYYY-MM-DD``, a Period, date or timestamp, as YAML and pandas give them) into a
    Period[M]; raise :class:`~tradedeal.errors.ParameterError` naming ``name`` otherwise."""
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return pd.Period(year=value.year, month=value.month, freq="M")
    if isinstance(value, str) and _MONTH.fullmatch(value.strip()):
        return pd.Period(value.strip()[:7], freq="M")
    raise ParameterError(f"{name} must be a month YYYY-MM; got {value!r}")
