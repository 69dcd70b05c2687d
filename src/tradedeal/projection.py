"""Year-end projections: observed months plus simulated remaining months, against the target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.backtest import AUTO, choose, run_backtest
from tradedeal.errors import ParameterError
from tradedeal.forecast import MODELS, fit

CHOICES = (AUTO, *MODELS)


@dataclass(frozen=True)
class Projection:
    """The distribution of a calendar year's purchases, made with data up to ``as_of``.

    ``totals`` holds one simulated year total per path (observed months + forecast); it is a
    forecast, not data. ``model`` names the model used (``auto:<model>`` when chosen by auto).
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


def resolve_model(series: pd.Series, model: str, as_of: pd.Period) -> str:
    """``model`` itself, or for ``auto`` the model a backtest up to ``as_of`` picks."""
    if model not in CHOICES:
        raise ParameterError(f"model must be one of {', '.join(CHOICES)}; got {model!r}")
    if model != AUTO:
        return model
    history = series.loc[:as_of]
    start = max(pd.Period("2016-01", "M"), history.index.min() + 36)
    if start >= as_of:
        return "snaive"
    bt = run_backtest(history, start=str(start), end=str(as_of - 1), horizon=3, projection_years=())
    candidates = [m for m in MODELS if _fits(history, m)]
    return choose(bt.forecasts[bt.forecasts["model"] != AUTO], as_of, candidates)


def _fits(series: pd.Series, model: str) -> bool:
    try:
        fit(series, model)
        return True
    except ParameterError:
        return False


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
    simulated ``repetitions`` times from ``model`` fitted on data up to ``as_of``.
    """
    month = pd.Period(as_of, "M")
    if month.year != year:
        raise ParameterError(f"as_of must be a month of {year}; got {month}")
    if month not in series.dropna().index:
        raise ParameterError(f"as_of {month} is outside the data ({series.index.min()} to {series.dropna().index.max()})")
    chosen = resolve_model(series, model, month)
    ytd = float(series.loc[pd.Period(f"{year}-01", "M") : month].sum())
    remaining = 12 - month.month
    if remaining:
        paths = fit(series, chosen, as_of=month, k=k).simulate(remaining, repetitions=repetitions, seed=seed)
        totals = ytd + paths.sum(axis=0).to_numpy()
    else:
        totals = np.full(repetitions, ytd)
    label = f"{AUTO}:{chosen}" if model == AUTO else chosen
    return Projection(str(series.name), label, month, year, ytd, totals, target_usd, seed)


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
)


def forecast_table(
    year: int,
    as_of: str | pd.Period | None = None,
    *,
    category: str | None = None,
    model: str = AUTO,
    coverage: str | None = None,
    repetitions: int = 2000,
    seed: int = 0,
    root=None,
) -> tuple[pd.DataFrame, list[str]]:
    """Year-end projections per category against the year's targets (all four by default).

    Returns the table (columns :data:`FORECAST_COLUMNS`; ``projected_total_usd`` is the median
    of the simulated totals) and notes on coverage and vintage. Coverage is chosen as for the
    tracker table (:func:`tradedeal.tracker.choose_coverage`).
    """
    from tradedeal import data
    from tradedeal.targets import GOODS, annual_targets, check_year
    from tradedeal.tracker import choose_coverage, parse_month

    check_year(year)
    if model not in CHOICES:
        raise ParameterError(f"model must be one of {', '.join(CHOICES)}; got {model!r}")
    categories = list(GOODS) if category is None else [category]
    if category is not None and category not in GOODS:
        raise ParameterError(f"category must be one of {', '.join(GOODS)}; got {category!r}")
    month = None if as_of is None else parse_month(as_of)
    if month is not None and month.year != year:
        raise ParameterError(f"as_of must be a month of {year}; got {month}")
    chosen, notes = choose_coverage(year, month, coverage, root=root)
    monthly = data.exports_by_category(chosen, root=root)
    observed = monthly["covered_total"].dropna()
    if month is None:
        month = observed[observed.index.year == year].index.max()
    if month not in observed.index:
        raise ParameterError(
            f"as_of {month} is outside the data: {chosen} figures run {observed.index.min()} to {observed.index.max()}"
        )
    targets = annual_targets(monthly, year)
    rows = []
    for name in categories:
        series = monthly[name].dropna().rename(name)
        p = project_year(series, year=year, as_of=month, model=model, target_usd=float(targets[name]),
                         repetitions=repetitions, seed=seed)
        rows.append({
            "category": name, "coverage": chosen, "model": p.model, "as_of": str(month), "year": year,
            "observed_ytd_usd": p.observed_ytd_usd, "projected_total_usd": p.median_usd,
            "p10_usd": p.quantile(0.1), "p90_usd": p.quantile(0.9), "target_usd": float(targets[name]),
            "prob_reach_target": p.prob_reach_target,
        })
    notes.append(f"data: {data.vintage_note(chosen)}")
    notes.append(f"projections are forecasts (median and 10th/90th percentiles of {repetitions} simulated paths, seed {seed}), not data")
    return pd.DataFrame(rows, columns=list(FORECAST_COLUMNS)), notes
