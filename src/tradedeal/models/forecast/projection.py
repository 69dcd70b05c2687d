"""Year-end projections: observed months plus simulated remaining months, against the target."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from tradedeal.agreement.window import Window
from tradedeal.errors import ParameterError
from tradedeal.ingest.snapshot import Snapshot
from tradedeal.models.forecast import AUTO, MODEL_CHOICES, MODELS
from tradedeal.models.forecast.monthly import fit
from tradedeal.models.forecast.odds import format_probability
from tradedeal.models.forecast.reach import Reach, odds_in_words, reach
from tradedeal.models.forecast.rolling import RECORD_START, record_start, run_backtest
from tradedeal.models.forecast.scores import Backtest
from tradedeal.models.shared.finite import finite

CHOICES = MODEL_CHOICES


@dataclass(frozen=True)
class Projection:
    """The distribution of a calendar year's purchases, made with data up to ``as_of``.

    ``totals`` holds one simulated year total per path (observed months + forecast); it is a
    forecast, not data. ``model`` names the model used (``auto: <models>`` for auto, with the
    models it combined).
    """

    name: str
    model: str
    as_of: pd.Period
    year: int
    observed_ytd_usd: float
    totals: np.ndarray
    target_usd: float | None
    seed: int

    def quantile(self, q: float) -> float:
        return float(np.quantile(self.totals, q))

    @property
    def median_usd(self) -> float:
        return self.quantile(0.5)

    @property
    def prob_reach_target(self) -> float:
        """Share of simulated paths that reach the annual target (NaN without a target)."""
        if self.target_usd is None:
            return float("nan")
        return float(np.mean(self.totals >= self.target_usd))


def _check_model(model: str) -> None:
    if model not in CHOICES:
        raise ParameterError(f"model must be one of {', '.join(CHOICES)}; got {model!r}")


def label(model: str, combined: str) -> str:
    """How tables name a model: itself, or ``auto: ets+ratio+...`` with the models auto combined."""
    return f"{AUTO}: {combined}" if model == AUTO else model


def _backtest_at(series: pd.Series, month: pd.Period, model: str, *, k: int = 3, **options) -> Backtest:
    """The backtest of ``model`` (for ``auto``, of every model) from
    :func:`~tradedeal.models.forecast.rolling.record_start` to ``month`` on the data up to ``month``. Its
    last origin carries the forecast and projection made at ``month``, calibrated on the record
    before it."""
    _check_model(model)
    if model != AUTO:
        fit(series, model, as_of=month, k=k)  # a model that cannot fit says so, naming the parameter
    known = series.loc[:month]
    models = MODELS if model == AUTO else (model,)
    return run_backtest(known, models=models, start=str(record_start(known, month)), end=str(month), k=k, **options)


def project_year(
    series: pd.Series,
    *,
    year: int,
    as_of: str | pd.Period,
    model: str = AUTO,
    target_usd: float | None = None,
    repetitions: int = 2000,
    seed: int = 0,
    k: int = 3,
) -> Projection:
    """Project ``year``'s total purchases from data up to ``as_of``.

    The observed months of ``year`` (through ``as_of``) are summed; the rest of the year is
    simulated ``repetitions`` times from ``model`` fitted on data up to ``as_of`` and calibrated
    by the record of the model's earlier year-total errors — the same projection a backtest from
    :data:`~tradedeal.models.forecast.rolling.RECORD_START` makes at that origin
    (:func:`tradedeal.models.forecast.rolling.run_backtest`); ``auto`` pools the paths of every model.
    """
    month = pd.Period(as_of, "M")
    if month.year != year:
        raise ParameterError(f"as_of must be a month of {year}; got {month}")
    if month not in series.dropna().index:
        raise ParameterError(f"as_of {month} is outside the data ({series.index.min()} to {series.dropna().index.max()})")
    bt = _backtest_at(series, month, model, horizon=1, k=k, projection_origins=[month],
                      through_december=True, repetitions=repetitions, seed=seed)
    projections = bt.projections
    row = projections[projections["model"] == model].iloc[0]
    finite(str(series.name), observed_to_date=row["observed_ytd_usd"], projected_totals=bt.paths[(model, month)])
    return Projection(str(series.name), label(model, row["chosen"]), month, year, float(row["observed_ytd_usd"]),
                      bt.paths[(model, month)], target_usd, seed)


FORECAST_COLUMNS = (
    "category",
    "coverage",
    "model",
    "as_of",
    "year",
    "observed_ytd_usd",
    "projected_total_usd",
    "p10_usd",
    "p90_usd",
    "target_usd",
    "prob_reach_target",
    "odds",
    "needed_usd",
    "months_left",
    "needed_vs_best",
    "check",
)


def forecast_table(
    window: Window,
    *,
    category: str | None = None,
    model: str = AUTO,
    repetitions: int = 1000,
    seed: int = 0,
    jobs: int = 1,
) -> tuple[pd.DataFrame, list[str]]:
    """Year-end projections per category for the window's year (all four by default).

    Each category is projected from its own model, with data through ``window.as_of`` only;
    ``covered_total`` bottom-up, as the sum of the categories' simulated paths
    (:func:`tradedeal.models.forecast.combination.combine`). ``auto`` pools the paths of every model;
    year-total intervals are calibrated on the record of projections made since
    :data:`~tradedeal.models.forecast.rolling.RECORD_START`. At the data's last month the projections
    are those of :func:`realtime_backtests` (one backtest serves the whole report). Returns the
    table (columns :data:`FORECAST_COLUMNS`; ``projected_total_usd`` is the median of the
    simulated totals; targets only for the agreement's years) and notes on coverage, vintage and
    method.
    """
    from tradedeal.agreement.targets import GOODS, YEARS, annual_targets
    from tradedeal.ingest.cache import cached
    from tradedeal.models.forecast.rolling import backtest_categories

    _check_model(model)
    if window.year is None:
        raise ParameterError("a year-end projection needs a year")
    if category is not None and category not in GOODS:
        raise ParameterError(f"category must be one of {', '.join(GOODS)}; got {category!r}")
    year, month = window.year, window.as_of
    known = window.monthly()  # nothing after as_of is seen
    targets = annual_targets(known, year) if year in YEARS else None
    start = record_start(known["covered_total"], month)  # the record that calibrates year totals
    if year in YEARS and _is_data_end(window.snapshot, window.coverage, month):
        results = realtime_backtests(window.snapshot, coverage=window.coverage, repetitions=repetitions, seed=seed,
                                     jobs=jobs)["backtests"]
    else:
        models = MODELS if model == AUTO else (model,)
        results = cached(
            "forecast",
            lambda: backtest_categories(
                known, models=models, start=str(start), end=str(month), horizon=1, projection_origins=[month],
                through_december=True, targets={year: targets} if targets is not None else None,
                repetitions=repetitions, seed=seed, jobs=jobs,
            ),
            key=(year, str(month), window.coverage, models, repetitions, seed),
            snapshot=window.snapshot,
        )
    rows = []
    for name in GOODS if category is None else (category,):
        projections = results[name].projections
        row = projections[(projections["model"] == model) & (projections["as_of"] == month)]
        if row.empty:
            raise ParameterError(f"model {model!r} cannot forecast {name} with data through {month} (series too short)")
        row = row.iloc[0]
        check = (reach(known[name].rename(name), as_of=month, target_usd=float(targets[name]))
                 if targets is not None and month.month < 12 else None)
        rows.append({
            "category": name, "coverage": window.coverage, "model": label(model, row["chosen"]),
            "as_of": str(month), "year": year, "observed_ytd_usd": row["observed_ytd_usd"],
            "projected_total_usd": row["median_usd"], "p10_usd": row["p10_usd"], "p90_usd": row["p90_usd"],
            "target_usd": float(targets[name]) if targets is not None else float("nan"),
            "prob_reach_target": row["prob_reach_target"] if targets is not None else float("nan"),
            **_check_columns(row["prob_reach_target"] if targets is not None else float("nan"), check),
        })
    notes = list(window.notes)
    if targets is None:
        notes.append(f"the agreement sets no purchase targets for {year}: target columns left blank")
    method = ("auto pools the paths of every model that can forecast then, in equal numbers; "
              if model == AUTO else "")
    notes.append(
        f"projections are forecasts, not data: median and 10th/90th percentiles of {repetitions} simulated "
        f"paths per model (seed {seed}); {method}each model's spread is calibrated on its record of year-total "
        f"errors since {start} (complete calendar years only), on logs: paths are positive and nothing is capped; "
        "prob_reach_target is the share of paths whose calendar-year total (through December) reaches the "
        "full-year target; covered_total sums the category paths and is calibrated on its own record"
    )
    if targets is not None and month.month < 12:
        notes.append("check: what reaching the target needs in the months left, against the best run of as many "
                     f"consecutive months in the data up to {month} (data, not a forecast); the probability is the "
                     "model's")
    return pd.DataFrame(rows, columns=list(FORECAST_COLUMNS)), notes


def _check_columns(prob: float, check: Reach | None) -> dict:
    """The model's probability in words (``odds``) and the record's check beside it
    (:mod:`~tradedeal.models.forecast.reach`): what the months left must buy, against the best run of as
    many months on record."""
    if check is None:
        return {"odds": format_probability(prob), "needed_usd": float("nan"), "months_left": 0,
                "needed_vs_best": float("nan"), "check": ""}
    words = check.sentence() + (f"; {check.on_record()}" if check.needed_usd > 0 and check.beyond_record else "")
    return {"odds": odds_in_words(prob, check), "needed_usd": check.needed_usd, "months_left": check.months_left,
            "needed_vs_best": check.ratio, "check": words}


def _is_data_end(snapshot: Snapshot, coverage: str, month: pd.Period) -> bool:
    return month == snapshot.exports_by_category(coverage)["covered_total"].dropna().index.max()


def realtime_backtests(snapshot: Snapshot, *, coverage: str | None = None, repetitions: int = 1000, seed: int = 0,
                       jobs: int = 1) -> dict:
    """The backtest of every model on each category and the covered total (bottom-up), from
    :data:`~tradedeal.models.forecast.rolling.RECORD_START` to the data's last month (cached).

    Horizons 1-12; year-total projections at every origin of the agreement's years, each through
    December or, to be judged, through the data's last month if that comes earlier; at the last
    month, through December. It serves the score tables, :func:`realtime_evaluation` for both
    years, and the forecast table and fan charts made at the data's last month. ``coverage``
    defaults to the one whose data runs longest. Returns ``{"coverage", "backtests"}``.
    """
    from tradedeal.agreement.targets import YEARS, annual_targets
    from tradedeal.agreement.window import select
    from tradedeal.ingest.cache import cached
    from tradedeal.models.forecast.rolling import backtest_categories

    coverage = select(snapshot, year=YEARS[-1], coverage=coverage).coverage
    monthly = snapshot.exports_by_category(coverage)
    last = monthly["covered_total"].dropna().index.max()

    def compute():
        results = backtest_categories(
            monthly.loc[:last], start=RECORD_START, end=str(last), projection_years=YEARS,
            targets={y: annual_targets(monthly, y) for y in YEARS}, repetitions=repetitions, seed=seed, jobs=jobs,
        )
        return {"coverage": coverage, "backtests": results}

    return cached("realtime", compute, key=(coverage, repetitions, seed), snapshot=snapshot)


def realtime_evaluation(
    snapshot: Snapshot, year: int, *, coverage: str | None = None, repetitions: int = 1000, seed: int = 0, jobs: int = 1
) -> pd.DataFrame:
    """"Could we have known?": each month's projection of ``year``'s total against the outcome.

    For every ``as_of`` in ``year`` up to the month before the data end, every model (and
    ``auto``) projects the year's total with data up to ``as_of`` only; the outcome is the
    observed total through December, or through the last month of the data when December is
    not in it (``through``). ``coverage`` defaults to the one :func:`~tradedeal.agreement.window.select`
    picks for ``year``. Tidy frame with ``series, coverage, model, chosen, as_of, year, through,
    observed_ytd_usd, p10_usd, median_usd, p90_usd, calibration, observed_total_usd,
    prob_reach_target, crps_usd, error_pct, inside_80``; ``calibration`` is the factor by which
    the model's own year-total spread was stretched (see :mod:`tradedeal.models.forecast.calibration`) and
    ``chosen`` the models ``auto`` pooled.
    """
    from tradedeal.agreement.window import select

    coverage = select(snapshot, year=year, coverage=coverage).coverage
    run = realtime_backtests(snapshot, coverage=coverage, repetitions=repetitions, seed=seed, jobs=jobs)
    frames = [r.projections.assign(series=name) for name, r in run["backtests"].items()]
    out = pd.concat(frames, ignore_index=True)
    out = out[(out["as_of"].dt.year == year) & out["observed_total_usd"].notna()].copy()
    out["coverage"] = run["coverage"]
    out["error_pct"] = 100 * (out["median_usd"] / out["observed_total_usd"] - 1)
    out["inside_80"] = (out["p10_usd"] <= out["observed_total_usd"]) & (out["observed_total_usd"] <= out["p90_usd"])
    columns = ["series", "coverage", "model", "chosen", "as_of", "year", "through", "observed_ytd_usd", "p10_usd",
               "median_usd", "p90_usd", "calibration", "observed_total_usd", "prob_reach_target", "crps_usd",
               "error_pct", "inside_80"]
    return out[columns].sort_values(["series", "model", "as_of"], ignore_index=True)


def fan_forecasts(snapshot: Snapshot, table: pd.DataFrame, *, horizon: int) -> dict[str, tuple]:
    """For each category row of a forecast table: (history, monthly forecast, model used).

    The model is the one the table used (``auto`` combines them all); ``covered_total`` is left
    out (it is forecast bottom-up). Forecasts are calibrated (:func:`monthly_forecast`) and
    cached; at the data's last month, with ``horizon`` up to 12, they are those of
    :func:`realtime_backtests`.
    """
    from tradedeal.ingest.cache import cached, series_digest

    out = {}
    coverage = table["coverage"].iloc[0]
    monthly = snapshot.exports_by_category(coverage)
    for row in table[table["category"] != "covered_total"].itertuples():
        series = monthly[row.category].dropna().rename(row.category)
        model = row.model.split(":")[0]
        as_of = pd.Period(row.as_of, "M")
        if horizon <= 12 and _is_data_end(snapshot, coverage, as_of):
            bt = realtime_backtests(snapshot, coverage=coverage)["backtests"][row.category]
            forecast, used = _forecast_rows(bt, model, as_of, horizon)
        else:
            forecast, used = cached(
                "monthly", partial(monthly_forecast, series, as_of=as_of, model=model, horizon=horizon),
                key=(row.category, str(as_of), model, horizon, series_digest(series)), snapshot=snapshot,
            )
        out[row.category] = (series.loc[:as_of].iloc[-36:], forecast, used)
    return out


def _forecast_rows(bt: Backtest, model: str, origin: pd.Period, horizon: int) -> tuple[pd.DataFrame, str]:
    """The monthly forecast ``model`` made at ``origin`` in ``bt``, and its label."""
    f = bt.forecasts
    rows = f[(f["model"] == model) & (f["origin"] == origin) & (f["horizon"] <= horizon)]
    if rows.empty:
        raise ParameterError(f"model {model!r} cannot forecast {bt.name} with data through {origin}")
    out = rows[["mean", "lower", "upper"]].set_axis(pd.PeriodIndex(rows["month"], freq="M", name="month"))
    return out, label(model, rows["chosen"].iloc[0])


def monthly_forecast(series: pd.Series, *, as_of: str | pd.Period, model: str = AUTO, horizon: int = 12,
                     alpha: float = 0.2, calibrated: bool = True) -> tuple[pd.DataFrame, str]:
    """Monthly forecast (``mean, lower, upper``) for ``horizon`` months after ``as_of``, and the model used.

    With ``calibrated`` (the default) this is the forecast a backtest from
    :data:`~tradedeal.models.forecast.rolling.RECORD_START` makes at ``as_of``: its (1 − alpha) interval is the
    model's own calibrated on the model's record of monthly errors judged by then (the models' own
    80 % intervals held only about 55-60 % of the outcomes of 2016-2021), stretched on logs
    (nothing is capped). Otherwise the model is fitted at ``as_of``
    and its own interval returned (not for ``auto``, which exists only as a calibrated combination).
    """
    month = pd.Period(as_of, "M")
    _check_model(model)
    if not calibrated:
        if model == AUTO:
            raise ParameterError("model 'auto' is a calibrated combination: use calibrated=True or name a model")
        return fit(series, model, as_of=month).forecast(horizon, alpha=alpha), model
    bt = _backtest_at(series, month, model, horizon=horizon, alpha=alpha, projection_years=())
    return _forecast_rows(bt, model, month, horizon)

