"""Rolling-origin backtests, the ``auto`` model choice, and real-time projections.

At every origin each model sees only the data up to that month. State space models are
re-estimated once a year (or when a new intervention becomes estimable) and otherwise
``apply`` their parameters to the longer history, as a forecaster would run them.

Monthly prediction intervals in a backtest are calibrated in real time (:class:`_Calibration`):
the models' own intervals assume calmer times than 2018-2021 and covered about 55 % of
outcomes where they promised 80 %. Year-total projections are calibrated the same way, from
the record of the model's earlier year-total projections whose year had ended by the origin
(:func:`_calibrate_year`): the simulated remainders of 2016-2020 covered about half the outcomes.

Forecasts stay within what has happened: no forecast month, bound or simulated month exceeds
twice the largest month of the 36 before the origin (:data:`PLAUSIBLE_MONTH`), no year-end
remainder averages more than 1.5 times that month (:data:`PLAUSIBLE_REMAINDER`), and the
remainder is simulated and calibrated on logs, so it is never zero.

A total (``covered_total``) is forecast bottom-up: the sum of its categories' forecasts
(:func:`combine`). Categories move for different reasons (soybean seasons, crude oil prices,
aircraft deliveries); in the backtest the sum of category forecasts beats forecasting the
total directly for every model.
"""

from __future__ import annotations

import zlib
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats
from scoringrules import crps_ensemble
from threadpoolctl import threadpool_limits

from tradedeal.errors import ParameterError
from tradedeal.models import AUTO
from tradedeal.models.forecast import MODELS, Fitted, fit

#: Year-total projections are simulated at every origin, with this many paths where none is
#: reported, so that their errors can calibrate later projections.
RECORD_REPETITIONS = 100
#: The first origin of a full record (it needs 36 months of history before it).
RECORD_START = "2016-01"
_Z80 = float(stats.norm.ppf(0.9))  # year totals are reported as 10th/50th/90th percentiles
#: No forecast month may exceed this multiple of the largest month of the last :data:`LOOKBACK`
#: months: purchases are bound by harvests, ports and fleets, and no month of 2016-2021 went
#: past 1.82 times (energy, 2017-02, as US LNG shipments to China began; the surge of late 2020
#: reached 1.51 times, agriculture 2020-11 against the 36 months to 2020-07).
PLAUSIBLE_MONTH = 2.0
#: Nor may the months left in a year average more than this multiple of that month. The most
#: the data did: 1.51 (energy, February-December 2017) and 1.48 (agriculture, October-December 2020).
PLAUSIBLE_REMAINDER = 1.5
LOOKBACK = 36


