"""The record of a rolling-origin backtest, and how its forecasts are scored.

A :class:`Backtest` holds the monthly forecasts made at every origin and the year-total
projections, and answers the questions asked of them: monthly scores (MAE, MASE, coverage,
interval score), year-total scores per model or per target year, the Brier score of the
probability of reaching the target, and how far the bands reach. A year whose December is not in
the data is never scored as if it were complete: the year tables name it and say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.models.forecast import AUTO


@dataclass(frozen=True)
class Backtest:
    """Forecasts made at every origin, and year-total projections, for one series.

    ``forecasts``: ``model, origin, horizon, month, actual, mean, lower, upper, model_lower,
    model_upper, calibration, scale, largest_usd, chosen`` (USD). ``lower``/``upper`` are the
    model's interval stretched on logs by the real-time calibration factor (``calibration``, see
    :class:`~tradedeal.models.forecast.calibration.Calibration`); ``model_*`` are the model's own.
    ``largest_usd`` is the largest month of the 36 before the origin (to measure how far the
    bands reach; nothing is capped). ``scale`` is the in-sample mean absolute seasonal difference
    at the origin, the MASE denominator; ``chosen`` names the models an ``auto`` row combines.

    ``projections``: ``model, as_of, year, through, observed_ytd_usd, p10_usd, median_usd,
    p90_usd, observed_total_usd, calibration, largest_usd, crps_usd, at_bound_pct, target_usd,
    prob_reach_target, chosen``. The quantiles and ``crps_usd`` are those of the simulated
    totals through ``through`` (December, or the data's last month for a year the data does not
    complete, so that the projection can be judged); ``prob_reach_target`` is always the share of
    simulated *calendar-year* totals (through December) that reach the full-year target.
    ``at_bound_pct`` is the share of paths piled on the largest or smallest simulated total
    (:func:`piled_pct`). ``record`` has the same columns (but the target's) for the projections
    made at every origin before December. ``paths`` holds the simulated calendar-year totals
    behind every row of ``record``, keyed by (model, as_of), ``judged_paths`` the totals through
    ``through`` where that is before December, and ``raw_paths``/``raw_judged`` the models' own
    (uncalibrated). ``data_end`` is the series' last month; ``half_life``, ``persistent`` and ``year_stretch`` the variance it was run
    with (:func:`~tradedeal.models.forecast.rolling.run_backtest`). Projections are forecasts, not data.
    """

    name: str
    forecasts: pd.DataFrame
    projections: pd.DataFrame
    alpha: float
    refit_every: int
    paths: dict = field(default_factory=dict, repr=False, compare=False)
    record: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    raw_paths: dict = field(default_factory=dict, repr=False, compare=False)
    judged_paths: dict = field(default_factory=dict, repr=False, compare=False)
    raw_judged: dict = field(default_factory=dict, repr=False, compare=False)
    data_end: pd.Period | None = None
    half_life: float | str | None = None
    raw_months: dict = field(default_factory=dict, repr=False, compare=False)
    persistent: bool = False
    #: monthly factors that stretched the year paths, by (model, as_of), with ``year_stretch="horizon"``
    month_factors: dict = field(default_factory=dict, repr=False, compare=False)
    year_stretch: str = "remainder"
    #: the record's bound at each origin, with ``scale="bounded"`` (the fourth candidate); else empty
    bounds: dict = field(default_factory=dict, repr=False, compare=False)

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
        err = between(err[err["horizon"].isin(list(horizons))], "origin", origins)
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
        return table.sort_index()  # a fixed order: near ties would swap rows across BLAS kernels

    def unscored_years(self, frame: pd.DataFrame | None = None) -> dict[int, str]:
        """The years of ``frame`` (default: ``record``) that are not scored, with the reason: a
        year whose December is not in the data, e.g. ``{2021: "not scored: data end 2021-11"}``."""
        frame = self.record if frame is None else frame
        if frame.empty:
            return {}
        end = self.data_end
        return {int(y): f"not scored: data end {end}" if end is not None else "not scored: December not in the data"
                for y in sorted(frame["year"].unique()) if end is None or pd.Period(f"{y}-12", "M") > end}

    def complete(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows whose calendar year was observed through December, with months left at the origin."""
        unscored = self.unscored_years(frame)
        return frame[frame["observed_total_usd"].notna() & (frame["through"].dt.month == 12)
                     & (frame["through"] > frame["as_of"]) & ~frame["year"].isin(list(unscored))]

    def year_score(self, *, origins: tuple[str | None, str | None] | None = None, by: str = "model") -> pd.DataFrame:
        """How the year-total projections of ``record`` fared, per model (``by="model"``) or per
        model and target year (``by="year"``).

        Only calendar years observed through December count. Over the origins (``as_of``,
        between ``origins`` as in :meth:`score`) with months left: ``mean_abs_error_pct`` of the
        median, ``coverage_pct`` of the 10th-90th percentile interval (80 % promised), the mean
        ``crps_usd`` and ``relative_crps`` (against the seasonal naive's on the same origins), the
        mean ``calibration`` factor, the mean share of paths piled on a bound
        (``at_bound_pct``), ``n``. With ``by="year"``, a year that is not scored has a row of
        NaN and its reason in ``note`` (:meth:`unscored_years`).
        """
        if by not in ("model", "year"):
            raise ParameterError(f"by must be 'model' or 'year'; got {by!r}")
        if self.record.empty:
            raise ParameterError("no year-total projections to score")
        everything = between(self.record, "as_of", origins)
        r = self.complete(everything)
        if r.empty:
            raise ParameterError("no judged year-total projections at those origins")
        error = 100 * (r["median_usd"] / r["observed_total_usd"] - 1).abs()
        inside = (r["p10_usd"] <= r["observed_total_usd"]) & (r["observed_total_usd"] <= r["p90_usd"])
        r = r.assign(error=error, inside=100 * inside)
        keys = ["model"] if by == "model" else ["model", "year"]
        grouped = r.groupby(keys)
        table = pd.DataFrame({"mean_abs_error_pct": grouped["error"].mean(), "coverage_pct": grouped["inside"].mean(),
                              "crps_usd": grouped["crps_usd"].mean(), "calibration": grouped["calibration"].mean(),
                              "at_bound_pct": grouped["at_bound_pct"].mean(), "n": grouped.size()})
        if "snaive" in table.index.get_level_values("model"):
            naive = r[r["model"] == "snaive"].set_index("as_of")["crps_usd"]
            table["relative_crps"] = [group["crps_usd"].mean() / naive.reindex(group["as_of"]).mean()
                                      for _, group in r.groupby(keys)]
        if by == "model":
            return table.sort_index()  # a fixed order, not by score: near ties swap across BLAS kernels
        notes = self.unscored_years(everything)
        extra = pd.DataFrame([{"model": m, "year": y, "note": reason} for m in table.index.get_level_values("model")
                              .unique() for y, reason in notes.items()])
        table = table.assign(note="")
        if not extra.empty:
            table = pd.concat([table, extra.set_index(["model", "year"])])
        return table.sort_index()

    def target_score(self, *, origins: tuple[str | None, str | None] | None = None) -> pd.DataFrame:
        """The Brier score of ``prob_reach_target`` per model: the probability that the calendar
        year reaches its full-year target, judged only for years observed through December.

        Columns ``brier``, the mean probability, the share of outcomes that reached the target,
        ``n``, and ``years`` (the years scored). Raises when no year can be judged; the years left
        out are :meth:`unscored_years` of ``projections``. (No ratio to the seasonal naive's: when
        no outcome reached the target, both are near zero.)
        """
        p = self.projections
        if p.empty or "target_usd" not in p:
            raise ParameterError("no projections against a target to score")
        everything = between(p[p["target_usd"].notna()], "as_of", origins)
        p = self.complete(everything)
        if p.empty:
            skipped = "; ".join(f"{y} {why}" for y, why in self.unscored_years(everything).items())
            raise ParameterError("no projection against a target can be judged at those origins"
                                 + (f" ({skipped})" if skipped else ""))
        reached = (p["observed_total_usd"] >= p["target_usd"]).astype(float)
        grouped = p.assign(reached=reached, sq=(p["prob_reach_target"] - reached) ** 2).groupby("model")
        table = pd.DataFrame({"brier": grouped["sq"].mean(), "mean_prob": grouped["prob_reach_target"].mean(),
                              "reached_share": grouped["reached"].mean(), "n": grouped.size(),
                              "years": grouped["year"].agg(lambda y: ", ".join(str(v) for v in sorted(set(y))))})
        return table.sort_index()  # a fixed order, not by score

    def plausibility(self) -> pd.DataFrame:
        """How far the bands reach, per model and horizon, over every origin (nothing is capped:
        this measures the models).

        ``upper_ratio``, the largest 80 % upper bound over the largest month of the 36 before the
        origin; for year totals (``horizon`` = months left to December), ``remainder_ratio``, the
        largest (90th percentile − observed to date) over (that month × months left),
        ``zero_remainder``, how many 10th percentiles imply no purchase in the months left, and
        ``at_bound_pct``, the largest share of a projection's paths piled on a bound."""
        f = self.forecasts[self.forecasts["model"] != AUTO]
        monthly = (f["upper"] / f["largest_usd"]).groupby([f["model"], f["horizon"]]).max().rename("upper_ratio")
        r = self.record[self.record["model"] != AUTO]
        r = r[r["through"].dt.month == 12]
        r = r[r["through"] > r["as_of"]]
        if r.empty:
            return monthly.to_frame()
        left = (r["through"] - r["as_of"]).apply(lambda d: d.n)
        ratio = (r["p90_usd"] - r["observed_ytd_usd"]) / (r["largest_usd"] * left)
        zero = r["p10_usd"] <= r["observed_ytd_usd"]
        year = pd.DataFrame({"remainder_ratio": ratio.groupby([r["model"], left]).max(),
                             "zero_remainder": zero.groupby([r["model"], left]).sum(),
                             "at_bound_pct": r["at_bound_pct"].groupby([r["model"], left]).max()})
        year.index.names = ["model", "horizon"]
        return monthly.to_frame().join(year, how="outer")

    def chosen(self) -> pd.Series:
        """The models ``auto`` combined at each origin (joined by ``+``)."""
        auto = self.forecasts[self.forecasts["model"] == AUTO]
        return auto.groupby("origin")["chosen"].first()


def piled_pct(totals: np.ndarray) -> float:
    """The share of ``totals`` (%) piled on a bound: the paths equal to the largest or smallest
    value beyond the one each end always has. A continuous distribution gives 0; a cap shows as
    the paths it caught (before this measure, up to 54 % of a projection's paths sat on the
    remainder cap). Resampling models (``ratio``) can tie by drawing the same past error twice."""
    totals = np.asarray(totals, dtype=float)
    if totals.size < 2:
        return 0.0
    top = np.isclose(totals, totals.max(), rtol=1e-12, atol=0).sum() - 1
    bottom = np.isclose(totals, totals.min(), rtol=1e-12, atol=0).sum() - 1
    return float(100 * (top + bottom) / totals.size)


def between(frame: pd.DataFrame, column: str, origins) -> pd.DataFrame:
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


def seasonal_scale(history: pd.Series) -> float:
    """The mean absolute seasonal difference of ``history``: the MASE denominator."""
    values = history.to_numpy()
    return float(np.mean(np.abs(values[12:] - values[:-12])))


def score_table(results: dict[str, Backtest], *, horizons=range(1, 13),
                origins: tuple[str, str] | None = None) -> pd.DataFrame:
    """Scores of several backtests as one tidy frame: ``series, model, mae_usd, rmse_usd, mase,
    coverage_pct, n, relative_mae``."""
    frames = [bt.score(horizons=horizons, origins=origins).reset_index().assign(series=name)
              for name, bt in results.items()]
    out = pd.concat(frames, ignore_index=True)
    return out[["series", *[c for c in out.columns if c != "series"]]]
