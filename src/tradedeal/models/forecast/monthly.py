"""Forecast models for monthly purchases, one interface for all.

``fit(series, model, as_of=...)`` returns a :class:`Fitted` whose ``forecast(h)`` gives the
columns ``mean, lower, upper`` (USD) and ``simulate(h, repetitions, seed)`` sample paths.
Models (all but ``ratio`` through statsmodels, all on logs), each an engine of its own module:

- ``snaive``: seasonal naive, each month = the same month a year earlier (the benchmark;
  :mod:`~tradedeal.models.forecast.naive`);
- ``ets``, ``sarimax``, ``uc``: the state space models (:mod:`~tradedeal.models.forecast.statespace`);
- ``ets``: exponential smoothing, damped additive trend, additive seasonality;
  with ``ets_trend="none"`` (a candidate, off by default; docs/forecasts.md, third round), level
  and seasonality only;
- ``sarimax``: airline model (0,1,1)(0,1,1)12 with intervention terms for the 2018 tariffs and
  the 2020 shock and recovery;
- ``uc``: unobserved components, local linear trend + seasonal, same interventions;
- ``ratio``: the economist's rule, each month = the same month of 2017 × the ratio of the last
  ``k`` months to the same months of 2017, with intervals from the historical spread of that
  rule's errors (:mod:`~tradedeal.models.forecast.ratio`).

Interventions are real time (``events="realtime"``, the default): a model fitted with data up to
``as_of`` knows only what was known then (:func:`~tradedeal.models.shared.events.events`). An event
is dated by the month it began (:data:`~tradedeal.models.shared.events.EVENTS`, public on the day)
and enters a model once three months of it have been observed. The end of the 2020 shock is never
assumed: while the data has not shown it, the shock is open and the forecast carries it on; it ends
at the first month whose change on a year earlier is back at the median of the twelve months before
the shock, and a recovery term starts there once three months of the recovery are observed.
``events="ex_post"`` uses the dates known afterwards
(:data:`~tradedeal.models.shared.events.EX_POST`, the shock over in 2020-04, the recovery from
2020-05): an ex-post analysis, never a real-time forecast.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from tradedeal.agreement.targets import BASELINE_YEAR
from tradedeal.errors import ParameterError
from tradedeal.models.forecast import MODELS
from tradedeal.models.forecast.bounded import odds_of
from tradedeal.models.forecast.fitted import Fitted
from tradedeal.models.forecast.naive import SeasonalNaive
from tradedeal.models.forecast.ratio import Ratio
from tradedeal.models.forecast.statespace import StateSpace
from tradedeal.models.forecast.variance import HALF_LIFE
from tradedeal.models.shared.events import EVENT_RULES
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


_ENGINES = {
    "snaive": SeasonalNaive,
    "ets": StateSpace("ets", uses_exog=False),
    "sarimax": StateSpace("sarimax", uses_exog=True),
    "uc": StateSpace("uc", uses_exog=True),
    "ratio": Ratio,
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
    out = _ENGINES[model].fit(odds_of(s, bound), k=k, baseline_year=baseline_year, events=events, start=start,
                              half_life=half_life, ets_trend=ets_trend, bound=bound)
    return replace(out, params={**out.params, "bound": bound})
