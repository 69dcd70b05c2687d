"""Rolling-origin backtests, the ``auto`` model choice, and real-time projections.

At every origin each model sees only the data up to that month. State space models are
re-estimated once a year (or when a new intervention becomes estimable) and otherwise
``apply`` their parameters to the longer history, as a forecaster would run them.

Monthly prediction intervals in a backtest are calibrated in real time (:class:`_Calibration`):
the models' own intervals assume calmer times than 2018-2021 and covered about 55 % of
outcomes where they promised 80 %. Year-total projections are calibrated the same way, from
the record of the model's earlier year-total projections whose year had ended by the origin
(:func:`_calibrate_year`): the simulated remainders of 2016-2020 covered about half the outcomes.

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
from threadpoolctl import threadpool_limits

from tradedeal.errors import ParameterError
from tradedeal.models import AUTO
from tradedeal.models.forecast import MODELS, Fitted, fit

_MIN_COMMON = 12
#: Year-total projections are simulated at every origin, with this many paths where none is
#: reported, so that their errors can calibrate later projections.
RECORD_REPETITIONS = 100
#: The first origin of a full record (it needs 36 months of history before it).
RECORD_START = "2016-01"
_Z80 = float(stats.norm.ppf(0.9))  # year totals are reported as 10th/50th/90th percentiles
#: ``auto`` judges models on the forecasts of the last WINDOW months, at horizons 1..JUDGE_HORIZON.
WINDOW = 24
JUDGE_HORIZON = 3


@dataclass(frozen=True)
class Backtest:
    """Forecasts made at every origin, and year-total projections, for one series.

    ``forecasts``: ``model, origin, horizon, month, actual, mean, lower, upper, model_lower,
    model_upper, calibration, scale, chosen`` (USD). ``lower``/``upper`` are the model's
    interval widened by the real-time calibration factor (``calibration``, see
    :class:`_Calibration`); ``model_*`` are the model's own. ``scale`` is the in-sample mean
    absolute seasonal difference at the origin, the MASE denominator; ``chosen`` is the model
    behind an ``auto`` row. ``projections``: ``model,
    as_of, year, through, observed_ytd_usd, p10_usd, median_usd, p90_usd, observed_total_usd,
    prob_reach_target, chosen``; ``paths`` holds the simulated totals behind each projection,
    keyed by (model, as_of). ``record`` has the same columns (but ``prob_reach_target``) for the
    year-total projections made at every origin before December, from
    :data:`RECORD_REPETITIONS` paths where no projection was asked for; ``calibration`` is the
    factor applied (:func:`_calibrate_year`) and ``raw_paths`` the models' own simulated totals.
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

    def score(self, *, horizons=range(1, 13), origins: tuple[str | None, str | None] | None = None) -> pd.DataFrame:
        """MAE, RMSE, MASE, interval coverage (%) and MAE relative to the seasonal naive, per model.

        Only (origin, horizon) pairs that every model forecast are scored, so the models are
        judged on the same outcomes. ``origins`` is (first, last), either of them None for open.
        """
        err = self.errors()
        err = _between(err[err["horizon"].isin(list(horizons))], "origin", origins)
        models = err["model"].unique()
        keys = err.groupby(["origin", "horizon"])["model"].nunique()
        common = keys[keys == len(models)].index
        err = err.set_index(["origin", "horizon"]).loc[common].reset_index()
        if err.empty:
            raise ParameterError("no forecasts to score for those horizons and origins")
        grouped = err.groupby("model")
        table = pd.DataFrame(
            {
                "mae_usd": grouped["error_usd"].apply(lambda e: e.abs().mean()),
                "rmse_usd": grouped["error_usd"].apply(lambda e: np.sqrt((e**2).mean())),
                "mase": grouped["scaled_error"].mean(),
                "coverage_pct": 100 * grouped["covered"].mean(),
                "n": grouped.size(),
            }
        )
        if "snaive" in table.index:
            table["relative_mae"] = table["mae_usd"] / table.loc["snaive", "mae_usd"]
        table.index.name = "model"
        return table.sort_values("mase")

    def year_score(self, *, origins: tuple[str | None, str | None] | None = None) -> pd.DataFrame:
        """How the year-total projections of ``record`` fared, per model.

        Over the origins (``as_of``, between ``origins`` as in :meth:`score`) whose year total was
        later observed and that had months left to forecast: ``mean_abs_error_pct`` of the
        median, ``coverage_pct`` of the 10th-90th percentile interval (80 % promised), the mean
        ``calibration`` factor, ``n``.
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
                              "calibration": grouped["calibration"].mean(), "n": grouped.size()})
        return table.sort_values("mean_abs_error_pct")

    def chosen(self) -> pd.Series:
        """The model ``auto`` used at each origin."""
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


def _seasonal_scale(history: pd.Series) -> float:
    values = history.to_numpy()
    return float(np.mean(np.abs(values[12:] - values[:-12])))


def choose(
    forecasts: pd.DataFrame,
    origin: pd.Period,
    candidates: list[str],
    *,
    window: int = WINDOW,
    horizon: int = JUDGE_HORIZON,
) -> str:
    """The candidate with the lowest MASE on recent forecasts already judged at ``origin``.

    Judged means the forecast month is at or before ``origin``; recent, within the last
    ``window`` months; only horizons 1..``horizon`` count (regimes change: the 2018 tariffs, the
    2020 shock, so the recent record speaks loudest). Models are compared on the outcomes they
    all forecast; a model too new to share twelve of them is left out. With no record to judge
    by, the seasonal naive is used.
    """
    judged = forecasts[
        (forecasts["month"] <= origin)
        & (forecasts["month"] > origin - window)
        & (forecasts["horizon"] <= horizon)
        & forecasts["model"].isin(candidates)
    ]
    judged = judged.dropna(subset=["actual"])
    if judged.empty:
        return "snaive"
    pool = list(judged.groupby("model")["origin"].min().sort_values().index)
    while pool:
        part = judged[judged["model"].isin(pool)]
        counts = part.groupby(["origin", "horizon"])["model"].nunique()
        common = counts[counts == len(pool)].index
        if len(common) >= _MIN_COMMON or len(pool) == 1:
            part = part.set_index(["origin", "horizon"]).loc[common]
            errors = (part["actual"] - part["mean"]).abs()
            mase = (errors / part["scale"].where(part["scale"] > 0)).groupby(part["model"]).mean().dropna()
            if mase.empty:  # no seasonal variation to scale by: plain mean absolute error
                mase = errors.groupby(part["model"]).mean()
            return str(mase.idxmin()) if len(mase) else "snaive"
        pool.pop()  # drop the model with the shortest record
    return "snaive"


class _Calibration:
    """Spread-skill calibration of one model's intervals, learned in real time.

    Each forecast's error is standardised by the model's own predictive spread on the log
    scale (``log(actual / mean) / s``, ``s`` read off its interval). At an origin, the factor
    for horizon h is the root mean square of the standardised errors judged by then (forecast
    month at or before the origin), at least 1 and used once six are known; intervals and
    simulated paths are widened by it around the point forecast. Where a horizon has too few
    errors, the factor of the nearest shorter horizon is used.
    """

    MIN_ERRORS = 6

    def __init__(self, horizon: int, z: float):
        self.horizon, self.z = horizon, z
        self.month: list[int] = []
        self.h: list[int] = []
        self.std2: list[float] = []

    def factors(self, origin: pd.Period) -> np.ndarray:
        out = np.ones(self.horizon)
        if self.month:
            month, h, std2 = np.array(self.month), np.array(self.h), np.array(self.std2)
            judged = month <= origin.ordinal
            for j in range(1, self.horizon + 1):
                pick = judged & (h == j)
                if pick.sum() >= self.MIN_ERRORS:
                    out[j - 1] = max(1.0, float(np.sqrt(std2[pick].mean())))
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
            self.std2.append(float(std) ** 2)


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
        (so that the projection can be judged). When any projection is asked for, the year total
        is projected at every other origin before December too, from
        :data:`RECORD_REPETITIONS` paths, for ``record`` only: the errors of these projections
        calibrate later ones (:func:`_calibrate_year`), so an earlier ``start`` gives a longer
        record (:func:`record_start`).
    targets
        Annual targets by year, for ``prob_reach_target``.
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
        months = pd.period_range(origin + 1, periods=horizon, freq="M")
        actual = s.reindex(months).to_numpy()
        project = origin in wanted if wanted is not None else origin.year in projection_years
        for model in models:
            current = _advance(fitted.get(model), s, model, origin, refit_every, k)
            if current is None:
                continue
            fitted[model] = current
            fc = current[0].forecast(horizon, alpha=alpha)
            widen = calibration[model].factors(origin)  # from errors judged by this origin only
            mean = fc["mean"].to_numpy()
            rows.append(pd.DataFrame({
                "model": model, "origin": origin, "horizon": np.arange(1, horizon + 1), "month": months,
                "actual": actual, "mean": mean, "lower": mean * (fc["lower"].to_numpy() / mean) ** widen,
                "upper": mean * (fc["upper"].to_numpy() / mean) ** widen, "model_lower": fc["lower"].to_numpy(),
                "model_upper": fc["upper"].to_numpy(), "calibration": widen, "scale": scale,
            }))
            calibration[model].add(months, fc, actual)
            if project or (keep_record and origin.month < 12):
                reps = repetitions if project else RECORD_REPETITIONS
                info, raw = _project(current[0], s, origin, reps, series_seed, through_december)
                row, totals = _calibrate_year(info, raw, year_calibration[model])
                record.append({"model": model, **row})
                raw_paths[(model, origin)] = raw
                if project:
                    projections.append({"model": model, **row})
                    paths[(model, origin)] = totals
    forecasts = pd.concat(rows, ignore_index=True)
    projections = _with_targets(pd.DataFrame(projections), paths, targets)
    bt = Backtest(name, forecasts, projections, alpha, refit_every, paths, pd.DataFrame(record), raw_paths)
    return with_auto(bt)


def record_start(series: pd.Series, as_of: pd.Period) -> pd.Period:
    """The first origin of a backtest that makes a projection at ``as_of`` with a full record:
    :data:`RECORD_START`, or 36 months into a shorter series, but not after ``as_of``."""
    first = series.dropna().index.min() + 36
    return min(max(pd.Period(RECORD_START, "M"), first), as_of)


def _advance(previous, s, model, origin, refit_every, k):
    """The model fitted at ``origin``: refit when due, else extend the previous fit."""
    try:
        if previous is None or (origin - previous[1]).n >= refit_every:
            return fit(s, model, as_of=origin, k=k), origin
        return previous[0].extend(s, origin), previous[1]
    except ParameterError:
        return None  # too little data for this model at this origin


def _project(fitted: Fitted, s: pd.Series, origin: pd.Period, repetitions: int, seed: int, through_december: bool):
    """The year total: observed months plus the model's own simulated remainder (uncalibrated).

    Returns the projection's facts (``as_of, year, through, observed_ytd_usd,
    observed_total_usd``, NaN while the year is not complete through ``through``) and the
    simulated totals.
    """
    december = pd.Period(f"{origin.year}-12", "M")
    facts = _facts(s, origin, december if through_december else min(december, s.index.max()))
    ytd, h = facts["observed_ytd_usd"], (facts["through"] - origin).n
    if h < 1:
        return facts, np.full(repetitions, ytd)
    return facts, ytd + fitted.simulate(h, repetitions=repetitions, seed=seed).sum(axis=0).to_numpy()


def _facts(s: pd.Series, origin: pd.Period, through: pd.Period) -> dict:
    january = pd.Period(f"{origin.year}-01", "M")
    observed = s.loc[january:through]
    complete = len(observed) == (through - january).n + 1
    return {"as_of": origin, "year": origin.year, "through": through,
            "observed_ytd_usd": float(s.loc[january:origin].sum()),
            "observed_total_usd": float(observed.sum()) if complete else np.nan}


def _calibrate_year(info: dict, raw: np.ndarray, calibration: _Calibration) -> tuple[dict, np.ndarray]:
    """Widen one year-total projection by what its model's earlier projections taught.

    The simulated remainder ``R`` (total minus the months observed) is stretched around its
    median, ``R' = max(0, m + f (R − m))``, so the median is kept and nothing is bought back.
    The factor ``f`` is the spread-skill factor of :class:`_Calibration`: the root mean square of
    earlier projections' standardised errors, ``(R_observed − m) / s`` with ``s`` read off their
    10th and 90th percentiles, counting only projections whose year had been observed through
    its last month by this origin; at least 1, and 1 until six are known. This projection's
    error, once its outcome is known, is added for later origins. The stretch is in USD, not
    logs: on logs a factor of 3-9 (a model whose record is poor) turns a skewed remainder into
    a 90th percentile of a trillion dollars.
    """
    ytd, origin, through = info["observed_ytd_usd"], info["as_of"], info["through"]
    factor, totals = 1.0, raw
    if through > origin:
        rest = raw - ytd
        q10, median, q90 = np.quantile(rest, [0.1, 0.5, 0.9])
        spread = (q90 - q10) / (2 * _Z80)
        if spread > 0:  # the outcome is NaN until known: nothing recorded
            calibration.record(through, 1, (info["observed_total_usd"] - ytd - median) / spread)
        factor = float(calibration.factors(origin)[0])
        totals = ytd + np.maximum(0.0, median + factor * (rest - median))
    row = {**info, "p10_usd": np.quantile(totals, 0.1), "median_usd": np.median(totals),
           "p90_usd": np.quantile(totals, 0.9), "calibration": factor}
    return row, totals


def _with_targets(projections: pd.DataFrame, paths: dict, targets) -> pd.DataFrame:
    if projections.empty:
        return projections
    projections["prob_reach_target"] = [
        float(np.mean(paths[(m, o)] >= targets[y])) if targets and y in targets else np.nan
        for m, o, y in zip(projections["model"], projections["as_of"], projections["year"])
    ]
    return projections


def with_auto(bt: Backtest, *, window: int = WINDOW, horizon: int = JUDGE_HORIZON) -> Backtest:
    """``bt`` with its ``auto`` rows (made anew): at each origin, the model :func:`choose` picks
    from what was known then, with ``window`` and ``horizon`` as the rule."""
    forecasts = bt.forecasts[bt.forecasts["model"] != AUTO]
    picks, auto_rows = {}, []
    for origin, at in forecasts.groupby("origin", sort=True):
        picks[origin] = chosen = choose(forecasts, origin, list(at["model"].unique()), window=window, horizon=horizon)
        auto_rows.append(at[at["model"] == chosen].assign(model=AUTO, chosen=chosen))
    forecasts = pd.concat([forecasts.assign(chosen=forecasts["model"]), *auto_rows], ignore_index=True)
    paths = {key: v for key, v in bt.paths.items() if key[0] != AUTO}
    paths.update({(AUTO, o): paths[(m, o)] for o, m in picks.items() if (m, o) in paths})
    return replace(bt, forecasts=forecasts, projections=_auto_rows(bt.projections, picks),
                   record=_auto_rows(bt.record, picks), paths=paths)


def _auto_rows(frame: pd.DataFrame, picks: dict) -> pd.DataFrame:
    """Year-total rows with a ``chosen`` column, plus ``auto`` rows: the chosen model's at each ``as_of``."""
    if frame.empty:
        return frame
    frame = frame[frame["model"] != AUTO]
    chosen = pd.Series([picks.get(o) for o in frame["as_of"]], index=frame.index)
    auto = frame[frame["model"] == chosen].assign(model=AUTO)
    return pd.concat([frame.assign(chosen=frame["model"]), auto.assign(chosen=chosen[auto.index])],
                     ignore_index=True)