@dataclass(frozen=True)
class Backtest:
    """Forecasts made at every origin, and year-total projections, for one series.

    ``forecasts``: ``model, origin, horizon, month, actual, mean, lower, upper, model_lower,
    model_upper, calibration, scale, largest_usd, chosen`` (USD). ``lower``/``upper`` are the
    model's interval stretched by the real-time calibration factor (``calibration``, see
    :class:`_Calibration`) and capped at :data:`PLAUSIBLE_MONTH` × ``largest_usd``, the largest month of
    the :data:`LOOKBACK` before the origin; ``model_*`` are the model's own. ``scale`` is the
    in-sample mean absolute seasonal difference at the origin, the MASE denominator; ``chosen``
    names the models an ``auto`` row combines (:func:`with_auto`).

    ``projections``: ``model, as_of, year, through, observed_ytd_usd, p10_usd, median_usd,
    p90_usd, observed_total_usd, calibration, largest_usd, crps_usd, target_usd,
    prob_reach_target, chosen``; ``crps_usd`` is the continuous ranked probability score of the
    simulated totals once the outcome is known. ``record`` has the same columns (but the
    target's) for the year-total projections made at every origin before December, from
    :data:`RECORD_REPETITIONS` paths where no projection was asked for; ``calibration`` is the
    factor applied (:func:`_calibrate_year`). ``paths`` holds the simulated totals behind every
    row of ``record``, keyed by (model, as_of), and ``raw_paths`` the models' own (uncalibrated).
    Projections are forecasts, not data.
    """

    name: str
    forecasts: pd.DataFrame
    projections: pd.DataFrame
    alpha: float
    refit_every: int
    paths: dict = field(default_factory=dict, repr=False, compare=False)
    record: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    raw_paths: dict = field(default_factory=dict, repr=False, compare=False)

    def errors(self) -> pd.DataFrame:
        """Forecast rows with an observed outcome, with their errors."""
        out = self.forecasts.dropna(subset=["actual"]).copy()
        out["error_usd"] = out["actual"] - out["mean"]
        out["scaled_error"] = out["error_usd"].abs() / out["scale"]
        out["covered"] = (out["actual"] >= out["lower"]) & (out["actual"] <= out["upper"])
        return out

    def score(self, *, horizons=range(1, 13), origins: tuple[str | None, str | None] | None = None,
              by: str = "model") -> pd.DataFrame:
        """MAE, RMSE, MASE, interval coverage (%), interval score and MAE relative to the seasonal
        naive, per model (``by="model"``) or per model and horizon (``by="horizon"``).

        Only (origin, horizon) pairs that every model forecast are scored, so the models are
        judged on the same outcomes. ``origins`` is (first, last), either of them None for open.
        ``interval_score_usd`` is the mean interval score of Gneiting and Raftery (2007) of the
        (1 − alpha) intervals: their width plus 2/alpha times any miss; lower is better, and it
        rewards intervals that are narrow as well as calibrated.
        """
        if by not in ("model", "horizon"):
            raise ParameterError(f"by must be 'model' or 'horizon'; got {by!r}")
        err = self.errors()
        err = _between(err[err["horizon"].isin(list(horizons))], "origin", origins)
        models = err["model"].unique()
        keys = err.groupby(["origin", "horizon"])["model"].nunique()
        common = keys[keys == len(models)].index
        err = err.set_index(["origin", "horizon"]).loc[common].reset_index()
        if err.empty:
            raise ParameterError("no forecasts to score for those horizons and origins")
        err["interval_score"] = interval_score(err["actual"], err["lower"], err["upper"], self.alpha)
        keys = ["model"] if by == "model" else ["model", "horizon"]
        grouped = err.groupby(keys)
        table = pd.DataFrame(
            {
                "mae_usd": grouped["error_usd"].apply(lambda e: e.abs().mean()),
                "rmse_usd": grouped["error_usd"].apply(lambda e: np.sqrt((e**2).mean())),
                "mase": grouped["scaled_error"].mean(),
                "coverage_pct": 100 * grouped["covered"].mean(),
                "interval_score_usd": grouped["interval_score"].mean(),
                "n": grouped.size(),
            }
        )
        if "snaive" in table.index.get_level_values("model"):
            naive = table.xs("snaive", level="model")["mae_usd"] if by == "horizon" else table.loc["snaive", "mae_usd"]
            table["relative_mae"] = table["mae_usd"] / (naive.reindex(table.index, level="horizon")
                                                        if by == "horizon" else naive)
        return table.sort_values("mase") if by == "model" else table.sort_index()

    def year_score(self, *, origins: tuple[str | None, str | None] | None = None) -> pd.DataFrame:
        """How the year-total projections of ``record`` fared, per model.

        Over the origins (``as_of``, between ``origins`` as in :meth:`score`) whose year total was
        later observed and that had months left to forecast: ``mean_abs_error_pct`` of the
        median, ``coverage_pct`` of the 10th-90th percentile interval (80 % promised), the mean
        ``crps_usd`` of the simulated totals and ``relative_crps`` (against the seasonal naive's
        on the same origins), the mean ``calibration`` factor, ``n``.
        """
        r = self.record
        if r.empty:
            raise ParameterError("no year-total projections to score")
        r = _between(r[r["observed_total_usd"].notna() & (r["through"] > r["as_of"])], "as_of", origins)
        if r.empty:
            raise ParameterError("no judged year-total projections at those origins")
        error = 100 * (r["median_usd"] / r["observed_total_usd"] - 1).abs()
        inside = (r["p10_usd"] <= r["observed_total_usd"]) & (r["observed_total_usd"] <= r["p90_usd"])
        grouped = r.assign(error=error, inside=100 * inside).groupby("model")
        table = pd.DataFrame({"mean_abs_error_pct": grouped["error"].mean(), "coverage_pct": grouped["inside"].mean(),
                              "crps_usd": grouped["crps_usd"].mean(), "calibration": grouped["calibration"].mean(),
                              "n": grouped.size()})
        if "snaive" in table.index:
            naive = r[r["model"] == "snaive"].set_index("as_of")["crps_usd"]
            table["relative_crps"] = [
                group["crps_usd"].mean() / naive.reindex(group["as_of"]).mean() for _, group in r.groupby("model")
            ]
        return table.sort_values("mean_abs_error_pct")

    def target_score(self, *, origins: tuple[str | None, str | None] | None = None) -> pd.DataFrame:
        """The Brier score of ``prob_reach_target`` per model, over the projections whose outcome
        (the observed total through ``through`` reaching the annual target) is known: ``brier``,
        the mean probability, the share of outcomes that reached the target, ``n``. (No ratio to
        the seasonal naive's: when no outcome reached the target, both are near zero.)"""
        p = self.projections
        if p.empty or "target_usd" not in p:
            raise ParameterError("no projections against a target to score")
        p = _between(p[p["observed_total_usd"].notna() & p["target_usd"].notna()], "as_of", origins)
        if p.empty:
            raise ParameterError("no judged projections against a target at those origins")
        reached = (p["observed_total_usd"] >= p["target_usd"]).astype(float)
        grouped = p.assign(reached=reached, sq=(p["prob_reach_target"] - reached) ** 2).groupby("model")
        table = pd.DataFrame({"brier": grouped["sq"].mean(), "mean_prob": grouped["prob_reach_target"].mean(),
                              "reached_share": grouped["reached"].mean(), "n": grouped.size()})
        return table.sort_values("brier")

    def plausibility(self) -> pd.DataFrame:
        """How far the bands reach, per model and horizon, over every origin: ``upper_ratio``, the
        largest 80 % upper bound over the largest month of the :data:`LOOKBACK` before the
        origin; for year totals (``horizon`` = months left), ``remainder_ratio``, the largest
        (90th percentile − observed to date) over (that month × months left), and
        ``zero_remainder``, how many 10th percentiles imply no purchase in the months left."""
        f = self.forecasts[self.forecasts["model"] != AUTO]
        monthly = (f["upper"] / f["largest_usd"]).groupby([f["model"], f["horizon"]]).max().rename("upper_ratio")
        r = self.record[(self.record["model"] != AUTO) & (self.record["through"] > self.record["as_of"])]
        if r.empty:
            return monthly.to_frame()
        left = (r["through"] - r["as_of"]).apply(lambda d: d.n)
        ratio = (r["p90_usd"] - r["observed_ytd_usd"]) / (r["largest_usd"] * left)
        zero = r["p10_usd"] <= r["observed_ytd_usd"]
        year = pd.DataFrame({"remainder_ratio": ratio.groupby([r["model"], left]).max(),
                             "zero_remainder": zero.groupby([r["model"], left]).sum()})
        year.index.names = ["model", "horizon"]
        return monthly.to_frame().join(year, how="outer")

    def chosen(self) -> pd.Series:
        """The models ``auto`` combined at each origin (joined by ``+``)."""
        auto = self.forecasts[self.forecasts["model"] == AUTO]
        return auto.groupby("origin")["chosen"].first()


