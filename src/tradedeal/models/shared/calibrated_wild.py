"""The aggregate test calibrated by a wild bootstrap of its own residuals, and its size under
variance regimes.

The parametric bootstrap of :mod:`tradedeal.models.shared.calibrated` simulates the null with one
innovation variance. The residuals of the log ratio are not like that (``docs/momentum.md``: sd
about 0.06 before the 2018-07 tariffs, 0.15 over the tariff months, 0.09 after the break), and
under such regimes the parametric calibration over-rejects. The **wild** version keeps each
innovation of the null model at its own date and flips its sign at random (Rademacher), so the
simulated null carries the data's variance regimes; the AR(1) filter at the null ρ and the FGLS t
are the same.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from tradedeal.models.shared.calibrated import CalibratedTest, critical_value, fgls_t, null_rho


def null_innovations(X: np.ndarray, y: np.ndarray, j: int, rho: float) -> np.ndarray:
    """The AR(1) innovations at ``rho`` of the null model's (column ``j`` dropped) OLS residuals,
    the first scaled to the stationary variance."""
    X0 = np.delete(X, j, axis=1)
    u = y - X0 @ np.linalg.lstsq(X0, y, rcond=None)[0]
    e = np.empty_like(u)
    e[0] = u[0] * np.sqrt(1 - rho**2)
    e[1:] = u[1:] - rho * u[:-1]
    return e


def wild_null_t(X: np.ndarray, y: np.ndarray, j: int, rho: float, *, draws: int,
                rng: np.random.Generator) -> np.ndarray:
    """The FGLS t of coefficient ``j`` on ``draws`` null series built from the null model's
    innovations, each at its own date with a random sign."""
    e = null_innovations(X, y, j, rho)
    E = e[:, None] * rng.choice([-1.0, 1.0], size=(len(e), draws))
    E[0] /= np.sqrt(1 - rho**2)
    est, se, *_ = fgls_t(X, lfilter([1.0], [1.0, -rho], E, axis=0), j)
    return est / se


def wild_calibrated_test(X: np.ndarray, y: np.ndarray, j: int, *, alpha: float = 0.05, draws: int = 999,
                         seed: int = 0) -> CalibratedTest:
    """:func:`tradedeal.models.shared.calibrated.calibrated_test` with the wild null (same counting rule
    for p and the interval)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    rng = np.random.default_rng(seed)
    est, se, rho, sigma = (float(v[0]) for v in fgls_t(X, y[:, None], j))
    _, rho0 = null_rho(X, y, j, draws=draws, rng=rng)
    t_null = np.abs(wild_null_t(X, y, j, rho0, draws=draws, rng=rng))
    t = est / se
    p = (1 + int((t_null >= abs(t)).sum())) / (draws + 1)
    q = critical_value(t_null, alpha)
    return CalibratedTest(estimate=est, se=se, t=t, p_value=p, lower=est - q * se, upper=est + q * se, alpha=alpha,
                          rho=rho, sigma=sigma, rho_null=rho0, draws=draws, seed=seed)


def regime_paths(sd: np.ndarray, rho: float, reps: int, rng: np.random.Generator) -> np.ndarray:
    """``reps`` AR(1) paths at ``rho`` whose innovations have the standard deviation ``sd`` of
    their date (an (n, reps) array)."""
    e = rng.standard_normal((len(sd), reps)) * sd[:, None]
    e[0] /= np.sqrt(1 - rho**2)
    return lfilter([1.0], [1.0, -rho], e, axis=0)


def regime_size(X: np.ndarray, j: int, sd: np.ndarray, *, rho: float, reps: int = 400, draws: int = 199,
                alpha: float = 0.05, seed: int = 0) -> dict:
    """Rejection rates under the null with innovations of sd ``sd`` by date, of the parametric
    calibration and of the wild one (the whole test on each series)."""
    from tradedeal.models.shared.calibrated import calibrated_test

    rng = np.random.default_rng(seed)
    Y = regime_paths(np.asarray(sd, dtype=float), rho, reps, rng)
    seeds = rng.integers(0, 2**32, reps)
    out = {"parametric": 0, "wild": 0}
    for r in range(reps):
        out["parametric"] += calibrated_test(X, Y[:, r], j, alpha=alpha, draws=draws, seed=int(seeds[r])).p_value < alpha
        out["wild"] += wild_calibrated_test(X, Y[:, r], j, alpha=alpha, draws=draws, seed=int(seeds[r])).p_value < alpha
    return {k: v / reps for k, v in out.items()}
