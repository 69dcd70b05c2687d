"""The scanner's line model at one break, and the placebo breaks that calibrate its p-values.

Each line is fitted by PPML (:mod:`tradedeal.models.scan.ppml`) on its monthly value in USD:

    log E[value_t] = a + b t + month effects + tariff step (2018-07) + one dummy per shock month
                     + level_change 1[t >= B] + slope_change (t - B) 1[t >= B]

the regressors of the momentum verdict's primary specification (``docs/momentum.md``), on
each line's level instead of the log of a total.
``slope_change`` is the change of the line's monthly log growth at the break ``B`` (log points
a month, the pace) and ``level_change`` the change of its log level at ``B`` (log points); the
scan tests each. HAC z-statistics reject a true null far too often with a
short segment after the break, so the p-value of a line is its |z| ranked among the |z| of every
line at every placebo break (the same parameter's) (:func:`placebo_breaks`: pre-deal months, data cut so that each
placebo has as many months after it as the real break): a placebo-calibrated p-value. The
size of that test is measured at each placebo break against the placebos whose post-break
months do not overlap it (:func:`placebo_table`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from tradedeal.models.momentum.primary import SIGNED, TARIFF_MONTH, design
from tradedeal.models.scan.ppml import fit_ppml

#: The agreement was signed on 2020-01-15: placebo samples end before that month.
LAST_PRE_DEAL_MONTH = SIGNED - 1
#: A placebo break needs this many months of sample before it.
MIN_MONTHS_BEFORE = 24
#: A line is tested at a break when it has trade in at least this many months before / after it.
MIN_TRADE_MONTHS_BEFORE = 12
MIN_TRADE_MONTHS_AFTER = 6
#: Nominal level at which sizes are measured.
NOMINAL = 0.05
#: Columns of :func:`fit_break`.
FIT_COLUMNS = ("code", "level_change", "slope_change", "std_error", "z", "p_hac", "level_std_error", "level_z",
               "level_p_hac", "converged")
#: The two parameters tested at a break: their z column in :func:`fit_break` and in a placebo table.
PARAMETERS = {"pace": "z", "level": "level_z"}


@dataclass(frozen=True)
class LineModel:
    """The regressors of every line at a break: those of the momentum verdict's primary
    specification (:func:`tradedeal.models.momentum.primary.design`: constant, trend, the 2018 tariff
    step, one dummy per month of the 2020 shock, level and slope change at the break, eleven
    month effects). ``shock`` holds the shock months as offsets from the break, so that a
    placebo break carries the same dummies at the same distance."""

    shock: tuple[int, ...] = ()

    def design(self, index: pd.PeriodIndex, break_month: pd.Period) -> pd.DataFrame:
        return design(index, break_month, shocks=tuple(break_month + k for k in self.shock))

    def describe(self, break_month: pd.Period) -> str:
        shock = ""
        if self.shock:
            first, last = break_month + min(self.shock), break_month + max(self.shock)
            shock = f", one dummy per month of the shock ({first} to {last})"
        return (f"PPML on USD: trend, month effects, a step at the {TARIFF_MONTH} tariffs{shock}, "
                f"a change of level and of monthly growth at {break_month}")


def untestable(values: pd.DataFrame, break_month: pd.Period, model: LineModel) -> pd.Series:
    """Why a line cannot be tested at ``break_month`` (empty string: it can): too few months
    with trade before the break, or after it outside the shock months, for PPML to estimate the
    line's growth there."""
    shock = [break_month + k for k in model.shock]
    before = np.asarray(values.index < break_month)
    after = np.asarray((values.index >= break_month) & ~values.index.isin(shock))
    trade = values.to_numpy() > 0
    n_before, n_after = trade[before].sum(axis=0), trade[after].sum(axis=0)
    reason = np.full(values.shape[1], "", dtype="object")
    few_after = n_after < MIN_TRADE_MONTHS_AFTER
    reason[few_after] = [f"too few months with trade after the break: {n} of {after.sum()}, needs "
                         f"{MIN_TRADE_MONTHS_AFTER}" for n in n_after[few_after]]
    few_before = (n_before < MIN_TRADE_MONTHS_BEFORE) & ~few_after
    reason[few_before] = [f"too few months with trade before the break: {n} of {before.sum()}, needs "
                          f"{MIN_TRADE_MONTHS_BEFORE}" for n in n_before[few_before]]
    return pd.Series(reason, index=values.columns, dtype="object")


