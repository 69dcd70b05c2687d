"""The one month parser of tradedeal: ``YYYY-MM`` text, dates and periods become ``Period[M]``."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from tradedeal.errors import ParameterError

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])(?:-([0-9]{2}))?")  # ASCII digits only: "٢٠٢١" is not a year


def parse_month(value, name: str = "as_of") -> pd.Period:
    """Parse ``YYYY-MM`` (or ``YYYY-MM-DD``, a Period, date or timestamp, as YAML and pandas give them) into a
    Period[M]; raise :class:`~tradedeal.errors.ParameterError` naming ``name`` otherwise (a day
    that is not in its month, year 0000 and missing dates included)."""
    if isinstance(value, pd.Period) and value is not pd.NaT:
        return value.asfreq("M")
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)) and value is not pd.NaT:
        return pd.Period(year=value.year, month=value.month, freq="M")
    match = _MONTH.fullmatch(value.strip()) if isinstance(value, str) else None
    if match:
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
        try:
            dt.date(year, month, day)
        except ValueError:
            pass
        else:
            return pd.Period(year=year, month=month, freq="M")
    raise ParameterError(f"{name} must be a month YYYY-MM; got {value!r}")
