"""Level and pace at product level: Poisson PML with product and month fixed effects.

The design of ``docs/momentum.md`` ("The question, restated"), fixed before any estimate: on the
balanced HS6 × month panel (:mod:`tradedeal.models.momentum.panel_data`), with product and month fixed
effects, the covered side gets the aggregate design's terms (a linear trend, eleven calendar-month
effects, the 2018-07 tariff step, one dummy per 2020 shock month) and the two parameters of
interest: ``level`` (covered × post) and ``pace`` (covered × post × months since the break). The
event study replaces level and pace (and the trend and tariff step) by covered × quarter relative
to the break, the four quarters of the last pre-deal year the reference.

Weights: ``dollar`` (PPML on dollars: the covered dollar) or ``product`` (PPML on each line's
dollars over its pre-deal mean: about equal weight per line, zeros kept, the same estimator).
The estimator is pyfixest's ``fepois``, errors clustered by product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.models.momentum import panel_exact
from tradedeal.models.momentum.panel_data import IN_FORCE, Panel

WEIGHTS = ("dollar", "product")
PARAMETERS = ("level", "pace")
TARIFF_MONTH = pd.Period("2018-07", "M")  # as primary.TARIFF_MONTH (forecast.EVENTS)
REFERENCE_QUARTERS = (-4, -3, -2, -1)  # the last pre-deal year, 2019-02..2020-01
PRETREND_QUARTERS = (-6, -5)  # 2018-08..2019-01: after the tariff step, before the reference year
ALPHA = 0.05
Z95 = 1.959963984540054


def matrix(p: Panel, weights: str) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """The outcome as an N × T matrix (lines × months), the lines' ``covered`` flags and their
    codes: dollars, or dollars over each line's pre-deal mean (lines with no pre-deal exports
    left out)."""
    if weights not in WEIGHTS:
        raise ParameterError(f"weights must be one of {', '.join(WEIGHTS)}; got {weights!r}")
    f = p.frame
    months, codes = p.months, pd.Index(f["hs6"].drop_duplicates())
    if len(f) == len(codes) * len(months) and codes.is_monotonic_increasing and (
            f["month"].iloc[: len(months)].to_numpy() == months.to_numpy()).all():  # slice, then box
        # balanced and sorted by line, then month (as :func:`panel_data.panel` builds it): a reshape
        wide = pd.DataFrame(f["value_usd"].to_numpy(dtype=float).reshape(len(codes), len(months)), index=codes,
                            columns=months)
    else:
        wide = f.pivot(index="hs6", columns="month", values="value_usd")
    lines = p.lines().reindex(wide.index)
    if weights == "product":
        keep = lines["pre_mean_usd"] > 0
        wide = wide[keep].div(lines.loc[keep, "pre_mean_usd"], axis=0)
        lines = lines[keep]
    return wide.to_numpy(dtype=float), lines["covered"].to_numpy(dtype=bool), wide.index


def terms(months: pd.PeriodIndex, break_month: pd.Period, shocks=(), *, event_study: bool = False) -> pd.DataFrame:
    """The covered side's regressors as functions of the month (one row per month of ``months``;
    in the model each is multiplied by ``covered``): eleven calendar-month effects, one dummy per
    shock month, and a trend, the tariff step, ``level`` and ``pace`` (or, for the event study,
    one dummy per quarter relative to the break outside :data:`REFERENCE_QUARTERS`)."""
    months = pd.PeriodIndex(months, freq="M")
    first = months[0]
    t = np.arange(len(months), dtype=float)
    out = {f"c_m{m}": (months.month == m).astype(float) for m in range(2, 13)}
    for s in shocks:
        out[f"c_shock_{s.year}_{s.month:02d}"] = (months == s).astype(float)
    k0 = float((break_month - first).n)
    if event_study:
        q = quarters(months, break_month).to_numpy()
        for k in sorted(set(q)):
            if k not in REFERENCE_QUARTERS:
                out[f"c_q{'m' if k < 0 else 'p'}{abs(k)}"] = (q == k).astype(float)
    else:
        out["c_trend"] = t
        if first < TARIFF_MONTH <= months[-1]:
            out["c_tariff"] = (months >= TARIFF_MONTH).astype(float)
        post = (months >= break_month).astype(float)
        out["level"] = post
        out["pace"] = post * (t - k0)
    return pd.DataFrame(out, index=months)


def quarters(months: pd.PeriodIndex, break_month: pd.Period) -> pd.Series:
    """The quarter of each month relative to ``break_month`` (0 = the break and the two months
    after it); a first quarter of fewer than three months joins the next."""
    k = np.array([(m - break_month).n for m in months])
    q = np.floor(k / 3).astype(int)
    if (q == q.min()).sum() < 3:
        q[q == q.min()] = q.min() + 1
    return pd.Series(q, index=months, name="quarter")


@dataclass(frozen=True)
class Estimates:
    """Coefficients (``table``: ``estimate, se`` by regressor), their product-clustered ``vcov``,
    the lines with exports and the line-months."""

    table: pd.DataFrame
    vcov: pd.DataFrame
    n_lines: int
    n_obs: int


def estimate(p: Panel, X: pd.DataFrame, *, weights: str = "dollar", engine: str = "exact") -> Estimates:
    """PPML of ``p``'s outcome on product and month fixed effects and ``covered × X`` (``X`` from
    :func:`terms`), errors clustered by product. ``engine`` ``exact`` is :mod:`tradedeal.models.momentum.panel_exact`
    (the group-month form, equal to fepois); ``pyfixest`` runs ``fepois`` on the long panel."""
    if engine == "exact":
        Y, covered, _ = matrix(p, weights)
        r = panel_exact.fit(Y, covered, X.reindex(p.months).to_numpy())
        return Estimates(pd.DataFrame({"estimate": r.coef, "se": r.se}, index=X.columns),
                         pd.DataFrame(r.vcov, index=X.columns, columns=X.columns), r.n_clusters, r.n_obs)
    if engine != "pyfixest":
        raise ParameterError(f"engine must be exact or pyfixest; got {engine!r}")
    import pyfixest as pf

    Y, covered, codes = matrix(p, weights)
    months = p.months
    long = pd.DataFrame({"y": Y.ravel(), "hs6": np.repeat(codes.to_numpy(), len(months)),
                         "month": np.tile(months.astype(str), len(codes))})
    cov = np.repeat(covered.astype(float), len(months))
    for name in X.columns:
        long[name] = cov * np.tile(X[name].reindex(months).to_numpy(), len(codes))
    model = pf.fepois("y ~ " + " + ".join(X.columns) + " | hs6 + month", data=long, vcov={"CRV1": "hs6"},
                      iwls_tol=1e-10)
    coef, se = model.coef(), model.se()
    return Estimates(pd.DataFrame({"estimate": coef.reindex(X.columns), "se": se.reindex(X.columns)}),
                     pd.DataFrame(np.asarray(model._vcov), index=coef.index, columns=coef.index),
                     int(long.loc[long["y"] > 0, "hs6"].nunique()), int(model._N))


@dataclass(frozen=True)
class PanelFit:
    """Level and pace of one panel fit, product-clustered; ``n_lines`` lines with exports in the
    sample, ``n_obs`` line-months."""

    weights: str
    break_month: pd.Period
    estimate: dict
    se: dict
    n_lines: int
    n_obs: int
    start: pd.Period
    end: pd.Period
    shocks: tuple

    def t(self, parameter: str) -> float:
        return self.estimate[parameter] / self.se[parameter]


def fit(p: Panel, *, weights: str = "dollar", break_month=IN_FORCE, shocks=(), engine: str = "exact") -> PanelFit:
    """The level-and-pace PPML on ``p`` (see the module docstring); ``shocks`` the months with their
    own covered dummy (the primary's real-time shock months)."""
    break_month = pd.Period(break_month, "M")
    months = p.months
    if not months[0] + 12 <= break_month <= months[-1]:
        raise DataNotAvailableError(f"break {break_month} needs 12 months before it and one after in the panel "
                                    f"({months[0]} to {months[-1]})")
    shocks = tuple(s for s in shocks if months[0] <= s <= months[-1])
    r = estimate(p, terms(months, break_month, shocks), weights=weights, engine=engine)
    return PanelFit(weights, break_month, {k: float(r.table.loc[k, "estimate"]) for k in PARAMETERS},
                    {k: float(r.table.loc[k, "se"]) for k in PARAMETERS}, r.n_lines, r.n_obs,
                    months[0], months[-1], shocks)


def event_study(p: Panel, *, weights: str = "dollar", break_month=IN_FORCE, shocks=(),
                engine: str = "exact") -> pd.DataFrame:
    """Covered × quarter relative to ``break_month``: one row per quarter (the reference quarters
    at 0), ``quarter, first_month, last_month, estimate, se, ci_lower, ci_upper, reference``, with
    ``attrs`` ``pretrend_p`` (joint Wald test of :data:`PRETREND_QUARTERS`) and ``pre_all_p``
    (of every pre-period quarter), product-clustered."""
    break_month = pd.Period(break_month, "M")
    shocks = tuple(s for s in shocks if p.months[0] <= s <= p.months[-1])
    r = estimate(p, terms(p.months, break_month, shocks, event_study=True), weights=weights, engine=engine)
    rows = []
    q = quarters(p.months, break_month)
    for k, inside in q.groupby(q):
        name = f"c_q{'m' if k < 0 else 'p'}{abs(k)}"
        ref = k in REFERENCE_QUARTERS
        est, s = (0.0, 0.0) if ref else (float(r.table.loc[name, "estimate"]), float(r.table.loc[name, "se"]))
        rows.append({"quarter": int(k), "first_month": str(inside.index.min()), "last_month": str(inside.index.max()),
                     "estimate": est, "se": s, "ci_lower": est - Z95 * s, "ci_upper": est + Z95 * s,
                     "reference": ref})
    out = pd.DataFrame(rows)
    out.attrs.update(pretrend_p=_wald_p(r, [f"c_qm{abs(k)}" for k in PRETREND_QUARTERS]),
                     pre_all_p=_wald_p(r, [n for n in r.table.index if n.startswith("c_qm")]),
                     weights=weights, break_month=str(break_month))
    return out


def _wald_p(r: Estimates, names: list[str]) -> float:
    """p-value of the joint Wald test (chi-square, product-clustered) that ``names`` are zero."""
    from scipy import stats

    names = [n for n in names if n in r.table.index]
    if not names:
        return float("nan")
    b = r.table.loc[names, "estimate"].to_numpy()
    V = r.vcov.loc[names, names].to_numpy()
    return float(stats.chi2.sf(float(b @ np.linalg.solve(V, b)), len(names)))