def fit_break(values: pd.DataFrame, break_month: pd.Period, model: LineModel,
              design: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every testable line of ``values`` (months x codes, USD) at ``break_month``: PPML estimates,
    HAC standard errors of ``slope_change`` and ``level_change``, their z and normal p-values
    (``p_hac``, ``level_p_hac``: not calibrated). ``design``: the model's, when already built."""
    testable = [c for c, r in untestable(values, break_month, model).items() if not r]
    if not testable:
        return pd.DataFrame(columns=list(FIT_COLUMNS))
    design = model.design(values.index, break_month) if design is None else design
    fit = fit_ppml(values[testable].to_numpy().T, design.to_numpy(), tuple(design.columns))
    slope, se = fit.estimate("slope_change"), fit.std_error("slope_change")
    jump, level_se = fit.estimate("level_change"), fit.std_error("level_change")
    z, level_z = slope / se, jump / level_se
    return pd.DataFrame({"code": testable, "level_change": jump, "slope_change": slope, "std_error": se, "z": z,
                         "p_hac": two_sided_p(z), "level_std_error": level_se, "level_z": level_z,
                         "level_p_hac": two_sided_p(level_z), "converged": fit.converged})


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """The two-sided normal p-value of each z, ``erfc(|z| / sqrt 2)`` (scipy's ``2 norm.sf(|z|)``,
    without importing scipy, which costs a warm scan more than its fits)."""
    return np.array([math.erfc(abs(v) / math.sqrt(2)) for v in np.asarray(z, dtype="float64")], dtype="float64")


def placebo_designs(index: pd.PeriodIndex, post_months: int, model: LineModel) -> dict[pd.Period, pd.DataFrame]:
    """The design at each pre-deal placebo break: each has ``MIN_MONTHS_BEFORE`` months of sample
    before it and ``post_months`` after it by :data:`LAST_PRE_DEAL_MONTH`; a break whose design is
    collinear (the tariff step falling on a break term) is left out."""
    first = index[0] + MIN_MONTHS_BEFORE
    last = min(LAST_PRE_DEAL_MONTH, index[-1]) - (post_months - 1)
    out = {}
    for month in pd.period_range(first, last, freq="M") if last >= first else []:
        design = model.design(index[index <= month + (post_months - 1)], month)
        if np.linalg.matrix_rank(design.to_numpy()) == design.shape[1]:
            out[month] = design
    return out


def placebo_breaks(index: pd.PeriodIndex, post_months: int, model: LineModel) -> list[pd.Period]:
    """The pre-deal placebo breaks of :func:`placebo_designs`."""
    return list(placebo_designs(index, post_months, model))


@threadpool_limits.wrap(limits=1)  # many small batched fits: BLAS threads only contend
def fit_breaks(values: pd.DataFrame, breaks: list[pd.Period], *, post_months: int, model: LineModel,
               designs: dict[pd.Period, pd.DataFrame] | None = None) -> list[pd.DataFrame]:
    """:func:`fit_break` at each break, on the sample cut ``post_months`` after it (one task of a
    scan); ``designs``: those already built, by break."""
    designs = designs or {}
    return [fit_break(values.loc[:b + (post_months - 1)], b, model, designs.get(b)) for b in breaks]


def calibrated_p(z: np.ndarray, null_z: np.ndarray) -> np.ndarray:
    """The share of placebo |z| at least as large as each |z| (with the observed one counted).
    A z that is not a number (a line whose HAC variance came out negative, which happens for the
    level of a few sparse HS6 lines) gets p = 1, and is left out of the placebo |z|."""
    ranked = _finite_abs(null_z)
    ranked.sort()
    z = np.asarray(z, dtype="float64")
    above = len(ranked) - np.searchsorted(ranked, np.abs(z), side="left")
    return np.where(np.isnan(z), 1.0, (1 + above) / (1 + len(ranked)))


def _finite_abs(z: np.ndarray) -> np.ndarray:
    z = np.abs(np.asarray(z, dtype="float64"))
    return z[~np.isnan(z)]


def benjamini_hochberg(p: np.ndarray, fdr: float) -> tuple[np.ndarray, np.ndarray]:
    """Which p-values are discoveries at false discovery rate ``fdr`` (Benjamini–Hochberg), and
    their q-values: statsmodels' ``multipletests(p, alpha=fdr, method="fdr_bh")[:2]`` (a test
    checks they agree), written out because importing statsmodels.stats costs a warm scan more
    than the scan itself."""
    p = np.asarray(p, dtype="float64")
    order = np.argsort(p)
    ranked = p[order]
    rank = np.arange(1, len(p) + 1) / max(len(p), 1)
    below = np.flatnonzero(ranked <= rank * fdr)
    reject, q = np.zeros(len(p), dtype=bool), np.empty(len(p))
    reject[order[:below[-1] + 1] if len(below) else []] = True
    q[order] = np.minimum(1.0, np.minimum.accumulate((ranked / rank)[::-1])[::-1])
    return reject, q


def critical_z(null_z: np.ndarray, level: float = NOMINAL) -> float:
    """The placebo |z| exceeded with probability ``level``: the calibrated interval's multiplier."""
    return float(np.quantile(_finite_abs(null_z), 1 - level))


def placebo_table(real: pd.DataFrame, placebos: dict[pd.Period, pd.DataFrame], *, break_month: pd.Period,
                  post_months: int, fdr: float) -> pd.DataFrame:
    """The scan at the real break next to the scans at every placebo break.

    One row per break: lines tested; for the pace (``slope_change``), the share with an
    uncalibrated HAC p-value under 5 %, the share with a calibrated p-value under 5 % (the size,
    at a placebo), the discoveries at ``fdr`` and those that accelerated; the same for the level
    (``level_``: ``level_change``, ``rose``). A placebo's calibrated p-values come from the
    placebos whose post-break months do not overlap its own (so the size is measured out of
    sample); the real break's from all.
    """
    rows = []
    z = {column: {m: f[column].to_numpy() for m, f in placebos.items()} for column in PARAMETERS.values()}
    for month, fits in [*placebos.items(), (break_month, real)]:
        is_real = month == break_month
        row = {"break_month": str(month), "kind": "real" if is_real else "placebo", "lines_tested": len(fits)}
        for parameter, column in PARAMETERS.items():
            prefix = "level_" if parameter == "level" else ""
            null = np.concatenate([z[column][m] for m in placebos
                                   if is_real or abs((m - month).n) >= post_months] or [np.array([])])
            p = calibrated_p(fits[column].to_numpy(), null) if len(null) else np.ones(len(fits))
            reject = benjamini_hochberg(p, fdr)[0]
            up = fits["level_change" if prefix else "slope_change"].to_numpy() > 0
            hac = fits[f"{prefix}p_hac"].to_numpy()
            row |= {f"{prefix}hac_p_below_5_pct": 100 * float(np.mean(hac < NOMINAL)) if len(fits) else np.nan,
                    f"{prefix}calibrated_p_below_5_pct": 100 * float(np.mean(p < NOMINAL)) if len(p) else np.nan,
                    f"{prefix}discoveries": int(reject.sum()),
                    "rose" if prefix else "accelerated": int((reject & up).sum())}
        rows.append(row)
    return pd.DataFrame(rows)
