"""Forecast models for monthly purchases, one interface for all.

``fit(series, model, as_of=...)`` returns a :class:`Fitted` whose ``forecast(h)`` gives the
columns ``mean, lower, upper`` (USD) and ``simulate(h, repetitions, seed)`` sample paths.
Models (all but ``ratio`` through statsmodels, all on logs):

- ``snaive``: seasonal naive, each month = the same month a year earlier (the benchmark);
- ``ets``: exponential smoothing, damped additive trend, additive seasonality (state space);
  with ``ets_trend="none"`` (a candidate, off by default; docs/forecasts.md, third round), level
  and seasonality only;
- ``sarimax``: airline model (0,1,1)(0,1,1)12 with intervention terms for the 2018 tariffs and
  the 2020 shock and recovery;
- ``uc``: unobserved components, local linear trend + seasonal, same interventions;
- ``ratio``: the economist's rule, each month = the same month of 2017 × the ratio of the last
  ``k`` months to the same months of 2017, with intervals from the historical spread of that
  rule's errors.

Interventions are real time (``events="realtime"``, the default): a model fitted with data up to
``as_of`` knows only what was known then (:func:`events`). An event is dated by the month it
began (:data:`~tradedeal.models.shared.events.EVENTS`, public on the day) and enters a model once three months of it have been
observed. The end of the 2020 shock is never assumed: while the data has not shown it, the shock
is open and the forecast carries it on; it ends at the first month whose change on a year
earlier is back at the median of the twelve months before the shock, and a recovery term starts
there once three months of the recovery are observed. ``events="ex_post"`` uses the dates known
afterwards (:data:`EX_POST`, the shock over in 2020-04, the recovery from 2020-05): an ex-post
analysis, never a real-time forecast.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX
from statsmodels.tsa.statespace.structural import UnobservedComponents

from tradedeal.agreement.targets import BASELINE_YEAR
from tradedeal.errors import ParameterError
from tradedeal.models.forecast import MODELS
from tradedeal.models.forecast.bounded import from_odds, to_odds
from tradedeal.models.forecast.filtered import Filtered
from tradedeal.models.forecast.variance import HALF_LIFE, recent_scale, recent_sd, recent_weights, weighted_quantile
from tradedeal.models.shared.events import EVENT_RULES, Event, events, interventions
from tradedeal.models.shared.finite import finite

#: ``ets``'s trend: damped (the default) or none (a candidate; docs/forecasts.md, third round).
ETS_TRENDS = ("damped", "none")
MIN_MONTHS = {"snaive": 24, "ets": 36, "sarimax": 36, "uc": 36, "ratio": 24}
def _check_series(series: pd.Series, model: str, as_of: pd.Period | None) -> pd.Series:
    if model not in MODELS:
        raise ParameterError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    if not isinstance(series.index, pd.PeriodIndex):
        raise ParameterError("series must have a monthly PeriodIndex")
    s = series.dropna().astype("float64")
    finite(str(series.name or "series"), series=s)  # an infinite month is no figure to forecast from
    if as_of is not None:
        if as_of < s.index.min() or as_of > s.index.max():
            raise ParameterError(f"as_of {as_of} is outside the data ({s.index.min()} to {s.index.max()})")
        s = s.loc[:as_of]
    expected = pd.period_range(s.index.min(), s.index.max(), freq="M")
    if len(expected) != len(s):
        raise ParameterError("series has missing months; forecasts need an unbroken history")
    if len(s) < MIN_MONTHS[model]:
        raise ParameterError(f"series too short for model {model!r}: {len(s)} months, needs {MIN_MONTHS[model]}")
    if (s <= 0).any():
        raise ParameterError("series must be positive (models work on logs)")
    return s


def _odds_of(s: pd.Series, bound: float) -> pd.Series:
    """``s`` as odds of ``bound`` (:func:`~tradedeal.models.forecast.bounded.to_odds`); every month
    must be below it."""
    if not np.isfinite(bound) or (s >= bound).any():
        raise ParameterError(f"bound must be above every month of the series; got {bound:,.0f}, largest {s.max():,.0f}")
    return to_odds(s, bound)


def _future(as_of: pd.Period, h: int) -> pd.PeriodIndex:
    if h < 1:
        raise ParameterError(f"horizon must be at least 1; got {h}")
    return pd.period_range(as_of + 1, periods=h, freq="M", name="month")


@dataclass(frozen=True)
class Fitted:
    """A model fitted on data up to ``as_of``: forecasts and simulated paths in USD."""

    model: str
    as_of: pd.Period
    history: pd.Series
    params: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    _state: object = field(default=None, repr=False, compare=False)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)  # forecast moments by horizon

    def forecast(self, h: int, *, alpha: float = 0.2) -> pd.DataFrame:
        """Point forecast and (1 − alpha) prediction interval, columns ``mean, lower, upper``."""
        if not 0 < alpha < 1:
            raise ParameterError(f"alpha must be between 0 and 1; got {alpha}")
        months = _future(self.as_of, h)
        mean, lower, upper = _ENGINES[self.model].forecast(self, h, alpha)
        if self.bound is not None:
            mean, lower, upper = (from_odds(v, self.bound) for v in (mean, lower, upper))
        return pd.DataFrame({"mean": mean, "lower": lower, "upper": upper}, index=months)

    def simulate(self, h: int, *, repetitions: int = 1000, seed: int = 0) -> pd.DataFrame:
        """``repetitions`` sample paths of the next ``h`` months (rows: months), USD."""
        if repetitions < 1:
            raise ParameterError(f"repetitions must be at least 1; got {repetitions}")
        months = _future(self.as_of, h)
        rng = np.random.default_rng(seed)
        paths = _ENGINES[self.model].simulate(self, h, repetitions, rng)
        if self.bound is not None:
            paths = from_odds(paths, self.bound)
        return pd.DataFrame(paths, index=months)

    def extend(self, series: pd.Series, as_of: pd.Period) -> Fitted:
        """The same model and parameters, with the data up to a later ``as_of`` (no refit)."""
        if self.bound is None:
            return _ENGINES[self.model].extend(self, series, as_of)
        out = _ENGINES[self.model].extend(self, _odds_of(series.loc[:as_of], self.bound), as_of)
        return replace(out, params={**out.params, "bound": self.bound})

    @property
    def bound(self) -> float | None:
        """The record's bound the model works under (the odds ``y / (bound − y)`` in place of
        ``y``; :mod:`~tradedeal.models.forecast.bounded`), or None: on logs."""
        return self.params.get("bound")


# --- seasonal naive ---------------------------------------------------------------------------


class _SeasonalNaive:
    """log y(T+j) = log y(T+j−12) + e, e ~ N(0, σ²) with σ from in-sample seasonal differences."""

    @staticmethod
    def fit(s: pd.Series, *, half_life: float | str | None = None, **_) -> Fitted:
        logs = np.log(s.to_numpy())
        sigma = recent_sd(logs[12:] - logs[:-12], half_life, s.index[-1])
        return Fitted("snaive", s.index[-1], s, {"sigma": sigma, "half_life": half_life})

    extend = staticmethod(lambda fitted, series, as_of: _SeasonalNaive.fit(series.loc[:as_of],
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


# --- state space models -----------------------------------------------------------------------


def _endog(s: pd.Series) -> pd.Series:
    out = pd.Series(np.log(s.to_numpy()), index=s.index.to_timestamp(), name="log_usd")
    out.index.freq = "MS"
    return out


class _StateSpace:
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
        model = self._model(_endog(s), exog, ets_trend)
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
        return Fitted(self.name, as_of, s, params, notes, Filtered.of(results, terms))

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
                intercept = interventions(_future(f.as_of, h), terms).to_numpy() @ k.coef
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


# --- the baseline-ratio rule ------------------------------------------------------------------


class _Ratio:
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
        base = _Ratio._baseline(s, baseline_year)
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
                      _state={"base": base, "errors": errors, "ages": ages})

    extend = staticmethod(lambda f, series, as_of: _Ratio.fit(series.loc[:as_of], k=f.params["k"],
                                                               baseline_year=f.params["baseline_year"],
                                                               half_life=f.params["half_life"]))

    @staticmethod
    def _point(f: Fitted, h: int) -> np.ndarray:
        months = (f.as_of.month + np.arange(h)) % 12  # calendar month index (0 = Jan) of T+1..T+h
        return f._state["base"][months] * f.params["ratio"]

    @staticmethod
    def forecast(f: Fitted, h: int, alpha: float):
        point = _Ratio._point(f, h)
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
        point = _Ratio._point(f, h)
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


_ENGINES = {
    "snaive": _SeasonalNaive,
    "ets": _StateSpace("ets", uses_exog=False),
    "sarimax": _StateSpace("sarimax", uses_exog=True),
    "uc": _StateSpace("uc", uses_exog=True),
    "ratio": _Ratio,
}


def fit(series: pd.Series, model: str, *, as_of: str | pd.Period | None = None, k: int = 3,
        baseline_year: int = BASELINE_YEAR, events: str = "realtime", start: Fitted | None = None,
        half_life: float | str | None = HALF_LIFE, ets_trend: str = "damped", bound: float | None = None) -> Fitted:
    """Fit ``model`` on ``series`` (USD, month PeriodIndex) up to ``as_of`` (default: its end).

    ``events`` is the intervention rule (:func:`events`): ``"realtime"``, or ``"ex_post"`` for an
    analysis with the dates known afterwards. ``start``: an earlier fit of the same model whose
    estimates start the optimiser (state space models, when the terms are the same).
    ``ets_trend``: ``"damped"`` (the default) or ``"none"``, ``ets``'s trend (a candidate, off by
    default; docs/forecasts.md, third round). ``bound``: work on the odds ``y / (bound − y)`` in
    place of ``y`` (:mod:`~tradedeal.models.forecast.bounded`; a candidate, off by default;
    docs/forecasts.md, fourth round), every forecast and path below ``bound``.

    Raises :class:`~tradedeal.errors.ParameterError` (a ``ValueError``) naming the parameter:
    unknown model or rule, ``as_of`` outside the data, a series too short for the model.
    """
    if events not in EVENT_RULES:
        raise ParameterError(f"events must be one of {', '.join(EVENT_RULES)}; got {events!r}")
    if ets_trend not in ETS_TRENDS:
        raise ParameterError(f"ets_trend must be one of {', '.join(ETS_TRENDS)}; got {ets_trend!r}")
    month = None if as_of is None else pd.Period(as_of, "M")
    s = _check_series(series, model, month)
    if bound is None:
        return _ENGINES[model].fit(s, k=k, baseline_year=baseline_year, events=events, start=start,
                                   half_life=half_life, ets_trend=ets_trend)
    out = _ENGINES[model].fit(_odds_of(s, bound), k=k, baseline_year=baseline_year, events=events, start=start,
                              half_life=half_life, ets_trend=ets_trend, bound=bound)
    return replace(out, params={**out.params, "bound": bound})
