"""A scale bounded by the record: the fourth candidate of issue 27, off by default.

At an origin the data make a bound ``U`` (:func:`record_bound`): the largest month to the origin
times the larger of :data:`~tradedeal.models.forecast.variance.RECORD_MULTIPLE` and the largest
jump on record. With ``scale="bounded"`` (:func:`tradedeal.models.forecast.rolling.run_backtest`)
the models work on the odds ``w = y / (U − y)``, so on ``z = log w`` where they otherwise work on
``log y``: far below the bound the two differ by a constant, near it the scale stretches, and
every path, forecast and interval maps back below ``U`` (:func:`from_odds`; quantiles map
exactly). docs/forecasts.md ("Fourth round") gives the rule it was judged by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.models.forecast.variance import RECORD_MULTIPLE

#: Scales the models can work on (``run_backtest``'s ``scale``): logs (the method) or the odds of
#: the record's bound (the candidate).
SCALES = ("log", "bounded")
#: An outcome at or above the bound is judged as this share of it: a large error, not a lost one.
_AT_BOUND = 1 - 1e-6


def record_bound(history: pd.Series) -> float:
    """The bound the data to ``history``'s last month make: its largest month times the larger of
    :data:`RECORD_MULTIPLE` and the largest ratio of a month to the largest month before it,
    counted from the 13th month of the data on."""
    s = history.dropna()
    jumps = (s / s.cummax().shift(1)).iloc[12:]
    multiple = max(RECORD_MULTIPLE, float(jumps.max())) if len(jumps) else RECORD_MULTIPLE
    return float(multiple * s.max())


def to_odds(y, bound: float):
    """``y / (bound − y)``: positive for ``0 < y < bound``."""
    return y / (bound - y)


def from_odds(w, bound: float):
    """The month whose odds are ``w``: ``bound / (1 + 1/w)``, in (0, ``bound``]."""
    if np.isscalar(w):
        w = np.float64(w)  # numpy's division: 1/0 is inf, not an error
    with np.errstate(divide="ignore", over="ignore"):
        return bound / (1.0 + 1.0 / w)


def on_scale(y, bound: float | None):
    """Months where the models work: themselves (on logs, no bound) or their odds of ``bound``."""
    return y if bound is None else to_odds(y, bound)


def off_scale(w, bound: float | None):
    """Months back from where the models work (:func:`on_scale`), in USD."""
    return w if bound is None else from_odds(w, bound)


def judged_on_scale(actual: np.ndarray, bound: float | None) -> np.ndarray:
    """Observed months where the models work (:func:`on_scale`), an outcome at or above ``bound``
    counted just below it: a large error, not a lost one."""
    actual = np.asarray(actual, dtype=float)
    return actual if bound is None else to_odds(np.minimum(actual, _AT_BOUND * bound), bound)


def odds_of(s: pd.Series, bound: float) -> pd.Series:
    """``s`` as odds of ``bound`` (:func:`to_odds`); every month
    must be below it."""
    if not np.isfinite(bound) or (s >= bound).any():
        raise ParameterError(f"bound must be above every month of the series; got {bound:,.0f}, largest {s.max():,.0f}")
    return to_odds(s, bound)
