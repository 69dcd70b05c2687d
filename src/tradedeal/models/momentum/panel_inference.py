"""Inference for the momentum panel that holds with few effective clusters: randomization.

Five covered lines carry most of the covered rise, so errors clustered by product alone are not
enough (``docs/momentum.md``). The calibrated p-value is **studentized randomization
inference**: the same PPML, on the uncovered lines only, with random sets of them labelled
covered, drawn matched on size (in each decile of pre-deal dollars, the covered lines' share of
that decile); p = (1 + #{|t*| ≥ |t|}) / (B + 1) and the interval estimate ± q · se, q by the same
counting rule (:func:`tradedeal.models.shared.calibrated.critical_value`), so it excludes zero exactly
when p < alpha. Placebo **break dates** on the pre-deal data give the placebo rank, every window
included (only rank-deficient ones cannot be estimated). Every fit is the exact group-month form
(:mod:`tradedeal.models.momentum.panel_exact`), equal to ``fepois``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.models.momentum import panel_exact
from tradedeal.models.shared.calibrated import critical_value
from tradedeal.models.momentum.panel import PARAMETERS, terms
from tradedeal.models.momentum.panel_data import IN_FORCE

DRAWS, SEED, DECILES = 199, 0, 10
FIRST_PLACEBO = pd.Period("2015-01", "M")  # 24 months after the first HS6 month (as primary.MIN_PRE)
POST = 12  # months after a placebo break, as the real fit has outside the data's end


@dataclass(frozen=True)
class Matrix:
    """The panel's outcome as lines × months (``Y``), the lines' ``covered`` flags, their pre-deal
    dollars (``size``, for matching) and the ``months``."""

    Y: np.ndarray
    covered: np.ndarray
    size: np.ndarray
    months: pd.PeriodIndex

    def columns(self, last: pd.Period) -> Matrix:
        """The months through ``last``."""
        k = int((self.months <= last).sum())
        return Matrix(self.Y[:, :k], self.covered, self.size, self.months[:k])


def placebo_sets(m: Matrix, draws: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """``draws`` boolean labels over the uncovered lines (rows of ``m`` with ``covered`` False):
    in each decile of pre-deal dollars (all lines), a random share of its uncovered lines equal to
    the covered lines' share of that decile is labelled covered."""
    rng = np.random.default_rng(seed)
    edges = np.quantile(m.size, np.linspace(0, 1, DECILES + 1)[1:-1])
    decile = np.searchsorted(edges, m.size, side="right")
    unc = ~m.covered
    out = np.zeros((draws, int(unc.sum())), dtype=bool)
    d_unc = decile[unc]
    for d in range(DECILES):
        pool = np.flatnonzero(d_unc == d)
        n_cov, n_unc = int((decile[m.covered] == d).sum()), len(pool)
        k = int(round(n_unc * n_cov / max(n_cov + n_unc, 1)))
        for b in range(draws):
            out[b, rng.choice(pool, size=k, replace=False)] = True
    return out


def t_stats(Y: np.ndarray, covered: np.ndarray, X: pd.DataFrame) -> dict:
    """Level and pace: estimate and product-clustered t."""
    r = panel_exact.fit(Y, covered, X.to_numpy())
    j = [list(X.columns).index(k) for k in PARAMETERS]
    return {**{f"{k}_estimate": r.coef[i] for k, i in zip(PARAMETERS, j)},
            **{f"{k}_t": r.coef[i] / r.se[i] for k, i in zip(PARAMETERS, j)}}


def randomization(m: Matrix, X: pd.DataFrame, *, draws: int = DRAWS, seed: int = SEED) -> pd.DataFrame:
    """The level and pace estimates and t of each placebo set (one row per draw)."""
    unc = ~m.covered
    Yu = m.Y[unc]
    return pd.DataFrame([t_stats(Yu, labels, X) for labels in placebo_sets(m, draws, seed)])


def calibrated(estimate: float, t: float, t_null: np.ndarray, alpha: float) -> dict:
    """p-value and interval of one parameter from its randomization distribution of t."""
    t_null = np.abs(np.asarray(t_null, dtype=float))
    p = (1 + int((t_null >= abs(t)).sum())) / (len(t_null) + 1)
    q = critical_value(t_null, alpha)
    se = estimate / t if t else float("nan")
    return {"p_value": p, "ci_lower": estimate - q * abs(se), "ci_upper": estimate + q * abs(se), "critical": q}


def placebo_windows(m: Matrix, shocks_offsets=(0, 1), *, first: pd.Period = FIRST_PLACEBO,
                    post: int = POST) -> pd.DataFrame:
    """Level and pace at every placebo break from ``first`` whose ``post``-month window ends before
    entry into force, on the pre-deal months, the shock dummies at the real distance from the
    break. Every window is kept; one whose design is rank-deficient cannot be estimated and is
    listed with ``estimable`` False.

    Returns ``break_month, end, estimable, level_estimate, pace_estimate, level_t, pace_t``.
    """
    rows = []
    last = IN_FORCE - 1
    for b in pd.period_range(first, last - post + 1, freq="M"):
        part = m.columns(b + post - 1)
        X = terms(part.months, b, [b + o for o in shocks_offsets])
        ok = np.linalg.matrix_rank(X.to_numpy()) == X.shape[1]
        row = {"break_month": b, "end": part.months[-1], "estimable": ok}
        if ok:
            row.update(t_stats(part.Y, part.covered, X))
        rows.append(row)
    return pd.DataFrame(rows)


def placebo_rank(placebo: pd.DataFrame, parameter: str, t: float, t_null: np.ndarray | None = None) -> tuple[int, int]:
    """Two-sided rank of the real ``t`` by ``|t|`` among itself and every estimable placebo window
    (1 = largest), and their number. Calibrated by the randomization distribution ``t_null``, the
    rank by p is the same order (p falls as |t| rises)."""
    est = placebo[placebo["estimable"]]
    return int((est[f"{parameter}_t"].abs() > abs(t)).sum()) + 1, len(est) + 1
