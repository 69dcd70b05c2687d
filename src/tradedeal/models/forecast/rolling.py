"""The rolling-origin run: every model refitted or extended at every origin, on the data to it.

At every origin each model sees only the data up to that month. State space models are
re-estimated once a year (or when a new intervention becomes estimable) and otherwise ``apply``
their parameters to the longer history, as a forecaster would run them. Monthly intervals and
year-total projections are calibrated in real time (:mod:`tradedeal.models.forecast.calibration`); the
models simulate on logs, so every path is positive and its spread multiplicative, and nothing is
capped. ``auto`` and bottom-up totals come from :mod:`tradedeal.models.forecast.combination`.
"""

from __future__ import annotations

import zlib
from concurrent.futures import Executor
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats
from threadpoolctl import threadpool_limits

from tradedeal.errors import ParameterError
from tradedeal.models.forecast import MODELS
from tradedeal.models.forecast.bounded import SCALES, judged_on_scale, off_scale, on_scale, record_bound
from tradedeal.models.forecast.calibration import (
    Z80,
    Calibration,
    calibrate_year,
    largest_month,
    log_spread,
    stretch,
    year_facts,
)
from tradedeal.models.forecast.combination import combine, with_auto, with_targets
from tradedeal.models.forecast.fitted import Fitted
from tradedeal.models.forecast.monthly import fit
from tradedeal.models.forecast.scores import Backtest, seasonal_scale
from tradedeal.models.forecast.variance import HALF_LIFE


