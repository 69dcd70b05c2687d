"""A fitted forecast model, one interface for every model
(:func:`~tradedeal.models.forecast.monthly.fit` makes it).

:class:`Fitted` forecasts and simulates in USD through its engine, which works on logs (or, with a
``bound``, on the odds of the record's bound: :mod:`~tradedeal.models.forecast.bounded`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from tradedeal.errors import ParameterError
from tradedeal.models.forecast.bounded import odds_of, off_scale


def future(as_of: pd.Period, h: int) -> pd.PeriodIndex:
    """The ``h`` months after ``as_of``, named ``month``."""
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
    #: the model's engine (:mod:`~tradedeal.models.forecast.naive`, ``statespace`` or ``ratio``):
    #: its ``forecast``, ``simulate`` and ``extend``
    engine: object = field(default=None, repr=False, compare=False)

    def forecast(self, h: int, *, alpha: float = 0.2) -> pd.DataFrame:
        """Point forecast and (1 − alpha) prediction interval, columns ``mean, lower, upper``."""
        if not 0 < alpha < 1:
            raise ParameterError(f"alpha must be between 0 and 1; got {alpha}")
        months = future(self.as_of, h)
        mean, lower, upper = (off_scale(v, self.bound) for v in self.engine.forecast(self, h, alpha))
        return pd.DataFrame({"mean": mean, "lower": lower, "upper": upper}, index=months)

    def simulate(self, h: int, *, repetitions: int = 1000, seed: int = 0) -> pd.DataFrame:
        """``repetitions`` sample paths of the next ``h`` months (rows: months), USD."""
        if repetitions < 1:
            raise ParameterError(f"repetitions must be at least 1; got {repetitions}")
        months = future(self.as_of, h)
        rng = np.random.default_rng(seed)
        paths = off_scale(self.engine.simulate(self, h, repetitions, rng), self.bound)
        return pd.DataFrame(paths, index=months)

    def extend(self, series: pd.Series, as_of: pd.Period) -> Fitted:
        """The same model and parameters, with the data up to a later ``as_of`` (no refit)."""
        if self.bound is None:
            return self.engine.extend(self, series, as_of)
        out = self.engine.extend(self, odds_of(series.loc[:as_of], self.bound), as_of)
        return replace(out, params={**out.params, "bound": self.bound})

    @property
    def bound(self) -> float | None:
        """The record's bound the model works under (the odds ``y / (bound − y)`` in place of
        ``y``; :mod:`~tradedeal.models.forecast.bounded`), or None: on logs."""
        return self.params.get("bound")