def _between(frame: pd.DataFrame, column: str, origins) -> pd.DataFrame:
    """Rows whose ``column`` lies in ``origins`` = (first, last); None (or a None end) is open."""
    first, last = origins if origins is not None else (None, None)
    keep = pd.Series(True, index=frame.index)
    if first is not None:
        keep &= frame[column] >= pd.Period(first, "M")
    if last is not None:
        keep &= frame[column] <= pd.Period(last, "M")
    return frame[keep]


def interval_score(actual, lower, upper, alpha: float):
    """The interval score of (1 − alpha) intervals (Gneiting and Raftery 2007, eq. 43), elementwise:
    ``(upper − lower) + 2/alpha × (lower − actual)`` if below, ``+ 2/alpha × (actual − upper)`` if above."""
    actual, lower, upper = (np.asarray(v, dtype=float) for v in (actual, lower, upper))
    return (upper - lower) + (2 / alpha) * (np.maximum(lower - actual, 0) + np.maximum(actual - upper, 0))


def _seasonal_scale(history: pd.Series) -> float:
    values = history.to_numpy()
    return float(np.mean(np.abs(values[12:] - values[:-12])))


def _largest(history: pd.Series) -> float:
    """The largest month of the last :data:`LOOKBACK` of ``history``: the base of the caps."""
    return float(history.iloc[-LOOKBACK:].max())


def _stretch(median: np.ndarray, bound: np.ndarray, factor) -> np.ndarray:
    """An interval bound moved ``factor`` times as far from ``median`` on logs."""
    return median * (bound / median) ** factor


class _Calibration:
    """Conformal calibration of one model's intervals, learned in real time.

    Each forecast's error is standardised by the model's own predictive spread on the log
    scale (``log(actual / mean) / s``, ``s`` read off its interval). At an origin, the factor
    for horizon h is the one that would have made the intervals hold the share they promise
    (80 %) of the standardised errors judged by then (forecast month at or before the origin):
    their 80th percentile in absolute value over ``z``. It is used once six errors are known
    (before that, 1) and stretches or narrows intervals and simulated paths around the point
    forecast. Where a horizon has too few errors, the factor of the nearest shorter horizon is
    used. (The first version used the root mean square of the errors, at least 1: the shocks of
    2018 and 2020 dominate a mean of squares, and its 80 % intervals held 87-89 % of outcomes.)
    """

    MIN_ERRORS = 6

    def __init__(self, horizon: int, z: float):
        self.horizon, self.z = horizon, z
        self.level = float(2 * stats.norm.cdf(z) - 1)
        self.month: list[int] = []
        self.h: list[int] = []
        self.std: list[float] = []

    def factors(self, origin: pd.Period) -> np.ndarray:
        out = np.ones(self.horizon)
        if self.month:
            month, h, std = np.array(self.month), np.array(self.h), np.array(self.std)
            judged = month <= origin.ordinal
            for j in range(1, self.horizon + 1):
                pick = judged & (h == j)
                if pick.sum() >= self.MIN_ERRORS:
                    out[j - 1] = float(np.quantile(std[pick], self.level)) / self.z
                elif j > 1:
                    out[j - 1] = out[j - 2]
        return out

    def add(self, months: pd.PeriodIndex, fc: pd.DataFrame, actual: np.ndarray) -> None:
        """Record the errors of one origin's forecasts of ``months`` (horizons 1, 2, ...)."""
        spread = np.log(fc["upper"].to_numpy() / fc["lower"].to_numpy()) / (2 * self.z)
        std = np.log(actual / fc["mean"].to_numpy()) / np.where(spread > 0, spread, np.nan)
        for j, (m, e) in enumerate(zip(months, std, strict=True), start=1):
            self.record(m, j, e)

    def record(self, judged: pd.Period, h: int, std: float) -> None:
        """Record one standardised error, known from month ``judged`` on (NaN is ignored)."""
        if np.isfinite(std):
            self.month.append(judged.ordinal)
            self.h.append(h)
            self.std.append(abs(float(std)))


