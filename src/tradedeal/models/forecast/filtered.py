"""The Kalman filter's state after the last observation, carried from one origin to the next.

A rolling-origin backtest applies a state space model's estimates to one more month at every
origin. Filtering the whole longer history again (statsmodels' ``filter``) builds a model and a
results object each time; one step of the filter from the state it reached gives the same
predicted state, from the same equations, in microseconds. statsmodels' own ``extend`` does not
help here: it builds both as well, and restarts ``ExponentialSmoothing`` from its initial states.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_SYSTEM = ("transition", "design", "selection", "state_cov", "obs_cov")


@dataclass(frozen=True)
class Filtered:
    """A time-invariant linear Gaussian state space model and its filter's predicted state.

    ``state``, ``cov``: the state predicted for the month after the last observation and its
    covariance; ``coef``: the interventions' coefficients (their effect is the observation
    intercept); ``errors``: the standardised one-step errors of the observations after the
    filter's burn-in (diffuse start), oldest first; ``results``: statsmodels' results of the fit
    (None once extended).
    """

    params: pd.Series
    state: np.ndarray
    cov: np.ndarray
    transition: np.ndarray
    design: np.ndarray
    selection: np.ndarray
    state_cov: np.ndarray
    obs_cov: np.ndarray
    drift: np.ndarray
    coef: np.ndarray
    errors: np.ndarray
    concentrated: bool = False
    results: object = None

    @classmethod
    def of(cls, results, terms) -> Filtered:
        """From statsmodels' filter results, with intervention ``terms`` (events, by name)."""
        fr = results.filter_results
        system = {name: np.array(getattr(fr, name)[:, :, -1]) for name in _SYSTEM}
        params = results.params
        coef = np.array([params.get(e.name, params.get(f"beta.{e.name}")) for e in terms], dtype=float)
        burn = max(int(results.loglikelihood_burn), int(getattr(fr, "nobs_diffuse", 0)))
        errors = np.asarray(fr.standardized_forecasts_error[0][burn:], dtype=float)
        return cls(params, np.array(results.predicted_state[:, -1]), np.array(results.predicted_state_cov[:, :, -1]),
                   drift=np.array(fr.state_intercept[:, -1]), coef=coef, errors=errors[np.isfinite(errors)],
                   concentrated=bool(fr.filter_concentrated), results=results, **system)

    def step(self, log_values: np.ndarray, exog: np.ndarray) -> Filtered:
        """The state after filtering ``log_values`` (the next months, observed), whose
        interventions' dummies are the rows of ``exog``."""
        state, cov, z = self.state, self.cov, self.design[0]
        noise = self.selection @ self.state_cov @ self.selection.T
        errors = []
        for y, row in zip(log_values, exog, strict=True):
            v = y - row @ self.coef - z @ state
            f = z @ cov @ z + self.obs_cov[0, 0]
            gain = cov @ z / f
            state = self.transition @ (state + gain * v) + self.drift
            filtered = cov - np.outer(gain, z @ cov)
            cov = self.transition @ filtered @ self.transition.T + noise
            cov = (cov + cov.T) / 2  # as statsmodels' filter keeps it
            errors.append(v / np.sqrt(f))
        errors = np.concatenate([self.errors, errors])
        state_cov, obs_cov = self.state_cov, self.obs_cov
        if self.concentrated:  # the scale is the mean square of the errors: estimated anew from the longer history
            c = float(np.mean(errors**2))
            cov, state_cov, obs_cov, errors = cov * c, state_cov * c, obs_cov * c, errors / np.sqrt(c)
        return Filtered(self.params, state, cov, self.transition, self.design, self.selection, state_cov,
                        obs_cov, self.drift, self.coef, errors, self.concentrated, None)
