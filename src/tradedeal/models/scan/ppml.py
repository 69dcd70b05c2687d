"""Poisson pseudo-maximum likelihood (PPML) for many lines at once, with HAC standard errors.

PPML fits ``E[y_t] = exp(x_t' b)`` to values in USD: it is defined at months with no trade
(zero), its coefficients do not depend on the unit of ``y`` (dollars or millions), and a
coefficient on a trend reads as log growth. The estimator is statsmodels' ``GLM(y, X,
family=Poisson()).fit(cov_type="HAC", cov_kwds={"maxlags": L, "use_correction": False})``
(iteratively reweighted least squares, Newey–West/Bartlett covariance of the scores); it is
written out here so that every line of a panel is fitted in one batch of small linear solves,
which the scanner needs to fit hundreds of lines at dozens of placebo breaks.
``tests/test_scanner.py`` checks it against statsmodels on the shipped lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: IRLS stops when every line's deviance changes by less than this (relative), as statsmodels.
_TOL = 1e-8
_MAX_ITER = 100
_ETA_BOUND = 30.0  # log of (value / line mean): keeps exp() finite where a month has no trade
_RIDGE = 1e-12  # keeps X'WX invertible where a line's fitted values underflow


@dataclass(frozen=True)
class PPMLFit:
    """Coefficients and HAC covariances of the lines of one panel under one design."""

    params: np.ndarray  # lines x regressors
    cov: np.ndarray  # lines x regressors x regressors
    converged: np.ndarray  # lines, bool
    names: tuple[str, ...]

    def estimate(self, name: str) -> np.ndarray:
        return self.params[:, self.names.index(name)]

    def std_error(self, name: str) -> np.ndarray:
        """HAC standard errors; NaN where a line's variance came out negative (a near-singular fit)."""
        j = self.names.index(name)
        with np.errstate(invalid="ignore"):
            return np.sqrt(self.cov[:, j, j])


def hac_lags(n: int) -> int:
    """Newey–West's rule of thumb for the Bartlett kernel's lags: ``floor(4 (n/100)^(2/9))``."""
    return int(np.floor(4 * (n / 100) ** (2 / 9)))


def fit_ppml(values: np.ndarray, design: np.ndarray, names: tuple[str, ...], *, maxlags: int | None = None) -> PPMLFit:
    """PPML of each row of ``values`` (lines x months, USD, >= 0) on ``design`` (months x
    regressors, shared by the lines), with HAC covariance (Bartlett kernel, ``maxlags``,
    default :func:`hac_lags`)."""
    y_usd = np.asarray(values, dtype="float64")
    x = np.asarray(design, dtype="float64")
    lines, n = y_usd.shape
    k = x.shape[1]
    lags = hac_lags(n) if maxlags is None else maxlags
    scale = y_usd.mean(axis=1, keepdims=True)
    scale[scale <= 0] = 1.0
    y = y_usd / scale  # coefficients other than the constant do not depend on the unit
    mu = (y + y.mean(axis=1, keepdims=True)) / 2  # statsmodels' start
    eta = np.log(mu)
    deviance = np.full(lines, np.inf)
    converged = np.zeros(lines, dtype=bool)
    eye = _RIDGE * np.eye(k)
    outer = np.einsum("ti,tj->tij", x, x).reshape(n, k * k)  # X'WX of every line as one product
    params = np.zeros((lines, k))
    active = np.arange(lines)  # a line stops at its own convergence, as statsmodels' fit of it alone
    for _ in range(_MAX_ITER):
        y_a, mu_a = y[active], mu[active]
        working = eta[active] + (y_a - mu_a) / mu_a
        hessian = (mu_a @ outer).reshape(len(active), k, k) + eye
        step = np.linalg.solve(hessian, ((mu_a * working) @ x)[:, :, None])[:, :, 0]
        eta_a = np.clip(step @ x.T, -_ETA_BOUND, _ETA_BOUND)
        mu_a = np.exp(eta_a)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = 2 * np.sum(np.where(y_a > 0, y_a * np.log(y_a / mu_a), 0.0) - (y_a - mu_a), axis=1)
        done = np.abs(new - deviance[active]) <= _TOL * (np.abs(new) + _TOL)
        params[active], eta[active], mu[active], deviance[active] = step, eta_a, mu_a, new
        converged[active[done]] = True
        active = active[~done]
        if not len(active):
            break
    bread = np.linalg.inv((mu @ outer).reshape(lines, k, k) + eye)
    resid = y - mu
    meat = ((resid * resid) @ outer).reshape(lines, k, k)
    for lag in range(1, lags + 1):  # Bartlett weights; sum_t r_t r_{t-lag} x_t x_{t-lag}'
        lagged = np.einsum("ti,tj->tij", x[lag:], x[:-lag]).reshape(n - lag, k * k)
        cross = ((resid[:, lag:] * resid[:, :-lag]) @ lagged).reshape(lines, k, k)
        meat += (1 - lag / (lags + 1)) * (cross + cross.transpose(0, 2, 1))
    params = params.copy()
    params[:, 0] += np.log(scale[:, 0])  # the constant back in USD (first column: the constant)
    return PPMLFit(params=params, cov=bread @ meat @ bread, converged=converged, names=tuple(names))