@threadpool_limits.wrap(limits=1)  # thousands of small fits: BLAS threads only contend (3x slower on 2 cores)
def run_backtest(
    series: pd.Series,
    *,
    name: str | None = None,
    models=MODELS,
    start: str = "2016-01",
    end: str | None = None,
    horizon: int = 12,
    alpha: float = 0.2,
    refit_every: int = 12,
    k: int = 3,
    projection_years=(2020, 2021),
    projection_origins=None,
    through_december: bool = False,
    targets: dict[int, float] | None = None,
    repetitions: int = 1000,
    seed: int = 0,
    events: str = "realtime",
) -> Backtest:
    """Rolling-origin backtest of ``models`` (and ``auto``) on one monthly series.

    Parameters
    ----------
    series
        Monthly USD series with a PeriodIndex.
    start, end
        First and last origin (default end: the month before the last observation).
    horizon
        Forecast horizons 1..``horizon`` at every origin.
    alpha
        Prediction intervals are (1 − alpha); 0.2 gives 80 % intervals.
    refit_every
        Months between re-estimations of the state space models.
    projection_years, projection_origins
        At origins in these years (or at exactly these origins), also project the year's total
        by simulating ``repetitions`` paths (``seed``): through December when
        ``through_december``, else through the last month of the data if that comes earlier
        (so that the projection can be judged); at the data's last month, through December.
        When any projection is asked for, the year total is projected at every other origin
        before December too, from
        :data:`RECORD_REPETITIONS` paths, for ``record`` only: the errors of these projections
        calibrate later ones (:func:`_calibrate_year`), so an earlier ``start`` gives a longer
        record (:func:`record_start`).
    targets
        Annual targets by year, for ``prob_reach_target``.
    events
        The models' intervention rule (:func:`tradedeal.models.forecast.events`): ``"realtime"``,
        or ``"ex_post"`` for an analysis that knows when the 2020 shock ended.
    """
    if horizon < 1:
        raise ParameterError(f"horizon must be at least 1; got {horizon}")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ParameterError(f"model must be one of {', '.join(MODELS)}; got {unknown[0]!r}")
    name = name or str(series.name)
    s = series.dropna().astype("float64")
    last = s.index.max()
    first_origin = pd.Period(start, "M")
    last_origin = pd.Period(end, "M") if end else last - 1
    if first_origin > last_origin or last_origin > last:
        raise ParameterError(f"origins {first_origin} to {last_origin} are outside the data (to {last})")
    wanted = None if projection_origins is None else {pd.Period(o, "M") for o in projection_origins}
    series_seed = seed + zlib.crc32(name.encode())  # categories get independent draws
    keep_record = wanted is not None or bool(projection_years)  # no projections asked for: no record
    fitted: dict[str, tuple[Fitted, pd.Period]] = {}
    calibration = {m: _Calibration(horizon, stats.norm.ppf(1 - alpha / 2)) for m in models}
    year_calibration = {m: _Calibration(1, _Z80) for m in models}
    rows, projections, paths, record, raw_paths = [], [], {}, [], {}
    for origin in pd.period_range(first_origin, last_origin, freq="M"):
        history = s.loc[:origin]
        scale = _seasonal_scale(history)
        largest = _largest(history)
        cap = PLAUSIBLE_MONTH * largest
        months = pd.period_range(origin + 1, periods=horizon, freq="M")
        actual = s.reindex(months).to_numpy()
        project = origin in wanted if wanted is not None else origin.year in projection_years
        for model in models:
            current = _advance(fitted.get(model), s, model, origin, refit_every, k, events)
            if current is None:
                continue
            fitted[model] = current
            fc = current[0].forecast(horizon, alpha=alpha)
            widen = calibration[model].factors(origin)  # from errors judged by this origin only
            mean = fc["mean"].to_numpy()
            rows.append({  # one frame of all rows at the end: a frame per origin costs a tenth of the backtest
                "model": [model] * horizon, "origin": [origin] * horizon, "horizon": np.arange(1, horizon + 1),
                "month": list(months), "actual": actual, "mean": np.minimum(mean, cap),
                "lower": np.minimum(_stretch(mean, fc["lower"].to_numpy(), widen), cap),
                "upper": np.minimum(_stretch(mean, fc["upper"].to_numpy(), widen), cap),
                "model_lower": fc["lower"].to_numpy(), "model_upper": fc["upper"].to_numpy(),
                "calibration": widen, "scale": np.full(horizon, scale), "largest_usd": np.full(horizon, largest),
            })
            calibration[model].add(months, fc, actual)
            if project or (keep_record and origin.month < 12):
                reps = repetitions if project else RECORD_REPETITIONS
                info, raw = _project(current[0], s, origin, reps, series_seed, through_december, cap)
                row, totals = _calibrate_year(info, raw, year_calibration[model], largest)
                record.append({"model": model, **row})
                raw_paths[(model, origin)] = raw
                paths[(model, origin)] = totals
                if project:
                    projections.append({"model": model, **row})
    forecasts = pd.DataFrame({column: np.concatenate([r[column] for r in rows]) for column in rows[0]})
    forecasts["origin"] = pd.PeriodIndex(forecasts["origin"], freq="M")
    forecasts["month"] = pd.PeriodIndex(forecasts["month"], freq="M")
    projections = _with_targets(pd.DataFrame(projections), paths, targets)
    bt = Backtest(name, forecasts, projections, alpha, refit_every, paths, pd.DataFrame(record), raw_paths)
    return with_auto(bt)


