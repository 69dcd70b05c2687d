"""The state space models, one engine for three: ``ets`` (damped additive trend and additive
seasonality, or no trend), ``sarimax`` (the airline model with intervention terms) and ``uc``
(local linear trend and seasonal, the same interventions), all on logs through statsmodels.

Each is estimated once and then ``apply``-ed to more data, one Kalman filter step per new month
(:mod:`~tradedeal.models.forecast.filtered`). The interventions are those of
:func:`tradedeal.models.shared.events.events`, dated on the USD series.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.structural import UnobservedComponents

from tradedeal.models.forecast.bounded import from_odds
from tradedeal.models.forecast.filtered import Filtered
from tradedeal.models.forecast.fitted import Fitted, future
from tradedeal.models.forecast.variance import recent_scale
from tradedeal.models.shared.events import Event, events, interventions


def endog(s: pd.Series) -> pd.Series:
    """``s`` on logs, the models' ``endog`` (a monthly DatetimeIndex, as statsmodels wants it)."""
    out = pd.Series(np.log(s.to_numpy()), index=s.index.to_timestamp(), name="log_usd")
    out.index.freq = "MS"
    return out


class StateSpace:
    """ETS, SARIMAX and UC share this engine: fit once, then ``apply`` the parameters to more data."""

    def __init__(self, name: str, uses_exog: bool):
        self.name = name
        self.uses_exog = uses_exog

    def _model(self, endog: pd.Series, exog: pd.DataFrame | None, ets_trend: str = "damped"):
        if self.name == "ets":
            damped = ets_trend == "damped"
            return ExponentialSmoothing(endog, trend=damped, damped_trend=damped, seasonal=12)
        if self.name == "sarimax":
            return SARIMAX(endog, exog=exog, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))
        return UnobservedComponents(endog, level="local linear trend", seasonal=12, exog=exog)

    def _exog(self, index: pd.PeriodIndex, terms: tuple[Event, ...]) -> pd.DataFrame | None:
        if not terms:
            return None
        exog = interventions(index, terms)
        exog.index = index.to_timestamp()
        return exog

    def _terms(self, s: pd.Series, rule: str, bound: float | None = None) -> tuple[Event, ...]:
        """The interventions, dated on the USD series (``s`` holds odds of ``bound`` when given)."""
        if not self.uses_exog:
            return ()
        return events(s if bound is None else from_odds(s, bound), rule=rule)

    def fit(self, s: pd.Series, *, events: str = "realtime", start: Fitted | None = None,
            half_life: float | str | None = None, ets_trend: str = "damped", bound: float | None = None,
            **_) -> Fitted:
        as_of = s.index[-1]
        terms = self._terms(s, events, bound)
        exog = self._exog(s.index, terms)
        model = self._model(endog(s), exog, ets_trend)
        start_params = None  # a refit starts from the previous estimates when they fit the same terms
        if start is not None and start.model == self.name and list(start.params["params"]) == list(model.param_names):
            start_params = np.array(list(start.params["params"].values()))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            estimates = model.fit(start_params=start_params, disp=False, maxiter=200, return_params=True)
            # the filter is all a forecast needs: no smoother, no covariance of the estimates
            results = model.filter(estimates, cov_type="none")
        notes = tuple(sorted({f"{w.category.__name__}: {w.message}" for w in caught}))
        params = {"params": results.params.to_dict(), "interventions": terms, "events": events,
                  "half_life": half_life, "ets_trend": ets_trend}
        return Fitted(self.name, as_of, s, params, notes, Filtered.of(results, terms), engine=self)

    def extend(self, f: Fitted, series: pd.Series, as_of: pd.Period) -> Fitted:
        """The fit's estimates applied to the months after its ``as_of``: one Kalman filter step
        per new month from the state the filter reached (what filtering the whole longer history
        with the same estimates gives), or a refit when an event began, ended or became
        estimable."""
        s = series.loc[:as_of]
        terms = self._terms(s, f.params["events"], f.bound)
        if terms != f.params["interventions"]:
            return self.fit(s, events=f.params["events"], start=f, half_life=f.params["half_life"],
                            ets_trend=f.params["ets_trend"], bound=f.bound)
        new = s.loc[f.as_of + 1:]
        exog = interventions(new.index, terms).to_numpy() if terms else np.zeros((len(new), 0))
        return replace(f, as_of=as_of, history=s, _state=f._state.step(np.log(new.to_numpy()), exog), _memo={})

    def moments(self, f: Fitted, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of log purchases over the next ``h`` months (memoised per fit).

        The Kalman filter's forecast recursions from the state predicted after the last
        observation, with the interventions' effects in the observation intercept: what
        ``get_forecast`` computes, without building a model for every call.
        """
        if h not in f._memo:
            k = f._state
            intercept = np.zeros(h)
            terms = f.params["interventions"]
            if terms:
                intercept = interventions(future(f.as_of, h), terms).to_numpy() @ k.coef
            state, cov, design = k.state, k.cov, k.design[0]
            noise = k.selection @ k.state_cov @ k.selection.T
            mean, var = np.empty(h), np.empty(h)
            for j in range(h):
                mean[j] = intercept[j] + design @ state
                var[j] = design @ cov @ design + k.obs_cov[0, 0]
                state = k.transition @ state + k.drift
                cov = k.transition @ cov @ k.transition.T + noise
            f._memo[h] = (mean, var * recent_scale(k.errors, f.params["half_life"], f.as_of) ** 2)
        return f._memo[h]

    def forecast(self, f: Fitted, h: int, alpha: float):
        mean, var = self.moments(f, h)
        half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(var)
        return np.exp(mean), np.exp(mean - half), np.exp(mean + half)

    def simulate(self, f: Fitted, h: int, repetitions: int, rng: np.random.Generator) -> np.ndarray:
        """Paths of the next ``h`` months: the forecast mean plus simulated deviations.

        The same draws as statsmodels' ``simulate(anchor="end")`` (the state after the last
        observation drawn from its predicted distribution, then state and measurement shocks),
        vectorised over the repetitions: statsmodels loops over them in Python, 25 times slower.
        The models are linear and Gaussian and their system matrices do not change with time,
        so the deviations from the mean do not depend on the interventions.
        """
        kf = f._state
        mean = self.moments(f, h)[0]
        scale = recent_scale(kf.errors, f.params["half_life"], f.as_of)
        k = kf.transition.shape[0]
        state = rng.multivariate_normal(np.zeros(k), kf.cov, size=repetitions, check_valid="ignore", method="eigh")
        shocks = rng.multivariate_normal(np.zeros(kf.state_cov.shape[0]), kf.state_cov, size=(h, repetitions),
                                         check_valid="ignore", method="eigh")
        noise = rng.normal(0.0, np.sqrt(max(kf.obs_cov[0, 0], 0.0)), size=(h, repetitions))
        paths = np.empty((h, repetitions))
        for j in range(h):
            paths[j] = mean[j] + scale * (state @ kf.design[0] + noise[j])
            state = state @ kf.transition.T + shocks[j] @ kf.selection.T
        return np.exp(paths)
