"""Variance that follows the regimes in the data: recent errors weigh more than old ones.

The 2018-19 tariff swings and the 2020 shock are in every series' record. Weighted equally, they
give a December of 2021 the spread of a tariff year. Here an error ``a`` months older than the
origin weighs ``0.5 ** (a / half_life)``: with a half-life of 12 months, the errors of three years
before weigh an eighth of last month's. ``half_life=None`` weighs them all equally (the models'
own variance and the calibration before issue 27). ``half_life=REGIME`` weighs them by regime
instead (:func:`regime_weights`): an error dated in the regime the origin sits in weighs 1, one of
the other regime :data:`OTHER_REGIME_WEIGHT`. The weighting is chosen by the backtest
(docs/forecasts.md, "Variance that follows the regimes").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Months after which an error weighs half (chosen by the backtest; docs/forecasts.md).
HALF_LIFE: float | None = None


#: The weighting by regime (``half_life=REGIME``; docs/forecasts.md, second round).
REGIME = "regime"
#: The tariff regime, dated from the tariff timeline, not by fit: China's retaliatory tariffs of
#: 6 July 2018 to the Phase One text of 13 December 2019 (and the suspended December tariffs).
TARIFF_REGIME = (pd.Period("2018-07", "M"), pd.Period("2019-12", "M"))
#: The weight of an error dated in the other regime than the origin's (fixed before the backtest:
#: never zero, so the first origins of a regime still have a spread).
OTHER_REGIME_WEIGHT = 0.1


def in_tariff_regime(months) -> np.ndarray:
    """Whether each month (ordinals) lies in :data:`TARIFF_REGIME`."""
    months = np.asarray(months)
    return (months >= TARIFF_REGIME[0].ordinal) & (months <= TARIFF_REGIME[1].ordinal)


def regime_weights(months, origin: pd.Period) -> np.ndarray:
    """Weights of errors dated ``months`` (ordinals) at ``origin``: 1 in the origin's regime (the
    tariff regime or the rest), :data:`OTHER_REGIME_WEIGHT` in the other."""
    same = in_tariff_regime(months) == bool(in_tariff_regime(origin.ordinal))
    return np.where(same, 1.0, OTHER_REGIME_WEIGHT)


def recent_weights(ages, half_life: float | str | None, as_of: pd.Period | None = None) -> np.ndarray:
    """Weights ``0.5 ** (age / half_life)`` of errors ``ages`` months old at ``as_of`` (all 1 for
    None); for :data:`REGIME`, :func:`regime_weights` of the months ``as_of − age``."""
    ages = np.asarray(ages, dtype=float)
    if half_life is None:
        return np.ones_like(ages)
    if half_life == REGIME:
        if as_of is None:
            raise ValueError("regime weights need the origin (as_of)")
        return regime_weights(as_of.ordinal - ages.astype(np.int64), as_of)
    return 0.5 ** (ages / half_life)


def recent_scale(errors: np.ndarray, half_life: float | str | None, as_of: pd.Period | None = None) -> float:
    """How the recent standardised one-step errors (oldest first, the last at ``as_of``) compare
    with the model's own spread: the square root of their weighted mean square (1 for None or no
    errors)."""
    errors = np.asarray(errors, dtype=float)
    if half_life is None or errors.size == 0:
        return 1.0
    w = recent_weights(np.arange(errors.size)[::-1], half_life, as_of)
    return float(np.sqrt(np.sum(w * errors**2) / np.sum(w)))


def recent_sd(values: np.ndarray, half_life: float | str | None, as_of: pd.Period | None = None) -> float:
    """The standard deviation of ``values`` (oldest first, the last at ``as_of``), weighted; for
    None, the sample standard deviation (``ddof=1``)."""
    values = np.asarray(values, dtype=float)
    if half_life is None:
        return float(np.std(values, ddof=1))
    w = recent_weights(np.arange(values.size)[::-1], half_life, as_of)
    mean = np.sum(w * values) / np.sum(w)
    return float(np.sqrt(np.sum(w * (values - mean) ** 2) / np.sum(w)))


def sorted_quantile(ordered: np.ndarray, level: float) -> float:
    """``np.quantile(values, level)`` (its default, linear rule, to the last bit) of the sorted
    ``ordered``, without its overhead: the backtest asks for some 60 000 of them."""
    n = ordered.size
    x = (n - 1) * level
    i = min(int(np.floor(x)), n - 1)
    j = min(i + 1, n - 1)
    t = x - i
    a, b = ordered[i], ordered[j]
    d = b - a
    return float(b - d * (1 - t) if t >= 0.5 else a + d * t)


def weighted_quantile(values: np.ndarray, level: float, weights: np.ndarray | None = None) -> float:
    """The ``level`` quantile of ``values``; with ``weights``, of their weighted distribution (the
    sorted values' midpoint cumulative weights, interpolated). Without weights, ``np.quantile``'s
    linear rule."""
    values = np.asarray(values, dtype=float)
    if weights is None:
        return sorted_quantile(np.sort(values), level)
    order = np.argsort(values, kind="stable")
    v, w = values[order], np.asarray(weights, dtype=float)[order]
    cum = (np.cumsum(w) - w / 2) / np.sum(w)
    return float(np.interp(level, cum, v))


#: A simulated month above this multiple of the largest month on record is one the record does
#: not make possible (``benchmarks/forecast.py`` prints the share).
RECORD_MULTIPLE = 1.5


def above_record_pct(months: np.ndarray, record: float) -> float:
    """The share (%) of simulated months (``months``: rows months, columns paths, calibrated)
    above :data:`RECORD_MULTIPLE` × ``record``; 0 with no month left."""
    if months.size == 0:
        return 0.0
    return float(100 * np.mean(months > RECORD_MULTIPLE * record))


def median_above_record_pct(months: np.ndarray, record: float) -> float:
    """The share (%) of simulated months whose median over the paths (``months``: rows months,
    columns paths) is above :data:`RECORD_MULTIPLE` × ``record``: months beyond the record that
    no spread makes possible, since the model's own centre is there; 0 with no month left."""
    if months.size == 0:
        return 0.0
    return float(100 * np.mean(np.median(months, axis=1) > RECORD_MULTIPLE * record))