def record_start(series: pd.Series, as_of: pd.Period) -> pd.Period:
    """The first origin of a backtest that makes a projection at ``as_of`` with a full record:
    :data:`RECORD_START`, or 36 months into a shorter series, but not after ``as_of``."""
    first = series.dropna().index.min() + 36
    return min(max(pd.Period(RECORD_START, "M"), first), as_of)


def _advance(previous, s, model, origin, refit_every, k, events):
    """The model fitted at ``origin``: refit when due, else extend the previous fit."""
    try:
        if previous is None or (origin - previous[1]).n >= refit_every:
            start = previous[0] if previous is not None else None
            return fit(s, model, as_of=origin, k=k, events=events, start=start), origin
        return previous[0].extend(s, origin), previous[1]
    except ParameterError:
        return None  # too little data for this model at this origin


def _project(fitted: Fitted, s: pd.Series, origin: pd.Period, repetitions: int, seed: int, through_december: bool,
             cap: float):
    """The year total: observed months plus the model's own simulated remainder (uncalibrated),
    each simulated month capped at ``cap``.

    Returns the projection's facts (``as_of, year, through, observed_ytd_usd,
    observed_total_usd``, NaN while the year is not complete through ``through``) and the
    simulated totals.
    """
    december = pd.Period(f"{origin.year}-12", "M")
    through = december if through_december else min(december, s.index.max())
    if through <= origin:  # the data end: nothing left to judge, so project the whole year
        through = december
    facts = _facts(s, origin, through)
    ytd, h = facts["observed_ytd_usd"], (facts["through"] - origin).n
    if h < 1:
        return facts, np.full(repetitions, ytd)
    paths = fitted.simulate(h, repetitions=repetitions, seed=seed).to_numpy()
    return facts, ytd + np.minimum(paths, cap).sum(axis=0)


def _facts(s: pd.Series, origin: pd.Period, through: pd.Period) -> dict:
    january = pd.Period(f"{origin.year}-01", "M")
    observed = s.loc[january:through]
    complete = len(observed) == (through - january).n + 1
    return {"as_of": origin, "year": origin.year, "through": through,
            "observed_ytd_usd": float(s.loc[january:origin].sum()),
            "observed_total_usd": float(observed.sum()) if complete else np.nan}