def combine(parts: list[Backtest], *, name: str, total: pd.Series, targets: dict[int, float] | None = None) -> Backtest:
    """The bottom-up backtest of a total from its parts' backtests.

    For each model and origin, the total's forecast is the sum of the parts' forecasts; its
    interval treats the parts as independent log-normals (Fenton–Wilkinson); its simulated year
    totals are the sums of the parts' own (uncalibrated) paths, calibrated on the total's own
    record of year-total errors, which also corrects for treating the parts as independent.
    ``auto`` then chooses among these bottom-up models on the total's own record. ``total`` is
    the observed total (for actuals and scale).
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
    record, rows, paths, raw_paths, year_calibration = [], [], {}, {}, {}
    simulated = set.intersection(*(set(p.raw_paths) for p in parts))
    wanted = set.intersection(*(set(p.paths) for p in parts))
    through = parts[0].record.set_index(["model", "as_of"])["through"] if simulated else None
    for model, origin in sorted(key for key in simulated if key[0] != AUTO):
        raw = sum(p.raw_paths[(model, origin)] for p in parts)
        calibration = year_calibration.setdefault(model, _Calibration(1, _Z80))
        row, totals = _calibrate_year(_facts(s, origin, through[(model, origin)]), raw, calibration)
        record.append({"model": model, **row})
        raw_paths[(model, origin)] = raw
        if (model, origin) in wanted:
            rows.append({"model": model, **row})
            paths[(model, origin)] = totals
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
