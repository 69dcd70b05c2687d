"""A t-test of one regression coefficient whose size is measured: feasible GLS with AR(1) errors,
calibrated by a parametric bootstrap under the fitted null.

With strongly autocorrelated errors (ρ near 0.75 on monthly trade) and a short segment after a
break, the textbook t-test of feasible GLS rejects a true null far too often. Here the statistic
is the same FGLS t, but its p-value and interval come from its distribution under the null:
AR(1) noise at the ρ fitted with the null imposed (bias-corrected by one round of simulation,
since ρ estimated from regression residuals is biased towards zero), on the same design. The
FGLS t is invariant to the coefficients of the design and to the scale of the errors, so that
distribution depends on ρ and the design alone.

Everything is vectorised over draws (numpy): one call fits thousands of series at once.
``docs/momentum.md`` gives the size and power measured by ``benchmarks/size.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_RHO_MAX = 0.98


def ar1_paths(rho: float, n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` stationary AR(1) paths of length ``n`` with unit innovations, as an (n, draws) array."""
    from scipy.signal import lfilter  # here: importing scipy.signal costs a scan, which never calls this

    e = rng.standard_normal((n, draws))
    e[0] /= np.sqrt(1 - rho**2)
    return lfilter([1.0], [1.0, -rho], e, axis=0)