def _calibrate_year(info: dict, raw: np.ndarray, calibration: _Calibration, largest: float) -> tuple[dict, np.ndarray]:
    """Calibrate one year-total projection by what its model's earlier projections taught.

    The simulated remainder ``R`` (total minus the months observed) is stretched on logs around
    its median, ``log R' = log m + f (log R − log m)``, so the median is kept and the remainder
    never reaches zero; then capped at :data:`PLAUSIBLE_REMAINDER` × ``largest`` per month left. The factor
    ``f`` is the conformal factor of :class:`_Calibration` over earlier projections'
    standardised errors, ``(log R_observed − log m) / s`` with ``s`` read off their 10th and
    90th percentiles, counting only projections whose year had been observed through its last
    month by this origin; 1 until six are known. This projection's
    error, once its outcome is known, is added for later origins. (An earlier version stretched
    in USD and clipped at zero: its 10th percentiles bought nothing in the months left, and one
    factor for any number of months left sent the 90th percentile of a one-month remainder to
    six times the record month.)
    """
    ytd, origin, through, observed = info["observed_ytd_usd"], info["as_of"], info["through"], info["observed_total_usd"]
    factor, totals = 1.0, raw
    if through > origin:
        logs = np.log(np.maximum(raw - ytd, np.finfo(float).tiny))
        q10, median, q90 = np.quantile(logs, [0.1, 0.5, 0.9])
        spread = (q90 - q10) / (2 * _Z80)
        if spread > 0 and observed > ytd:  # the outcome is NaN until known: nothing recorded
            calibration.record(through, 1, (np.log(observed - ytd) - median) / spread)
        factor = float(calibration.factors(origin)[0])
        rest = np.minimum(np.exp(median + factor * (logs - median)), PLAUSIBLE_REMAINDER * largest * (through - origin).n)
        totals = ytd + rest
    row = {**info, "p10_usd": np.quantile(totals, 0.1), "median_usd": np.median(totals),
           "p90_usd": np.quantile(totals, 0.9), "calibration": factor, "largest_usd": largest,
           "crps_usd": float(crps_ensemble(observed, totals)) if np.isfinite(observed) else np.nan}
    return row, totals


def _with_targets(projections: pd.DataFrame, paths: dict, targets) -> pd.DataFrame:
    if projections.empty:
        return projections
    projections["target_usd"] = [targets[y] if targets and y in targets else np.nan for y in projections["year"]]
    projections["prob_reach_target"] = [
        float(np.mean(paths[(m, o)] >= targets[y])) if targets and y in targets else np.nan
        for m, o, y in zip(projections["model"], projections["as_of"], projections["year"])
    ]
    return projections


def with_auto(bt: Backtest) -> Backtest:
    """``bt`` with its ``auto`` rows (made anew): at each origin, the equal-weight combination of
    the models that forecast then.

    Monthly: the quantiles of the mixture of the models' (calibrated) forecast distributions,
    each read as a two-piece log-normal through its median and interval bounds
    (:func:`_mixture_quantiles`); the mixture's interval is then stretched or narrowed by the
    factor the combination's own errors judged by the origin call for (:class:`_Calibration`:
    a mixture of calibrated models is wider than the promise). Year totals: the simulated
    totals of every model pooled, in equal numbers. No model is picked by its record: which
    model did best changed with every regime (the 2018 tariffs, the 2020 shock, the deal's
    purchases), and the combination did at least as well as the best single model on 2017-2021
    (``benchmarks/forecast.py``).
    """
    forecasts = bt.forecasts[bt.forecasts["model"] != AUTO]
    forecasts = forecasts.assign(chosen=forecasts["model"])
    keys = ["origin", "horizon"]
    wide = forecasts.pivot_table(index=keys, columns="model", values=["mean", "lower", "upper"], aggfunc="first",
                                 dropna=False)
    z = float(stats.norm.ppf(1 - bt.alpha / 2))
    lower, median, upper = _mixture_quantiles(wide["mean"].to_numpy(), wide["lower"].to_numpy(),
                                              wide["upper"].to_numpy(), z, (bt.alpha / 2, 0.5, 1 - bt.alpha / 2))
    present = wide["mean"].notna()
    names = pd.Series(["+".join(present.columns[row]) for row in present.to_numpy()], index=wide.index)
    first = forecasts.groupby(keys, sort=True)[["month", "actual", "scale", "largest_usd"]].first()
    auto = first.assign(model=AUTO, mean=median, lower=lower, upper=upper, model_lower=lower, model_upper=upper,
                        calibration=np.nan, chosen=names.reindex(first.index)).reset_index()
    auto = _calibrate_combination(auto, z)
    forecasts = pd.concat([forecasts, auto[forecasts.columns]], ignore_index=True)
    paths = {key: v for key, v in bt.paths.items() if key[0] != AUTO}
    record, pooled = _pool_rows(bt.record, paths)
    paths.update(pooled)
    projections = bt.projections
    if not projections.empty:
        wanted = projections[projections["model"] != AUTO]
        auto_rows = record[(record["model"] == AUTO) & record["as_of"].isin(wanted["as_of"])]
        targets = {y: t for y, t in zip(wanted["year"], wanted["target_usd"], strict=True) if np.isfinite(t)}
        projections = pd.concat([wanted.assign(chosen=wanted["model"]), _with_targets(auto_rows, paths, targets)],
                                ignore_index=True)
    return replace(bt, forecasts=forecasts, projections=projections, record=record, paths=paths)


