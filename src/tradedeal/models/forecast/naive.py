"""The seasonal naive, the benchmark: each month is the same month a year earlier, on logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from tradedeal.models.forecast.fitted import Fitted
from tradedeal.models.forecast.variance import recent_sd


class SeasonalNaive:
    """log y(T+j) = log y(T+j−12) + e, e ~ N(0, σ²) with σ from in-sample seasonal differences."""

    @staticmethod
    def fit(s: pd.Series, *, half_life: float | str | None = None, **_) -> Fitted:
        logs = np.log(s.to_numpy())
        sigma = recent_sd(logs[12:] - logs[:-12], half_life, s.index[-1])
        return Fitted("snaive", s.index[-1], s, {"sigma": sigma, "half_life": half_life}, engine=SeasonalNaive)

    extend = staticmethod(lambda fitted, series, as_of: SeasonalNaive.fit(series.loc[:as_of],
                                                                          half_life=fitted.params["half_life"]))

    @staticmethod
    def forecast(f: Fitted, h: int, alpha: float):
        logs = np.log(f.history.to_numpy())
        j = np.arange(1, h + 1)
        years = np.ceil(j / 12).astype(int)
        point = logs[len(logs) - 12 + ((j - 1) % 12)]
        sd = f.params["sigma"] * np.sqrt(years)
        z = stats.norm.ppf(1 - alpha / 2)
        return np.exp(point), np.exp(point - z * sd), np.exp(point + z * sd)

    @staticmethod
    def simulate(f: Fitted, h: int, repetitions: int, rng: np.random.Generator) -> np.ndarray:
        logs = np.log(f.history.to_numpy()[-12:])
        paths = np.empty((h + 12, repetitions))
        paths[:12] = logs[:, None]
        shocks = rng.normal(0.0, f.params["sigma"], size=(h, repetitions))
        for j in range(h):
            paths[12 + j] = paths[j] + shocks[j]
        return np.exp(paths[12:])