def residual_rho(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """First-order autocorrelation of the OLS residuals of each column of ``Y`` on ``X``."""
    U = Y - X @ (np.linalg.pinv(X) @ Y)
    rho = (U[1:] * U[:-1]).sum(axis=0) / (U[:-1] ** 2).sum(axis=0)
    return np.clip(rho, -_RHO_MAX, _RHO_MAX)


def fgls_t(X: np.ndarray, Y: np.ndarray, j: int) -> tuple[np.ndarray, ...]:
    """Prais–Winsten feasible GLS of each column of ``Y`` on ``X``, ρ from the OLS residuals.

    Returns the estimate of coefficient ``j``, its standard error, ρ and the innovations'
    standard deviation, one per column.
    """
    n, k = X.shape
    rho = residual_rho(X, Y)
    x0, X1, X0 = X[0], X[1:], X[:-1]
    r = rho[:, None, None]
    # the transformed design's cross products, quadratic in rho: (draws, k, k)
    S01 = X1.T @ X0
    A = ((1 - r**2) * np.outer(x0, x0) + X1.T @ X1 - r * (S01 + S01.T) + r**2 * (X0.T @ X0))
    Y1, Y0, y0 = Y[1:], Y[:-1], Y[0]
    c = ((1 - rho**2) * x0[:, None] * y0 + X1.T @ Y1 - rho * (X1.T @ Y0 + X0.T @ Y1) + rho**2 * (X0.T @ Y0)).T
    yy = (1 - rho**2) * y0**2 + (Y1**2).sum(0) - 2 * rho * (Y1 * Y0).sum(0) + rho**2 * (Y0**2).sum(0)
    unit = np.zeros((len(rho), k, 1))
    unit[:, j, 0] = 1.0
    solved = np.linalg.solve(A, np.concatenate([c[:, :, None], unit], axis=2))
    beta, inv_j = solved[:, :, 0], solved[:, j, 1]
    ssr = yy - (c * beta).sum(axis=1)
    sigma2 = np.maximum(ssr, 0) / (n - k)
    return beta[:, j], np.sqrt(sigma2 * inv_j), rho, np.sqrt(sigma2)


def null_rho(X: np.ndarray, y: np.ndarray, j: int, *, draws: int, rng: np.random.Generator) -> tuple[float, float]:
    """ρ of the null model (column ``j`` dropped) fitted to ``y``, and the same ρ bias-corrected
    by one round of simulation (``2 ρ̂ − mean of ρ̂ on paths simulated at ρ̂``)."""
    X0 = np.delete(X, j, axis=1)
    rho = float(residual_rho(X0, y[:, None])[0])
    sims = residual_rho(X0, ar1_paths(rho, len(y), draws, rng))
    return rho, float(np.clip(2 * rho - sims.mean(), -_RHO_MAX, _RHO_MAX))


def null_t(X: np.ndarray, j: int, rho: float, *, draws: int, rng: np.random.Generator) -> np.ndarray:
    """The FGLS t of coefficient ``j`` on ``draws`` series simulated under the null at ``rho``."""
    est, se, *_ = fgls_t(X, ar1_paths(rho, X.shape[0], draws, rng), j)
    return est / se


@dataclass(frozen=True)
class CalibratedTest:
    """One coefficient's FGLS estimate with a bootstrap-calibrated p-value and interval."""

    estimate: float
    se: float
    t: float
    p_value: float  # two-sided, from the null distribution of |t|
    lower: float
    upper: float
    alpha: float
    rho: float  # of the FGLS fit
    sigma: float  # standard deviation of the AR(1) innovations of the FGLS fit
    rho_null: float  # of the null model, bias-corrected: the ρ the null was simulated at
    draws: int
    seed: int


def critical_value(t_null: np.ndarray, alpha: float) -> float:
    """The critical value of ``|t|`` by the p-value's own counting rule.

    With ``B`` draws, p = (1 + m) / (B + 1), ``m`` the number of ``|t*| >= |t|``. The test rejects
    when m <= m_max, the largest m with (1 + m) / (B + 1) < alpha, that is when ``|t|`` exceeds
    the order statistic of rank B − m_max of ``|t*|`` (ascending, from 1): the 951st of 999 at
    5 %. Infinite when no count rejects (too few draws for ``alpha``).
    """
    t_sorted = np.sort(np.abs(np.asarray(t_null, dtype=float)))
    draws = len(t_sorted)
    m_max = int(np.sum((1 + np.arange(draws + 1)) / (draws + 1) < alpha)) - 1  # same float arithmetic as p
    return float(t_sorted[draws - m_max - 1]) if m_max >= 0 else float("inf")


def calibrated_test(X: np.ndarray, y: np.ndarray, j: int, *, alpha: float = 0.05, draws: int = 999,
                    seed: int = 0) -> CalibratedTest:
    """FGLS t-test of coefficient ``j`` of ``y`` on ``X``, calibrated by a parametric bootstrap.

    The p-value is the share of ``|t*| >= |t|`` among ``draws`` series simulated under the null
    (AR(1) at the bias-corrected null ρ), with the usual +1 in numerator and denominator; the
    interval is ``estimate ± q · se`` with ``q`` from :func:`critical_value`, the same counting
    rule: a symmetric bootstrap-t interval at the ρ fitted under zero, which excludes zero
    exactly when p < alpha.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    est, se, rho, sigma = (float(v[0]) for v in fgls_t(X, y[:, None], j))
    _, rho0 = null_rho(X, y, j, draws=draws, rng=rng)
    t_null = np.abs(null_t(X, j, rho0, draws=draws, rng=rng))
    t = est / se
    p = (1 + int((t_null >= abs(t)).sum())) / (draws + 1)
    q = critical_value(t_null, alpha)
    return CalibratedTest(estimate=est, se=se, t=t, p_value=p, lower=est - q * se, upper=est + q * se, alpha=alpha,
                          rho=rho, sigma=sigma, rho_null=rho0, draws=draws, seed=seed)


def rejection_rate(X: np.ndarray, j: int, *, rho: float, effect: float = 0.0, sigma: float = 1.0, reps: int = 1000,
                   draws: int = 399, alpha: float = 0.05, seed: int = 0) -> float:
    """Share of ``reps`` series (AR(1) errors at ``rho`` with innovations of sd ``sigma``, plus
    ``effect`` times column ``j``) on which :func:`calibrated_test` rejects at ``alpha``: the
    size when ``effect`` is 0, the power otherwise. The whole test runs on each series,
    null ρ and its bias correction included."""
    X = np.asarray(X, dtype=float)
    rng = np.random.default_rng(seed)
    Y = sigma * ar1_paths(rho, X.shape[0], reps, rng) + effect * X[:, [j]]
    seeds = rng.integers(0, 2**32, reps)
    return float(np.mean([calibrated_test(X, Y[:, r], j, alpha=alpha, draws=draws, seed=int(seeds[r])).p_value < alpha
                          for r in range(reps)]))
