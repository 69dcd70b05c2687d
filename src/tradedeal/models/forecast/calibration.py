"""Calibration learned in real time: monthly intervals and year-total projections.

The models' own intervals assume calmer times than 2018-2021. Each calibration uses only errors
already judged at the origin (split-conformal: the factor that would have made earlier intervals
hold the share they promise) and stretches or narrows a forecast **on logs** around its median,
so a band is multiplicative and never reaches zero. Nothing is clipped: how far a band reaches
comes from the models and their record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scoringrules import crps_ensemble

from tradedeal.models.forecast.bounded import from_odds, to_odds
from tradedeal.models.forecast.scores import piled_pct
from tradedeal.models.forecast.variance import (
    above_record_pct,
    median_above_record_pct,
    recent_weights,
    weighted_quantile,
)

#: Year totals are reported as 10th/50th/90th percentiles.
Z80 = float(stats.norm.ppf(0.9))
#: Months before the origin whose largest month measures how far a band reaches.
LOOKBACK = 36


def largest_month(history: pd.Series) -> float:
    """The largest month of the last :data:`LOOKBACK` of ``history`` (to measure bands against)."""
    return float(history.iloc[-LOOKBACK:].max())


def stretch(median: np.ndarray, bound: np.ndarray, factor) -> np.ndarray:
    """An interval bound moved ``factor`` times as far from ``median`` on logs."""
    return median * (bound / median) ** factor


class Calibration:
    """Conformal calibration of one model's intervals, learned in real time.

    Each judged forecast leaves its error on logs, ``e = log(actual / mean)``, and the model's
    own predictive spread ``s`` on logs (read off its interval). At an origin, for horizon h,
    the errors judged by then (forecast month at or before the origin) decide how much
    uncertainty the model lacked: the smallest ``c`` such that intervals of spread
    ``sqrt(s² + c²)`` would have held the share they promise (80 %) of them, the 80th percentile
    of ``sqrt(max(e² / z² − s², 0))``. A forecast of own spread ``s`` is then stretched on logs
    by ``f = sqrt(1 + c² / s²)``: the missing uncertainty is *added* (as an independent term on
    logs), so a model whose own spread is already wide is widened little, and a narrow one a
    lot. Where the model's own intervals already held more than the promise (``c = 0``), they
    are narrowed by the factor that would have made them hold it. Used once six errors are
    known (before that, 1); where a horizon has too few, the nearest shorter horizon's.

    (Earlier versions multiplied every spread by one factor, the errors' 80th percentile over
    their own spreads; it learned from the 2018 tariffs, when the models' spreads were narrow,
    and multiplied spreads that the shocks had already widened: 80 % bands up to 90 times the
    largest month of the 36 before, once nothing capped them. The first used the root mean
    square of the errors, at least 1: its 80 % intervals held 87-89 % of outcomes.)
    """

    MIN_ERRORS = 6

    def __init__(self, horizon: int, z: float, half_life: float | str | None = None):
        self.horizon, self.z, self.half_life = horizon, z, half_life
        self.level = float(2 * stats.norm.cdf(z) - 1)
        self.month: list[int] = []
        self.h: list[int] = []
        self.error: list[float] = []
        self.spread: list[float] = []

    def _learned(self, origin: pd.Period) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per horizon: whether enough errors are judged, the missing spread ``c`` and the
        narrowing factor (at most 1) for when none is missing."""
        known, missing, narrow = np.zeros(self.horizon, bool), np.zeros(self.horizon), np.ones(self.horizon)
        if not self.month:
            return known, missing, narrow
        month, h = np.array(self.month), np.array(self.h)
        error, spread = np.array(self.error), np.array(self.spread)
        judged = month <= origin.ordinal
        weight = None if self.half_life is None else recent_weights(origin.ordinal - month, self.half_life, origin)
        for j in range(1, self.horizon + 1):
            pick = judged & (h == j)
            if pick.sum() >= self.MIN_ERRORS:
                e, s = error[pick], spread[pick]
                w = None if weight is None else weight[pick]
                known[j - 1] = True
                missing[j - 1] = weighted_quantile(np.sqrt(np.maximum((e / self.z) ** 2 - s**2, 0)), self.level, w)
                narrow[j - 1] = min(weighted_quantile(e / s, self.level, w) / self.z, 1.0)
            elif j > 1:
                known[j - 1], missing[j - 1], narrow[j - 1] = known[j - 2], missing[j - 2], narrow[j - 2]
        return known, missing, narrow

    def factors(self, origin: pd.Period, spread) -> np.ndarray:
        """The stretch on logs, per horizon, of forecasts whose own spreads on logs are ``spread``
        (one per horizon, or one for all)."""
        known, missing, narrow = self._learned(origin)
        spread = np.broadcast_to(np.asarray(spread, dtype=float), (self.horizon,))
        with np.errstate(divide="ignore", invalid="ignore"):
            widen = np.sqrt(1 + missing**2 / spread**2)
        out = np.where(missing > 0, widen, narrow)
        return np.where(known & (spread > 0) & np.isfinite(out), out, 1.0)

    def add(self, months: pd.PeriodIndex, fc: pd.DataFrame, actual: np.ndarray) -> None:
        """Record the errors of one origin's forecasts of ``months`` (horizons 1, 2, ...)."""
        spread = log_spread(fc["lower"].to_numpy(), fc["upper"].to_numpy(), self.z)
        error = np.log(actual / fc["mean"].to_numpy())
        self.add_arrays(months.asi8, np.arange(1, len(months) + 1), error, spread)

    def add_arrays(self, months: np.ndarray, h: np.ndarray, error: np.ndarray, spread: np.ndarray) -> None:
        """:meth:`record` for arrays: months as ordinals, horizons, errors and spreads on logs."""
        keep = np.isfinite(error) & np.isfinite(spread) & (spread > 0)
        self.month.extend(np.asarray(months)[keep].tolist())
        self.h.extend(np.asarray(h)[keep].tolist())
        self.error.extend(np.abs(np.asarray(error, dtype=float)[keep]).tolist())
        self.spread.extend(np.asarray(spread, dtype=float)[keep].tolist())

    def record(self, judged: pd.Period, h: int, error: float, spread: float) -> None:
        """Record one error on logs and the forecast's own spread on logs, known from month
        ``judged`` on (NaN, or no spread, is ignored)."""
        if np.isfinite(error) and np.isfinite(spread) and spread > 0:
            self.month.append(judged.ordinal)
            self.h.append(h)
            self.error.append(abs(float(error)))
            self.spread.append(float(spread))


