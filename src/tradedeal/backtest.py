"""Rolling-origin backtests, the ``auto`` model choice, and real-time projections.

At every origin each model sees only the data up to that month. State space models are
re-estimated once a year (or when a new intervention becomes estimable) and otherwise
``apply`` their parameters to the longer history, as a forecaster would run them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.forecast import MODELS, Fitted, fit

AUTO = "auto"
_MIN_COMMON = 12
#: ``auto`` judges models on the forecasts of the last WINDOW months, at horizons 1..JUDGE_HORIZON.
WINDOW = 12
JUDGE_HORIZON = 3


@dataclass(frozen=True)
class Backtest:
    """Forecasts made at every origin, and year-total projections, for one series.

    ``forecasts``: ``model, origin, horizon, month, actual, mean, lower, upper, scale`` (USD;
    ``scale`` is the in-sample mean absolute seasonal difference at the origin, the MASE
    denominator). ``projections``: ``model, as_of, year, through, observed_ytd_usd, p10_usd,
    median_usd, p90_usd, observed_total_usd`` and ``prob_reach_target`` where a target was given.
    ``auto`` rows name the model chosen in ``chosen``.
    """

    name: str
    forecasts: pd.DataFrame
    projections: pd.DataFrame
    alpha: float
    refit_every: int

    def errors(self) -> pd.DataFrame:
        """Forecast rows with an observed outcome, with their errors."""
        out = self.forecasts.dropna(subset=["actual"]).copy()
        out["error_usd"] = out["actual"] - out["mean"]
        out["scaled_error"] = out["error_usd"].abs() / out["scale"]
        out["covered"] = (out["actual"] >= out["lower"]) & (out["actual"] <= out["upper"])
        return out

    def score(self, *, horizons=range(1, 13), origins: tuple[str, str] | None = None) -> pd.DataFrame:
        """MAE, RMSE, MASE, interval coverage (%) and MAE relative to the seasonal naive, per model.

        Only (origin, horizon) pairs that every model forecast are scored, so the models are
        judged on the same outcomes.
        """
        err = self.errors()
        err = err[err["horizon"].isin(list(horizons))]
        if origins is not None:
            lo, hi = (pd.Period(o, "M") for o in origins)
            err = err[(err["origin"] >= lo) & (err["origin"] <= hi)]
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
    first = judged.groupby("model")["origin"].min().sort_values()
    pool = list(first.index)
    while pool:
        part = judged[judged["model"].isin(pool)]
        counts = part.groupby(["origin", "horizon"])["model"].nunique()
        common = counts[counts == len(pool)].index
        if len(common) >= _MIN_COMMON or len(pool) == 1:
            part = part.set_index(["origin", "horizon"]).loc[common]
            mase = ((part["actual"] - part["mean"]).abs() / part["scale"]).groupby(part["model"]).mean()
            return str(mase.idxmin()) if len(mase) else "snaive"
        pool.pop()  # drop the model with the shortest record
    return "snaive"


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
    projection_years
        At origins in these years, also project the year's total (through December, or the
        last month of the data if earlier) by simulation, ``repetitions`` paths, ``seed``.
    targets
        Annual targets by year, for ``prob_reach_target``.
    """
    if horizon < 1:
        raise ParameterError(f"horizon must be at least 1; got {horizon}")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ParameterError(f"model must be one of {', '.join(MODELS)}; got {unknown[0]!r}")
    s = series.dropna().astype("float64")
    last = s.index.max()
    first_origin = pd.Period(start, "M")
    last_origin = pd.Period(end, "M") if end else last - 1
    if first_origin > last_origin or last_origin > last:
        raise ParameterError(f"origins {first_origin} to {last_origin} are outside the data (to {last})")
    fitted: dict[str, tuple[Fitted, pd.Period]] = {}
    rows, projections = [], []
    for origin in pd.period_range(first_origin, last_origin, freq="M"):
        history = s.loc[:origin]
        scale = _seasonal_scale(history)
        months = pd.period_range(origin + 1, periods=horizon, freq="M")
        actual = s.reindex(months).to_numpy()
        for model in models:
            current = _advance(fitted.get(model), s, model, origin, refit_every, k)
            if current is None:
                continue
            fitted[model] = current
            fc = current[0].forecast(horizon, alpha=alpha)
            rows.append(pd.DataFrame({
                "model": model, "origin": origin, "horizon": np.arange(1, horizon + 1), "month": months,
                "actual": actual, "mean": fc["mean"].to_numpy(), "lower": fc["lower"].to_numpy(),
                "upper": fc["upper"].to_numpy(), "scale": scale,
            }))
            if origin.year in projection_years:
                row = _project(current[0], s, origin, targets, repetitions, seed)
                if row is not None:
                    projections.append({"model": model, **row})
    forecasts = pd.concat(rows, ignore_index=True)
    forecasts, projections = _with_auto(forecasts, pd.DataFrame(projections), list(models))
    return Backtest(name or str(series.name), forecasts, projections, alpha, refit_every)


