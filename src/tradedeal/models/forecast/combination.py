"""Combining forecasts: ``auto`` (every model in equal weights) and bottom-up totals.

``auto`` is the equal-weight combination of the models that can forecast at an origin; no model
is picked by its record (which model did best changed with every regime). A total
(``covered_total``) is the sum of its categories' forecasts (:func:`combine`): categories move
for different reasons (soybean seasons, crude oil prices, aircraft deliveries), and in the
backtest the sum of category forecasts beats forecasting the total directly for every model.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import special, stats
from scoringrules import crps_ensemble

from tradedeal.errors import ParameterError
from tradedeal.models.forecast import AUTO
from tradedeal.models.forecast.calibration import (
    Z80,
    Calibration,
    calibrate_year,
    largest_month,
    log_spread,
    stretch,
    stretch_months,
    year_facts,
)
from tradedeal.models.forecast.scores import Backtest, piled_pct, seasonal_scale


def with_targets(projections: pd.DataFrame, paths: dict, targets) -> pd.DataFrame:
    """``projections`` with ``target_usd`` and ``prob_reach_target``: the share of the simulated
    calendar-year totals (``paths``, through December) that reach the year's full target."""
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
    (:func:`mixture_quantiles`); the mixture's interval is then stretched or narrowed by the
    factor the combination's own errors judged by the origin call for
    (:class:`~tradedeal.models.forecast.calibration.Calibration`: a mixture of calibrated models is wider
    than the promise). Year totals: the simulated totals of every model pooled, in equal numbers.
    """
    forecasts = bt.forecasts[bt.forecasts["model"] != AUTO]
    forecasts = forecasts.assign(chosen=forecasts["model"])
    keys = ["origin", "horizon"]
    wide = forecasts.pivot_table(index=keys, columns="model", values=["mean", "lower", "upper"], aggfunc="first",
                                 dropna=False)
    z = float(stats.norm.ppf(1 - bt.alpha / 2))
    lower, median, upper = mixture_quantiles(wide["mean"].to_numpy(), wide["lower"].to_numpy(),
                                             wide["upper"].to_numpy(), z, (bt.alpha / 2, 0.5, 1 - bt.alpha / 2))
    present = wide["mean"].notna()
    names = pd.Series(["+".join(present.columns[row]) for row in present.to_numpy()], index=wide.index)
    first = forecasts.groupby(keys, sort=True)[["month", "actual", "scale", "largest_usd"]].first()
    auto = first.assign(model=AUTO, mean=median, lower=lower, upper=upper, model_lower=lower, model_upper=upper,
                        calibration=np.nan, chosen=names.reindex(first.index)).reset_index()
    auto = _calibrate_combination(auto, z, bt.half_life)
    forecasts = pd.concat([forecasts, auto[forecasts.columns]], ignore_index=True)
    paths = {key: v for key, v in bt.paths.items() if key[0] != AUTO}
    judged = {key: v for key, v in bt.judged_paths.items() if key[0] != AUTO}
    record, pooled, pooled_judged = _pool_rows(bt.record, paths, judged)
    paths.update(pooled)
    judged.update(pooled_judged)
    projections = bt.projections
    if not projections.empty:
        wanted = projections[projections["model"] != AUTO]
        auto_rows = record[(record["model"] == AUTO) & record["as_of"].isin(wanted["as_of"])]
        targets = {y: t for y, t in zip(wanted["year"], wanted["target_usd"], strict=True) if np.isfinite(t)}
        projections = pd.concat([wanted.assign(chosen=wanted["model"]), with_targets(auto_rows, paths, targets)],
                                ignore_index=True)
    return replace(bt, forecasts=forecasts, projections=projections, record=record, paths=paths, judged_paths=judged)


def _calibrate_combination(auto: pd.DataFrame, z: float, half_life: float | str | None) -> pd.DataFrame:
    """The combination's intervals (``model_lower``, ``model_upper``) stretched in real time by
    the conformal factor of its own earlier errors (see :func:`with_auto`)."""
    calibration = Calibration(int(auto["horizon"].max()), z, half_life)
    lower, upper, factor = (np.empty(len(auto)) for _ in range(3))
    means, lows, highs = (auto[c].to_numpy(dtype=float) for c in ("mean", "model_lower", "model_upper"))
    actual, horizon = auto["actual"].to_numpy(dtype=float), auto["horizon"].to_numpy()
    months = pd.PeriodIndex(auto["month"], freq="M").asi8
    for origin, rows in auto.groupby("origin", sort=True).indices.items():
        median, horizons = means[rows], horizon[rows] - 1
        spread = log_spread(lows[rows], highs[rows], z)
        own = np.ones(calibration.horizon)
        own[horizons] = spread
        f = calibration.factors(origin, own)[horizons]
        lower[rows] = stretch(median, lows[rows], f)
        upper[rows] = stretch(median, highs[rows], f)
        factor[rows] = f
        calibration.add_arrays(months[rows], np.arange(1, len(rows) + 1), np.log(actual[rows] / median), spread)
    return auto.assign(lower=lower, upper=upper, calibration=factor)


def _pool_rows(record: pd.DataFrame, paths: dict, judged: dict) -> tuple[pd.DataFrame, dict, dict]:
    """``record`` with a ``chosen`` column plus an ``auto`` row per ``as_of``: the totals of every
    model pooled (calendar-year totals, and totals through ``through``)."""
    if record.empty:
        return record, {}, {}
    record = record[record["model"] != AUTO].assign(chosen=lambda r: r["model"])
    rows, pooled, pooled_judged = [], {}, {}
    for origin, group in record.groupby("as_of", sort=True):
        models = sorted(group["model"])
        totals = np.concatenate([paths[(m, origin)] for m in models])
        seen = np.concatenate([judged.get((m, origin), paths[(m, origin)]) for m in models])
        row = group.iloc[0]
        observed = row["observed_total_usd"]
        rows.append({**{c: row[c] for c in ("as_of", "year", "through", "observed_ytd_usd", "observed_total_usd",
                                            "largest_usd")},
                     "model": AUTO, "chosen": "+".join(models), "p10_usd": np.quantile(seen, 0.1),
                     "median_usd": np.median(seen), "p90_usd": np.quantile(seen, 0.9),
                     "calibration": float(group["calibration"].mean()),
                     "crps_usd": float(crps_ensemble(observed, seen)) if np.isfinite(observed) else np.nan,
                     "at_bound_pct": piled_pct(seen),
                     # the models' paths pooled in equal numbers: the pooled share is their mean
                     "above_record_pct": float(group["above_record_pct"].mean()),
                     "median_above_record_pct": float(group["median_above_record_pct"].mean())})
        pooled[(AUTO, origin)] = totals
        if any((m, origin) in judged for m in models):
            pooled_judged[(AUTO, origin)] = seen
    return pd.concat([record, pd.DataFrame(rows)], ignore_index=True), pooled, pooled_judged


def mixture_quantiles(median, lower, upper, z: float, qs) -> list[np.ndarray]:
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
            cdf = (weight * special.ndtr(np.where(d < 0, d / below, d / above))).sum(axis=1)  # norm.cdf
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
    total (for actuals and scale).
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
    scales = {o: seasonal_scale(s.loc[:o]) for o in out["origin"].unique()}
    out["scale"] = out["origin"].map(scales)
    out["largest_usd"] = out["origin"].map({o: largest_month(s.loc[:o]) for o in scales})
    record, rows, paths, judged, raw_paths, raw_judged, year_calibration = [], [], {}, {}, {}, {}, {}
    simulated = set.intersection(*(set(p.raw_paths) for p in parts))
    wanted = set.intersection(*(set(zip(p.projections["model"], p.projections["as_of"], strict=True))
                                if not p.projections.empty else set() for p in parts))
    through = parts[0].record.set_index(["model", "as_of"])["through"] if simulated else None
    bounds = {o: sum(p.bounds[o] for p in parts) for o in parts[0].bounds}  # the bounded scale's: the parts' sum
    for model, origin in sorted(key for key in simulated if key[0] != AUTO):
        key = (model, origin)
        raw = sum(p.raw_paths[key] for p in parts)
        seen = sum(p.raw_judged[key] for p in parts) if key in parts[0].raw_judged else None
        if model not in year_calibration:
            year_calibration[model] = Calibration(1, Z80, parts[0].half_life)
        calibration = year_calibration[model]
        info = year_facts(s, origin, through[key])
        months, by_horizon = sum(p.raw_months[key] for p in parts), None
        if parts[0].year_stretch == "horizon" and months.size:  # each part stretched by its own monthly factors
            months = sum(stretch_months(p.raw_months[key], p.month_factors[key][: months.shape[0]]) for p in parts)
            by_horizon = np.ones(months.shape[0])
        row, totals, seen_totals = calibrate_year(info, raw, calibration, largest_month(s.loc[:origin]), seen,
                                                  months=months, record=float(s.loc[:origin].max()),
                                                  persistent=parts[0].persistent, month_factors=by_horizon,
                                                  bound=bounds.get(origin))
        if by_horizon is not None:
            row["calibration"] = float(np.mean([p.month_factors[key][: months.shape[0]].mean() for p in parts]))
        record.append({"model": model, **row})
        raw_paths[key], paths[key] = raw, totals
        if seen is not None:
            raw_judged[key], judged[key] = seen, seen_totals
        if key in wanted:
            rows.append({"model": model, **row})
    projections = with_targets(pd.DataFrame(rows), paths, targets)
    bt = Backtest(name, out, projections, alpha, parts[0].refit_every, paths, pd.DataFrame(record), raw_paths,
                  judged, raw_judged, s.index.max(), parts[0].half_life, persistent=parts[0].persistent,
                  year_stretch=parts[0].year_stretch, bounds=bounds)
    return with_auto(bt)


def _lognormal_sigma(frame: pd.DataFrame, z: float) -> pd.Series:
    return np.log(frame["upper"] / frame["lower"]) / (2 * z)


def _lognormal_mean(frame: pd.DataFrame, z: float) -> pd.Series:
    return frame["mean"] * np.exp(_lognormal_sigma(frame, z) ** 2 / 2)


def _lognormal_var(frame: pd.DataFrame, z: float) -> pd.Series:
    s2 = _lognormal_sigma(frame, z) ** 2
    return (np.exp(s2) - 1) * frame["mean"] ** 2 * np.exp(s2)