#: Year-total projections are simulated at every origin, with this many paths where none is
#: reported, so that their errors can calibrate later projections.
RECORD_REPETITIONS = 100
#: How the year projection's simulated months are calibrated (``run_backtest``'s ``year_stretch``).
YEAR_STRETCHES = ("remainder", "horizon")
#: The first origin of a full record (it needs 36 months of history before it).
RECORD_START = "2016-01"


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
    half_life: float | str | None = HALF_LIFE,
    persistent: bool = False,
    ets_trend: str = "damped",
    year_stretch: str = "remainder",
    scale: str = "log",
    auto: bool = True,
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
        by simulating ``repetitions`` paths (``seed``) to December. The row's quantiles are those
        of the total through December when ``through_december``, else through the last month of
        the data if that comes earlier (so that the projection can be judged); at the data's
        last month, through December. ``prob_reach_target`` is always the calendar year's.
        When any projection is asked for, the year total is projected at every other origin
        before December too, from :data:`RECORD_REPETITIONS` paths, for ``record`` only: the
        errors of these projections calibrate later ones
        (:func:`~tradedeal.models.forecast.calibration.calibrate_year`), so an earlier ``start`` gives a
        longer record (:func:`record_start`).
    targets
        Annual targets by year, for ``prob_reach_target``.
    events
        The models' intervention rule (:func:`tradedeal.models.shared.events.events`): ``"realtime"``,
        or ``"ex_post"`` for an analysis that knows when the 2020 shock ended.
    half_life, persistent
        The variance's weights (:mod:`~tradedeal.models.forecast.variance`: a half-life in months,
        ``"regime"``, or None for equal weights) and whether the year calibration stretches the
        path-level part of the months only
        (:func:`~tradedeal.models.forecast.calibration.stretch_persistent`); candidates, off by
        default (docs/forecasts.md, "Variance that follows the regimes").
    ets_trend, year_stretch
        Third-round candidates, off by default (docs/forecasts.md, "Third round"): ``ets``'s trend
        (``"damped"``, or ``"none"``), and how the year projection's simulated months are
        calibrated: ``"remainder"`` (the year calibration's stretch of their sum,
        :func:`~tradedeal.models.forecast.calibration.calibrate_year`) or ``"horizon"`` (each month
        stretched on logs by the monthly calibration's factor for its horizon,
        :func:`~tradedeal.models.forecast.calibration.stretch_months`).
    scale
        The fourth round's candidate, off by default (docs/forecasts.md, "Fourth round"):
        ``"log"``, or ``"bounded"``: at every origin the models, the monthly calibration and the
        year calibration (through the path-level part of the months) work on the odds of the
        record's bound (:mod:`~tradedeal.models.forecast.bounded`), so no month goes beyond it.
    """
    if horizon < 1:
        raise ParameterError(f"horizon must be at least 1; got {horizon}")
    if year_stretch not in YEAR_STRETCHES:
        raise ParameterError(f"year_stretch must be one of {', '.join(YEAR_STRETCHES)}; got {year_stretch!r}")
    if scale not in SCALES:
        raise ParameterError(f"scale must be one of {', '.join(SCALES)}; got {scale!r}")
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
    calibration = {m: Calibration(horizon, stats.norm.ppf(1 - alpha / 2), half_life) for m in models}
    year_calibration = {m: Calibration(1, Z80, half_life) for m in models}
    rows, projections, record = [], [], []
    paths, judged, raw_paths, raw_judged, raw_months, month_factors, bounds = {}, {}, {}, {}, {}, {}, {}
    for origin in pd.period_range(first_origin, last_origin, freq="M"):
        history = s.loc[:origin]
        scale_usd = seasonal_scale(history)
        largest = largest_month(history)
        record_high = float(history.max())
        bound = bounds[origin] = record_bound(history) if scale == "bounded" else None
        months = pd.period_range(origin + 1, periods=horizon, freq="M")
        actual = s.reindex(months).to_numpy()
        project = origin in wanted if wanted is not None else origin.year in projection_years
        for model in models:
            current = _advance(fitted.get(model), s, model, origin, refit_every, k, events, half_life, ets_trend,
                               bound)
            if current is None:
                continue
            fitted[model] = current
            fc = current[0].forecast(horizon, alpha=alpha)
            # the calibration learns and stretches where the models work: on logs, or the odds' logs
            mean, low, high = (on_scale(fc[c].to_numpy(), bound) for c in ("mean", "lower", "upper"))
            own = log_spread(low, high, calibration[model].z)
            widen = calibration[model].factors(origin, own)  # from errors judged by this origin only
            lower, upper = (off_scale(stretch(mean, b, widen), bound) for b in (low, high))
            rows.append({  # one frame of all rows at the end: a frame per origin costs a tenth of the backtest
                "model": [model] * horizon, "origin": [origin] * horizon, "horizon": np.arange(1, horizon + 1),
                "month": list(months), "actual": actual, "mean": fc["mean"].to_numpy(),
                "lower": lower, "upper": upper,
                "model_lower": fc["lower"].to_numpy(), "model_upper": fc["upper"].to_numpy(),
                "calibration": widen, "scale": np.full(horizon, scale_usd), "largest_usd": np.full(horizon, largest),
            })
            calibration[model].add_arrays(months.asi8, np.arange(1, horizon + 1),
                                          np.log(judged_on_scale(actual, bound) / mean), own)
            if project or (keep_record and origin.month < 12):
                reps = repetitions if project else RECORD_REPETITIONS
                info, raw, seen, months_paths = _project(current[0], s, origin, reps, series_seed, through_december)
                key = (model, origin)
                by_horizon = None
                if year_stretch == "horizon":
                    by_horizon = month_factors[key] = widen
                row, totals, seen_totals = calibrate_year(info, raw, year_calibration[model], largest, seen,
                                                          months=months_paths, record=record_high,
                                                          persistent=persistent, month_factors=by_horizon,
                                                          bound=bound)
                record.append({"model": model, **row})
                raw_paths[key], paths[key], raw_months[key] = raw, totals, months_paths
                if seen is not None:
                    raw_judged[key], judged[key] = seen, seen_totals
                if project:
                    projections.append({"model": model, **row})
    forecasts = pd.DataFrame({column: np.concatenate([r[column] for r in rows]) for column in rows[0]})
    forecasts["origin"] = pd.PeriodIndex(forecasts["origin"], freq="M")
    forecasts["month"] = pd.PeriodIndex(forecasts["month"], freq="M")
    projections = with_targets(pd.DataFrame(projections), paths, targets)
    bt = Backtest(name, forecasts, projections, alpha, refit_every, paths, pd.DataFrame(record), raw_paths,
                  judged, raw_judged, last, half_life, raw_months, persistent, month_factors, year_stretch,
                  bounds if scale == "bounded" else {})
    return with_auto(bt) if auto else bt


def record_start(series: pd.Series, as_of: pd.Period) -> pd.Period:
    """The first origin of a backtest that makes a projection at ``as_of`` with a full record:
    :data:`RECORD_START`, or 36 months into a shorter series, but not after ``as_of``."""
    first = series.dropna().index.min() + 36
    return min(max(pd.Period(RECORD_START, "M"), first), as_of)


def _advance(previous, s, model, origin, refit_every, k, events, half_life, ets_trend="damped", bound=None):
    """The model fitted at ``origin``: refit when due (or when the record's ``bound`` it works
    under has moved), else extend the previous fit."""
    try:
        if previous is None or (origin - previous[1]).n >= refit_every or previous[0].bound != bound:
            start = previous[0] if previous is not None else None
            return fit(s, model, as_of=origin, k=k, events=events, start=start, half_life=half_life,
                       ets_trend=ets_trend, bound=bound), origin
        return previous[0].extend(s, origin), previous[1]
    except ParameterError:
        return None  # too little data for this model at this origin


def _project(fitted: Fitted, s: pd.Series, origin: pd.Period, repetitions: int, seed: int, through_december: bool):
    """The year total: observed months plus the model's own simulated months to December
    (uncalibrated, positive: the models simulate on logs).

    Returns the projection's facts (``as_of, year, through, observed_ytd_usd,
    observed_total_usd``, NaN while the year is not complete through ``through``), the simulated
    calendar-year totals and, when ``through`` is before December, the same paths summed to
    ``through`` (else None).
    """
    december = pd.Period(f"{origin.year}-12", "M")
    through = december if through_december else min(december, s.index.max())
    if through <= origin:  # the data end: nothing left to judge, so project the whole year
        through = december
    facts = year_facts(s, origin, through)
    ytd, h = facts["observed_ytd_usd"], (december - origin).n
    if h < 1:
        return facts, np.full(repetitions, ytd), None, np.empty((0, repetitions))
    paths = fitted.simulate(h, repetitions=repetitions, seed=seed).to_numpy()
    seen = ytd + paths[: (through - origin).n].sum(axis=0) if through < december else None
    return facts, ytd + paths.sum(axis=0), seen, paths


def merge_models(parts: list[Backtest]) -> Backtest:
    """One series' backtest from backtests of its models run apart (``auto=False``), with
    ``auto``: the rows in the order one run makes them (by origin, models in their order)."""
    first = parts[0]
    order = {m: i for i, m in enumerate(MODELS)}

    def stack(frames, key):
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        rank = out["model"].map(order)
        return out.assign(_rank=rank).sort_values([key, "_rank"], kind="stable").drop(columns="_rank") \
            .reset_index(drop=True)

    def union(name):
        return {k: v for p in parts for k, v in getattr(p, name).items()}

    bt = replace(first, forecasts=stack([p.forecasts for p in parts], "origin"),
                 projections=stack([p.projections for p in parts], "as_of"),
                 record=stack([p.record for p in parts], "as_of"), paths=union("paths"),
                 raw_paths=union("raw_paths"), judged_paths=union("judged_paths"), raw_judged=union("raw_judged"),
                 raw_months=union("raw_months"), month_factors=union("month_factors"), bounds=union("bounds"))
    return with_auto(bt)


def backtest_categories(
    monthly: pd.DataFrame, *, categories=("agriculture", "manufactures", "energy"), jobs: int = 1,
    targets: dict[int, pd.Series] | None = None, executor: Executor | None = None, **options
) -> dict[str, Backtest]:
    """Backtests of each category of a monthly category frame, plus ``covered_total`` bottom-up.

    Each model of each category is a task (the models run apart and are merged, :func:`merge_models`):
    on ``executor`` when one is given (:mod:`tradedeal.executors`), else in ``jobs`` local
    processes. ``targets`` maps a year to the annual targets by category (as from
    :func:`tradedeal.agreement.targets.annual_targets`).
    """
    def target_of(name):
        return {y: float(t[name]) for y, t in targets.items()} if targets else None

    series = [monthly[c].dropna().rename(c) for c in categories]
    models = options.pop("models", MODELS)
    # the longest first (the state space models' fits), so that the workers finish together
    tasks = [(s, m) for m in sorted(models, key=lambda m: m in ("snaive", "ratio")) for s in series]
    if executor is None and jobs != 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            return backtest_categories(monthly, categories=categories, targets=targets, executor=pool,
                                       models=models, **options)
    if executor is not None:  # a caller's executor: local processes or a dask.distributed client's
        futures = [executor.submit(run_backtest, s, models=(m,), targets=target_of(s.name), auto=False, **options)
                   for s, m in tasks]
        done = [f.result() for f in futures]
    else:
        done = [run_backtest(s, models=(m,), targets=target_of(s.name), auto=False, **options) for s, m in tasks]
    results = {s.name: merge_models([bt for (t, _), bt in zip(tasks, done, strict=True) if t.name == s.name])
               for s in series}
    total = monthly["covered_total"].dropna()
    results["covered_total"] = combine(list(results.values()), name="covered_total", total=total,
                                       targets=target_of("covered_total"))
    return {name: replace(bt, raw_months={}) for name, bt in results.items()}  # monthly paths: measured, not kept