def _calibrate_combination(auto: pd.DataFrame, z: float) -> pd.DataFrame:
    """The combination's intervals (``model_lower``, ``model_upper``) stretched in real time by
    the conformal factor of its own earlier errors (see :func:`with_auto`), then capped."""
    calibration = _Calibration(int(auto["horizon"].max()), z)
    lower, upper, factor = (np.empty(len(auto)) for _ in range(3))
    for origin, rows in auto.groupby("origin", sort=True).indices.items():
        part = auto.iloc[rows]
        f = calibration.factors(origin)[part["horizon"].to_numpy() - 1]
        median = part["mean"].to_numpy()
        lower[rows] = _stretch(median, part["model_lower"].to_numpy(), f)
        upper[rows] = np.minimum(_stretch(median, part["model_upper"].to_numpy(), f),
                                 PLAUSIBLE_MONTH * part["largest_usd"].to_numpy())
        factor[rows] = f
        own = pd.DataFrame({"mean": median, "lower": part["model_lower"].to_numpy(),
                            "upper": part["model_upper"].to_numpy()})
        calibration.add(pd.PeriodIndex(part["month"], freq="M"), own, part["actual"].to_numpy())
    return auto.assign(lower=lower, upper=upper, calibration=factor)


def _pool_rows(record: pd.DataFrame, paths: dict) -> tuple[pd.DataFrame, dict]:
    """``record`` with a ``chosen`` column plus an ``auto`` row per ``as_of``: the totals of every
    model pooled."""
    if record.empty:
        return record, {}
    record = record[record["model"] != AUTO].assign(chosen=lambda r: r["model"])
    rows, pooled = [], {}
    for origin, group in record.groupby("as_of", sort=True):
        models = sorted(group["model"])
        totals = np.concatenate([paths[(m, origin)] for m in models])
        row = group.iloc[0]
        observed = row["observed_total_usd"]
        rows.append({**{c: row[c] for c in ("as_of", "year", "through", "observed_ytd_usd", "observed_total_usd",
                                            "largest_usd")},
                     "model": AUTO, "chosen": "+".join(models), "p10_usd": np.quantile(totals, 0.1),
                     "median_usd": np.median(totals), "p90_usd": np.quantile(totals, 0.9),
                     "calibration": float(group["calibration"].mean()),
                     "crps_usd": float(crps_ensemble(observed, totals)) if np.isfinite(observed) else np.nan})
        pooled[(AUTO, origin)] = totals
    return pd.concat([record, pd.DataFrame(rows)], ignore_index=True), pooled


def _mixture_quantiles(median, lower, upper, z: float, qs) -> list[np.ndarray]:
    """Quantiles ``qs`` of equal-weight mixtures, one per row of the (rows, models) arrays.

    Each model's forecast is read as a two-piece normal on logs: median ``log median``, spread
    ``log(median / lower) / z`` below it and ``log(upper / median) / z`` above it, so that its
    own bounds are its quantiles. Missing models (NaN) are left out of their row's mixture.
    """
    mu = np.log(median)
    below = np.maximum(np.log(median / lower) / z, 1e-9)
    above = np.maximum(np.log(upper / median) / z, 1e-9)
    present = np.isfinite(mu)
    mu, below, above = (np.where(present, a, fill) for a, fill in ((mu, 0.0), (below, 1.0), (above, 1.0)))
    weight = present / np.maximum(present.sum(axis=1, keepdims=True), 1)
    lo = np.where(present, mu - 8 * below, np.inf).min(axis=1)
    hi = np.where(present, mu + 8 * above, -np.inf).max(axis=1)
    out = []
    for q in qs:
        a, b = lo.copy(), hi.copy()
        for _ in range(60):  # bisection on the log value: 2^-60 of the bracket
            x = (a + b) / 2
            d = x[:, None] - mu
            cdf = (weight * stats.norm.cdf(np.where(d < 0, d / below, d / above))).sum(axis=1)
            a, b = np.where(cdf < q, x, a), np.where(cdf < q, b, x)
        out.append(np.where(present.any(axis=1), np.exp((a + b) / 2), np.nan))
    return out


