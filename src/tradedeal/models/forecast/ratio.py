"""The economist's rule: each month is the same month of 2017 times the ratio of the last ``k``
months to the same months of 2017, with intervals from the historical spread of the rule's errors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tradedeal.agreement.targets import BASELINE_YEAR
from tradedeal.errors import ParameterError
from tradedeal.models.forecast.fitted import Fitted
from tradedeal.models.forecast.variance import recent_weights, weighted_quantile


class Ratio:
    """y(T+j) = y2017(month of T+j) × Σ last k months / Σ same months of 2017.

    Errors: for every past origin t, e(t, j) = log y(t+j) − log rule(t, j). Intervals are their
    per-horizon quantiles; simulations draw whole error vectors of past origins (keeping the
    correlation across horizons).
    """

    @staticmethod
    def _baseline(s: pd.Series, year: int) -> np.ndarray:
        base = s[s.index.year == year]
        if len(base) != 12:
            raise ParameterError(f"model 'ratio' needs all of {year} observed (as_of from {year}-12)")
        return base.to_numpy()

    @staticmethod
    def fit(s: pd.Series, *, k: int = 3, baseline_year: int = BASELINE_YEAR, half_life: float | str | None = None,
            **_) -> Fitted:
        if not 1 <= k <= 12:
            raise ParameterError(f"k must be between 1 and 12; got {k}")
        base = Ratio._baseline(s, baseline_year)
        values = s.to_numpy()
        months = s.index.month.to_numpy() - 1
        base_m = base[months]
        rolled = pd.Series(values).rolling(k).sum().to_numpy() / pd.Series(base_m).rolling(k).sum().to_numpy()
        n, horizon = len(values), 12
        errors = np.full((n, horizon), np.nan)
        for j in range(1, horizon + 1):
            t = np.arange(k - 1, n - j)
            errors[t, j - 1] = np.log(values[t + j]) - np.log(base[months[t + j]] * rolled[t])
        ages = (n - 1 - np.arange(n))[~np.isnan(errors[:, 0])]  # months from each error's origin to the fit's
        errors = errors[~np.isnan(errors[:, 0])]
        if len(errors) < 12:
            raise ParameterError("series too short for model 'ratio': fewer than 12 past origins to judge its errors")
        return Fitted("ratio", s.index[-1], s, {"k": k, "baseline_year": baseline_year, "ratio": float(rolled[-1]),
                                                 "half_life": half_life},
                      _state={"base": base, "errors": errors, "ages": ages}, engine=Ratio)

    extend = staticmethod(lambda f, series, as_of: Ratio.fit(series.loc[:as_of], k=f.params["k"],
                                                              baseline_year=f.params["baseline_year"],
                                                              half_life=f.params["half_life"]))

    @staticmethod
    def _point(f: Fitted, h: int) -> np.ndarray:
        months = (f.as_of.month + np.arange(h)) % 12  # calendar month index (0 = Jan) of T+1..T+h
        return f._state["base"][months] * f.params["ratio"]

    @staticmethod
    def forecast(f: Fitted, h: int, alpha: float):
        point = Ratio._point(f, h)
        errors, half_life = f._state["errors"], f.params["half_life"]
        lower, upper = np.empty(h), np.empty(h)
        for j in range(h):
            col = errors[:, min(j, errors.shape[1] - 1)]
            known = ~np.isnan(col)
            if half_life is None:
                lower[j], upper[j] = np.quantile(col[known], [alpha / 2, 1 - alpha / 2])
            else:
                w = recent_weights(f._state["ages"][known], half_life, f.as_of)
                lower[j], upper[j] = (weighted_quantile(col[known], q, w) for q in (alpha / 2, 1 - alpha / 2))
        return point, point * np.exp(lower), point * np.exp(upper)

    @staticmethod
    def simulate(f: Fitted, h: int, repetitions: int, rng: np.random.Generator) -> np.ndarray:
        point = Ratio._point(f, h)
        errors = f._state["errors"][:, : min(h, 12)]
        full = ~np.isnan(errors).any(axis=1)
        complete, ages = errors[full], f._state["ages"][full]
        if len(complete) == 0:
            complete, ages = np.nan_to_num(errors), f._state["ages"]
        if f.params["half_life"] is None:
            pick = rng.integers(0, len(complete), size=repetitions)
        else:  # recent origins' errors drawn more often
            w = recent_weights(ages, f.params["half_life"], f.as_of)
            pick = rng.choice(len(complete), size=repetitions, p=w / w.sum())
        draws = complete[pick].T  # (h', reps)
        if h > draws.shape[0]:
            draws = np.vstack([draws, np.repeat(draws[-1:], h - draws.shape[0], axis=0)])
        return point[:, None] * np.exp(draws)