def _advance(previous, s, model, origin, refit_every, k):
    """The model fitted at ``origin``: refit when due, else extend the previous fit."""
    try:
        if previous is None or (origin - previous[1]).n >= refit_every:
            return fit(s, model, as_of=origin, k=k), origin
        return previous[0].extend(s, origin), previous[1]
    except ParameterError:
        return None  # too little data for this model at this origin


def _project(fitted: Fitted, s: pd.Series, origin: pd.Period, targets, repetitions: int, seed: int):
    year = origin.year
    through = min(pd.Period(f"{year}-12", "M"), s.index.max())
    h = (through - origin).n
    if h < 1:
        return None
    ytd = s.loc[pd.Period(f"{year}-01", "M"):origin].sum()
    totals = ytd + fitted.simulate(h, repetitions=repetitions, seed=seed).sum(axis=0).to_numpy()
    row = {
        "as_of": origin, "year": year, "through": through, "observed_ytd_usd": ytd,
        "p10_usd": np.quantile(totals, 0.1), "median_usd": np.median(totals), "p90_usd": np.quantile(totals, 0.9),
        "observed_total_usd": s.loc[pd.Period(f"{year}-01", "M"):through].sum(),
    }
    if targets and year in targets:
        row["prob_reach_target"] = float(np.mean(totals >= targets[year]))
    return row


def _with_auto(forecasts: pd.DataFrame, projections: pd.DataFrame, models: list[str]):
    """Add ``auto`` rows: at each origin, the model chosen from what was known then."""
    auto_rows, auto_proj = [], []
    for origin, at in forecasts.groupby("origin", sort=True):
        chosen = choose(forecasts, origin, list(at["model"].unique()))
        auto_rows.append(at[at["model"] == chosen].assign(model=AUTO, chosen=chosen))
        if not projections.empty:
            p = projections[(projections["as_of"] == origin) & (projections["model"] == chosen)]
            auto_proj.append(p.assign(model=AUTO, chosen=chosen))
    forecasts = pd.concat([forecasts.assign(chosen=forecasts["model"]), *auto_rows], ignore_index=True)
    if not projections.empty:
        projections = pd.concat([projections.assign(chosen=projections["model"]), *auto_proj], ignore_index=True)
    return forecasts, projections


def run_backtests(series: list[pd.Series], *, jobs: int = 1, **options) -> dict[str, Backtest]:
    """:func:`run_backtest` for several series, in ``jobs`` parallel processes; keyed by name."""
    if jobs < 1:
        raise ParameterError(f"jobs must be at least 1; got {jobs}")
    if jobs == 1:
        results = [run_backtest(s, **options) for s in series]
    else:
        from concurrent.futures import ProcessPoolExecutor
        from functools import partial

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(partial(run_backtest, **options), series))
    return {r.name: r for r in results}