def log_spread(lower, upper, z: float) -> np.ndarray:
    """The spread on logs of intervals (``lower``, ``upper``) that are ± ``z`` spreads wide."""
    return np.log(np.asarray(upper, dtype=float) / np.asarray(lower, dtype=float)) / (2 * z)


def year_facts(s: pd.Series, origin: pd.Period, through: pd.Period) -> dict:
    """What is known of ``origin``'s year: ``as_of, year, through, observed_ytd_usd`` and
    ``observed_total_usd`` (the months to ``through``; NaN while not all observed)."""
    january = pd.Period(f"{origin.year}-01", "M")
    observed = s.loc[january:through]
    complete = len(observed) == (through - january).n + 1
    return {"as_of": origin, "year": origin.year, "through": through,
            "observed_ytd_usd": float(s.loc[january:origin].sum()),
            "observed_total_usd": float(observed.sum()) if complete else np.nan}


def _log_rest(totals: np.ndarray, ytd: float) -> np.ndarray:
    return np.log(np.maximum(totals - ytd, np.finfo(float).tiny))  # positive paths: the floor never binds


def calibrate_year(info: dict, raw: np.ndarray, calibration: Calibration, largest: float,
                   judged: np.ndarray | None = None, *, months: np.ndarray | None = None,
                   record: float | None = None, persistent: bool = False,
                   month_factors: np.ndarray | None = None,
                   bound: float | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """Calibrate one year-total projection by what its model's earlier projections taught.

    ``raw`` are the model's simulated calendar-year totals (observed months plus the simulated
    months to December); ``judged``, where ``info["through"]`` is before December, the same paths
    summed to ``through`` only. The simulated remainder ``R`` (total minus the months observed)
    is stretched on logs around its median, ``log R' = log m + f (log R − log m)``: the median
    is the model's, the spread multiplicative, and the remainder never reaches zero. The factor
    ``f`` is that of :class:`Calibration` over earlier projections' errors on logs,
    ``log R_observed − log m``, and their spreads ``s`` read off their 10th and 90th percentiles,
    counting only projections of calendar years observed through December by this origin; 1
    until six are known. This projection's error, once its December is observed, is added for
    later origins; a year the data does not complete teaches nothing. ``judged`` is stretched
    by the same factor around its own median.

    ``months`` are the simulated months to December behind ``raw`` (rows months, columns paths).
    With ``persistent`` (a candidate, docs/forecasts.md "Variance that follows the regimes"), the
    remainder's spread is stretched by the same factor through the path-level part of the months
    only (:func:`stretch_persistent`), and ``judged`` is the calibrated months summed to
    ``through``. With ``record`` (the largest month of the data to the origin), the row also gets
    ``above_record_pct``, the share of calibrated simulated months above
    :data:`~tradedeal.models.forecast.variance.RECORD_MULTIPLE` × ``record``, and
    ``median_above_record_pct``, the share of months whose median over the paths is.

    With ``month_factors`` (a candidate, docs/forecasts.md "Third round": the factors the monthly
    calibration learned for horizons 1, 2, ... at the origin), the year-total stretch is not
    applied: each simulated month is stretched on logs around its own median by its horizon's
    factor (:func:`stretch_months`), and the totals are the sums; the row's factor is their mean.
    The year's error is still recorded in ``calibration``.

    With ``bound`` (the fourth candidate, docs/forecasts.md: the months simulated on the odds of
    the record's bound, :mod:`~tradedeal.models.forecast.bounded`), the factor is reached through
    the path-level part of the months on that scale (:func:`stretch_persistent` with ``bound``),
    so every calibrated month stays below ``bound``.

    Returns the row (quantiles, ``crps_usd`` and ``at_bound_pct`` of the totals through
    ``through``; the factor; ``largest_usd``), the calibrated calendar-year totals and the
    calibrated totals through ``through``.
    """
    ytd, origin, through, observed = info["observed_ytd_usd"], info["as_of"], info["through"], info["observed_total_usd"]
    december = pd.Period(f"{origin.year}-12", "M")
    factor, totals = 1.0, raw
    judged_totals = raw if judged is None else judged
    if december > origin:
        logs = _log_rest(raw, ytd)
        q10, median, q90 = np.quantile(logs, [0.1, 0.5, 0.9])
        spread = (q90 - q10) / (2 * Z80)
        if spread > 0 and through == december and observed > ytd:  # NaN until December is observed
            calibration.record(december, 1, np.log(observed - ytd) - median, spread)
        factor = float(calibration.factors(origin, spread)[0])
        if month_factors is not None and months is not None and months.size:
            f = np.asarray(month_factors, dtype=float)[: months.shape[0]]
            factor = float(f.mean())
            months = stretch_months(months, f)
            totals = ytd + months.sum(axis=0)
            judged_totals = totals if through >= december else ytd + months[: (through - origin).n].sum(axis=0)
        elif (persistent or bound is not None) and months is not None and months.size:
            months = stretch_persistent(months, factor, bound=bound)
            totals = ytd + months.sum(axis=0)
            judged_totals = totals if through >= december else ytd + months[: (through - origin).n].sum(axis=0)
        else:
            totals = ytd + np.exp(median + factor * (logs - median))
            judged_totals = totals
            if judged is not None and through > origin:
                logs = _log_rest(judged, ytd)
                centre = np.median(logs)
                judged_totals = ytd + np.exp(centre + factor * (logs - centre))
            if months is not None:  # each path's months scaled by its remainder's stretch
                months = months * np.where(raw > ytd, (totals - ytd) / np.maximum(raw - ytd, np.finfo(float).tiny), 1.0)
    row = {**info, "p10_usd": np.quantile(judged_totals, 0.1), "median_usd": np.median(judged_totals),
           "p90_usd": np.quantile(judged_totals, 0.9), "calibration": factor, "largest_usd": largest,
           "crps_usd": float(crps_ensemble(observed, judged_totals)) if np.isfinite(observed) else np.nan,
           "at_bound_pct": piled_pct(judged_totals)}
    if record is not None:
        months = np.empty((0, 0)) if months is None else months
        row["above_record_pct"] = above_record_pct(months, record)
        row["median_above_record_pct"] = median_above_record_pct(months, record)
    return row, totals, judged_totals


def stretch_months(months: np.ndarray, factors) -> np.ndarray:
    """Simulated months (rows months, columns paths) each stretched on logs around its own
    median over the paths by its row's factor: ``log x' = log m_j + f_j (log x − log m_j)``."""
    logs = np.log(months)
    centre = np.median(logs, axis=1, keepdims=True)
    return np.exp(centre + np.asarray(factors, dtype=float)[:, None] * (logs - centre))


def stretch_persistent(months: np.ndarray, factor: float, *, bound: float | None = None) -> np.ndarray:
    """Simulated months (rows months, columns paths) whose remainder (their sum) has ``factor``
    times the spread on logs (90th minus 10th percentile) of theirs, and the same median, stretched
    through the path-level part only.

    Each path's log deviations from the median months split into their mean over the months
    (the path-level part ``c``) and the rest. ``log x' = log x + (k − 1)(c − median c)`` plus one
    shift for all paths that keeps the remainder's median: ``k`` (at least 0) is solved by
    bisection so the spread is ``factor`` times; the month-to-month part is left as it is, so a
    path that is wide because of one month is not stretched as a whole. With one month left this
    is the stretch on logs around the median.

    With ``bound``, the same on the odds' logs ``log(x / (bound − x))`` in place of ``log x``
    (:mod:`~tradedeal.models.forecast.bounded`): every month stays below ``bound``, and where it
    keeps the spread short of ``factor`` times, the stretch is the widest the bracket reaches.
    """
    if months.shape[1] < 2 or factor == 1.0:
        return months
    if bound is None:
        logs, back = np.log(months), np.exp
    else:
        logs = np.log(to_odds(months, bound))

        def back(z):
            with np.errstate(over="ignore"):
                return from_odds(np.exp(z), bound)
    common = (logs - np.median(logs, axis=1, keepdims=True)).mean(axis=0)
    common = common - np.median(common)
    rest = np.log(months.sum(axis=0))
    q10, centre, q90 = np.quantile(rest, [0.1, 0.5, 0.9])
    target = factor * (q90 - q10)

    def spread(k: float) -> float:
        r = np.log(back(logs + (k - 1) * common).sum(axis=0))
        lo, hi = np.quantile(r, [0.1, 0.9])
        return hi - lo

    lo, hi = 0.0, max(2.0 * factor, 2.0)
    for _ in range(20):  # widen the bracket until it holds the target
        if spread(hi) >= target:
            break
        lo, hi = hi, 2 * hi
    if spread(lo) >= target:
        hi = lo
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if spread(mid) < target else (lo, mid)
    out = logs + (hi - 1) * common
    if bound is None:  # one shift on logs moves every remainder by the same factor
        out += centre - np.median(np.log(np.exp(out).sum(axis=0)))
        return np.exp(out)
    lo, hi = -50.0, 50.0  # the shift of the odds' logs that keeps the remainder's median
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.median(np.log(back(out + mid).sum(axis=0))) < centre else (lo, mid)
    return back(out + (lo + hi) / 2)
