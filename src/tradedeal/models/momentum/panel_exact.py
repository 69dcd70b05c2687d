"""Poisson PML with product and month fixed effects when every other regressor is group × month.

In the momentum panel every regressor besides the fixed effects is ``covered × f(month)``. The
product fixed effects then concentrate out in closed form (``exp(a_i) = y_i. / Σ_t exp(g_t +
C_i x_t'β)``), and what is left of the log-likelihood is ``Σ_c Σ_t Y_ct log π_ct``, the
group × month totals ``Y_ct`` against group shares ``π_ct``: the PPML estimate of ``β`` on the
N × T panel **equals** the Poisson regression of the 2 × T group-month totals on a group effect,
month effects and ``covered × x_t``. That regression is statsmodels' GLM on 2T rows. The errors
clustered by product are the sandwich of the product-level scores ``Σ_t z_it (y_it − μ_it)``
(the product effects profiled out), with pyfixest's small-sample factor ``G/(G−1) ·
(n−1)/(n−k)``. Tests check both against pyfixest's ``fepois`` and statsmodels' GLM with
dummies; it is thousands of times faster, which is what randomization inference and the size
study need.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

from tradedeal.errors import ParameterError


@dataclass(frozen=True)
class ExactFit:
    """``coef`` and product-clustered ``se`` of the group × month regressors (in ``X``'s column
    order), the product ``scores`` kept out; ``n_clusters`` lines with exports."""

    coef: np.ndarray
    se: np.ndarray
    vcov: np.ndarray
    n_clusters: int
    n_obs: int
    mu: np.ndarray | None = None  # fitted means of the lines kept (``keep``), with ``fitted=True``
    keep: np.ndarray | None = None


@threadpool_limits.wrap(limits=1)  # small dense algebra: BLAS threads only contend
def fit(Y: np.ndarray, covered: np.ndarray, X: np.ndarray, *, fitted: bool = False) -> ExactFit:
    """PPML of the N × T matrix ``Y`` on product and month fixed effects and ``covered × X``
    (``X`` T × K, functions of the month), errors clustered by product.

    Lines with no exports in the sample carry no information and are dropped (as ``fepois``'s
    separation rule does)."""
    Y = np.asarray(Y, dtype=float)
    covered = np.asarray(covered, dtype=bool)
    keep = Y.sum(axis=1) > 0
    Y, covered = Y[keep], covered[keep]
    X = np.asarray(X, dtype=float)
    n, T = Y.shape
    K = X.shape[1]
    if covered.all() or not covered.any():
        raise ParameterError("the panel needs covered and control lines with exports")
    totals = np.vstack([Y[~covered].sum(axis=0), Y[covered].sum(axis=0)])  # 2 × T
    months = np.eye(T)
    design = np.vstack([np.hstack([np.zeros((T, 1)), months, np.zeros((T, K))]),
                        np.hstack([np.ones((T, 1)), months, X])])
    # PPML is scale-equivariant: totals in units of their mean keep the deviance, and so the
    # convergence rule, on a sensible scale
    glm = sm.GLM(totals.ravel() / totals.mean(), design, family=sm.families.Poisson())
    result = glm.fit(tol=1e-13, maxiter=100)
    params = result.params
    g, beta = params[1:T + 1], params[T + 1:]
    # group shares over months, and each line's fitted mean (its product effect concentrated out)
    eta = np.vstack([g, g + X @ beta])
    share = np.exp(eta - eta.max(axis=1, keepdims=True))
    share /= share.sum(axis=1, keepdims=True)
    mu = Y.sum(axis=1, keepdims=True) * share[covered.astype(int)]
    resid = Y - mu
    # scores: month effects (the first dropped: the product effects absorb a constant) and beta
    scores = np.hstack([resid[:, 1:], covered[:, None] * (resid @ X)])
    Z = [np.hstack([months[:, 1:], c * X]) for c in (0.0, 1.0)]
    weight = [Y[~covered].sum(), Y[covered].sum()]
    H = np.zeros((T - 1 + K, T - 1 + K))
    for c in (0, 1):
        zbar = share[c] @ Z[c]
        d = Z[c] - zbar
        H += weight[c] * (d * share[c][:, None]).T @ d
    Hinv = np.linalg.pinv(H)
    k = T + K  # as fepois counts them: month effects, beta and the constant (product effects nest in the clusters)
    nobs = n * T
    factor = n / (n - 1) * (nobs - 1) / (nobs - k)
    V = factor * Hinv @ (scores.T @ scores) @ Hinv
    Vb = V[T - 1:, T - 1:]
    return ExactFit(beta, np.sqrt(np.diag(Vb)), Vb, n, nobs, mu if fitted else None, keep if fitted else None)