def combine(parts: list[Backtest], *, name: str, total: pd.Series, targets: dict[int, float] | None = None) -> Backtest:
    """The bottom-up backtest of a total from its parts' backtests.

    For each model and origin, the total's forecast is the sum of the parts' forecasts; its
    interval treats the parts as independent log-normals (Fenton–Wilkinson); its simulated year
    totals are the sums of the parts' own (uncalibrated) paths, calibrated on the total's own
    record of year-total errors, which also corrects for treating the parts as independent.
    ``auto`` then combines these bottom-up models (:func:`with_auto`). ``total`` is the observed
    total (for actuals, scale and caps).
    """
    if not parts:
        raise ParameterError("combine needs at least one part")
    alpha = parts[0].alpha
    z = stats.norm.ppf(1 - alpha / 2)
    frames = [p.forecasts[p.forecasts["model"] != AUTO].set_index(["model", "origin", "horizon"]) for p in parts]
    keys = frames[0].index
    for frame in frames[1:]:
        keys = keys.intersection(frame.index)
    median = sum(f.loc[keys, "mean"] for f in frames)
    mean = sum(_lognormal_mean(f.loc[keys], z) for f in frames)
    var = sum(_lognormal_var(f.loc[keys], z) for f in frames)
    sigma2 = np.log1p(var / mean**2)
    mu = np.log(mean) - sigma2 / 2
    out = pd.DataFrame({
        "month": frames[0].loc[keys, "month"], "mean": median,
        "lower": np.exp(mu - z * np.sqrt(sigma2)), "upper": np.exp(mu + z * np.sqrt(sigma2)),
    }).reset_index()
    s = total.dropna().astype("float64")
    out["actual"] = s.reindex(pd.PeriodIndex(out["month"], freq="M")).to_numpy()
    scales = {o: _seasonal_scale(s.loc[:o]) for o in out["origin"].unique()}
    out["scale"] = out["origin"].map(scales)
    out["largest_usd"] = out["origin"].map({o: _largest(s.loc[:o]) for o in scales})
    for column in ("mean", "lower", "upper"):  # the parts' caps bound their sum; the total has its own
        out[column] = np.minimum(out[column], PLAUSIBLE_MONTH * out["largest_usd"])
    record, rows, paths, raw_paths, year_calibration = [], [], {}, {}, {}
    simulated = set.intersection(*(set(p.raw_paths) for p in parts))
    wanted = set.intersection(*(set(zip(p.projections["model"], p.projections["as_of"], strict=True))
                                if not p.projections.empty else set() for p in parts))
    through = parts[0].record.set_index(["model", "as_of"])["through"] if simulated else None
    for model, origin in sorted(key for key in simulated if key[0] != AUTO):
        raw = sum(p.raw_paths[(model, origin)] for p in parts)
        calibration = year_calibration.setdefault(model, _Calibration(1, _Z80))
        row, totals = _calibrate_year(_facts(s, origin, through[(model, origin)]), raw, calibration,
                                      _largest(s.loc[:origin]))
        record.append({"model": model, **row})
        raw_paths[(model, origin)] = raw
        paths[(model, origin)] = totals
        if (model, origin) in wanted:
            rows.append({"model": model, **row})
    projections = _with_targets(pd.DataFrame(rows), paths, targets)
    bt = Backtest(name, out, projections, alpha, parts[0].refit_every, paths, pd.DataFrame(record), raw_paths)
    return with_auto(bt)


def _lognormal_sigma(frame: pd.DataFrame, z: float) -> pd.Series:
    return np.log(frame["upper"] / frame["lower"]) / (2 * z)


def _lognormal_mean(frame: pd.DataFrame, z: float) -> pd.Series:
    return frame["mean"] * np.exp(_lognormal_sigma(frame, z) ** 2 / 2)


def _lognormal_var(frame: pd.DataFrame, z: float) -> pd.Series:
    s2 = _lognormal_sigma(frame, z) ** 2
    return (np.exp(s2) - 1) * frame["mean"] ** 2 * np.exp(s2)


def backtest_categories(
    monthly: pd.DataFrame, *, categories=("agriculture", "manufactures", "energy"), jobs: int = 1,
    targets: dict[int, pd.Series] | None = None, executor: Executor | None = None, **options
) -> dict[str, Backtest]:
    """Backtests of each category of a monthly category frame, plus ``covered_total`` bottom-up.

    The category backtests run on ``executor`` when one is given (:mod:`tradedeal.executors`),
    else in ``jobs`` local processes.

    ``targets`` maps a year to the annual targets by category (as from
    :func:`tradedeal.agreement.targets.annual_targets`).
    """
    def target_of(name):
        return {y: float(t[name]) for y, t in targets.items()} if targets else None

    series = [monthly[c].dropna().rename(c) for c in categories]
    results = {}
    if executor is not None:  # a caller's executor: local processes or a dask.distributed client's
        futures = {s.name: executor.submit(run_backtest, s, targets=target_of(s.name), **options) for s in series}
        results = {n: f.result() for n, f in futures.items()}
    elif jobs == 1:
        for s in series:
            results[s.name] = run_backtest(s, targets=target_of(s.name), **options)
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {s.name: pool.submit(run_backtest, s, targets=target_of(s.name), **options) for s in series}
            results = {n: f.result() for n, f in futures.items()}
    total = monthly["covered_total"].dropna()
    results["covered_total"] = combine(list(results.values()), name="covered_total", total=total,
                                       targets=target_of("covered_total"))
    return results


def score_table(results: dict[str, Backtest], *, horizons=range(1, 13), origins: tuple[str, str] | None = None) -> pd.DataFrame:
    """Scores of several backtests as one tidy frame: ``series, model, mae_usd, rmse_usd, mase,
    coverage_pct, n, relative_mae``."""
    frames = [bt.score(horizons=horizons, origins=origins).reset_index().assign(series=name)
              for name, bt in results.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["series", *[c for c in out.columns if c != "series"]]]
