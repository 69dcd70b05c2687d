"""Which covered products changed pace at the agreement: the momentum test on every covered line.

Each covered line (an HS4 heading, an HS6 code or an Annex 6.1 sub-category) is fitted by
Poisson pseudo-maximum likelihood on its monthly value in USD, with the regressors of the
momentum verdict's primary specification (:mod:`tradedeal.models.scan.line_model`): PPML is defined
at months with no trade and does not depend on the unit, so small and sparse lines (poultry,
frozen beef, wheat) and large ones (crude oil) are tested alike and nothing is imputed. A line's
slope change at the break is judged by its HAC z ranked among the z of every line at every
pre-deal placebo break (a placebo-calibrated p-value, whose size is measured out of sample),
then by Benjamini–Hochberg q-values across the lines tested. Lines that cannot be tested are
listed with the reason and counted in the decomposition of the change, never dropped.
"""

from __future__ import annotations

from concurrent.futures import Executor

import numpy as np
import pandas as pd

from tradedeal.agreement.targets import BASELINE_YEAR
from tradedeal.agreement.window import Window, select
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.ingest.concordance import CATEGORIES, DEFAULT_COVERAGE
from tradedeal.ingest.snapshot import Snapshot
from tradedeal.models.scan.line_model import (MIN_MONTHS_BEFORE, PARAMETERS, LineModel, benjamini_hochberg,
                                              calibrated_p, critical_z, fit_breaks, placebo_table, untestable)
from tradedeal.models.scan.placebos import placebo_fits
from tradedeal.models.scan.power import measure_power
from tradedeal.models.scan.result import LINE_COLUMNS, UNTESTED_COLUMNS, Scan
from tradedeal.months import parse_month

LEVELS = ("hs4", "hs6", "subcategory")
def panel(window: Window, level: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Covered lines of ``level`` under the window's coverage: monthly values (months × codes,
    USD, zero where Census reports no exports, through the window's month or the HS6 data's end)
    and their description, sub-category and category."""
    if level not in LEVELS:
        raise ParameterError(f"level must be one of {', '.join(LEVELS)}; got {level!r}")
    snap = window.snapshot
    hs6 = snap.exports_hs6_classified(window.coverage)
    hs6 = hs6[hs6["category"].isin(CATEGORIES)]
    months = snap.hs6_months()
    months = months[months <= window.as_of]
    keys = {"hs4": hs6["hs6"].str[:4], "hs6": hs6["hs6"], "subcategory": hs6["subcategory"]}[level]
    tagged = hs6.assign(code=keys)
    values = tagged.pivot_table(index="month", columns="code", values="value_usd", aggfunc="sum", fill_value=0)
    values = values.reindex(pd.PeriodIndex(months, name="month"), fill_value=0).astype("float64")
    meta = tagged.groupby("code")[["subcategory", "category"]].first()
    if level == "subcategory":
        meta["description"] = meta.index
    else:  # the concordance's own line, else Census's description (HS6 pulls), else the heading's
        concordance = snap.concordance().set_index("code")["description"]
        codes = pd.Series(meta.index, index=meta.index)
        described = codes.map(concordance)
        if level == "hs6":
            described = described.combine_first(codes.map(snap.hs6_descriptions()))
        meta["description"] = described.combine_first(codes.str[:4].map(concordance))
    return values, meta[["description", "subcategory", "category"]]


def shock_offsets(snapshot: Snapshot, break_month: pd.Period, through: pd.Period) -> tuple[int, ...]:
    """The 2020 shock months of the primary specification (:func:`tradedeal.models.momentum.primary.shock_months`,
    real-time rule on total goods exports known at ``through``), as offsets from the break."""
    from tradedeal.models.momentum.primary import PRIMARY, shock_months

    total = snapshot.total_goods()["exports_usd"].loc[:through].astype("float64")
    return tuple((m - break_month).n for m in shock_months(total, PRIMARY))


def check_break(months: pd.PeriodIndex, break_month=None) -> pd.Period:
    """The scan's break (default: the primary specification's), which must fall inside
    ``months`` with :data:`~tradedeal.models.scan.line_model.MIN_MONTHS_BEFORE` months before it, as a
    placebo break must; a one-line DataNotAvailableError otherwise."""
    from tradedeal.models.momentum.primary import PRIMARY

    month = parse_month(break_month if break_month is not None else PRIMARY.break_month, "break_month")
    if len(months) == 0 or month < months.min() + MIN_MONTHS_BEFORE or month > months.max():
        shown = f"{months.min()} to {months.max()}" if len(months) else "none"
        raise DataNotAvailableError(f"break_month {month} is outside the HS6 months of the scan ({shown}), "
                                    f"or has fewer than {MIN_MONTHS_BEFORE} months before it")
    return month


def scan(
    window: Window,
    *,
    level: str = "hs4",
    break_month=None,
    start="2013-01",
    min_usd: float = 1e6,
    fdr: float = 0.10,
    executor: Executor | None = None,
) -> Scan:
    """The momentum test on every covered line of ``level``, calibrated by placebo breaks.

    Parameters
    ----------
    window
        The question (:func:`tradedeal.agreement.window.select`): its coverage and month; lines run over the HS6
        months up to its ``as_of``.
    level
        ``hs4``, ``hs6`` or ``subcategory``.
    break_month
        The break (default: the primary specification's, the agreement's entry into force).
    start
        First month of the sample.
    min_usd
        Lines under this both in 2017 and in the last 12 months are listed, not tested.
    fdr
        False discovery rate at which a line's slope change counts as significant.
    executor
        Where the fits run (:mod:`tradedeal.executors`), in chunks of break months; default: here.
    """
    first = parse_month(start, "start")
    values, meta = panel(window, level)
    values = values.loc[first:]
    month = check_break(values.index, break_month)
    shock = shock_offsets(window.snapshot, month, values.index.max())
    return scan_panel(values, meta, break_month=month, shock=shock, min_usd=min_usd, fdr=fdr, window=window,
                      level=level, executor=executor)


def line_facts(values: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Each line's 2017 value, last 12 months and the same calendar months of 2017 (USD), by code."""
    last = values.index.max()
    recent = pd.period_range(last - 11, last, freq="M")
    same = pd.PeriodIndex([pd.Period(year=BASELINE_YEAR, month=m.month, freq="M") for m in recent])
    if not same.isin(values.index).all():
        raise DataNotAvailableError(f"the scan's months must include {BASELINE_YEAR}; they are "
                                    f"{values.index.min()} to {last}")
    facts = meta.reindex(values.columns).assign(
        value_2017_usd=values[values.index.year == BASELINE_YEAR].sum(),
        last_12m_usd=values.loc[recent].sum(), same_months_2017_usd=values.loc[same].sum())
    facts["change_usd"] = facts["last_12m_usd"] - facts["same_months_2017_usd"]
    facts["vs_2017_pct"] = 100 * (facts["last_12m_usd"] / facts["same_months_2017_usd"].replace(0, np.nan) - 1)
    return facts


def scan_panel(values: pd.DataFrame, meta: pd.DataFrame, *, break_month: pd.Period, shock: tuple[int, ...] = (),
               min_usd: float = 1e6, fdr: float = 0.10, window: Window | None = None, level: str = "hs4",
               executor: Executor | None = None) -> Scan:
    """The scan of a panel (months × codes, USD) with its ``meta`` (description, subcategory,
    category by code): :func:`scan` without the data loading. ``shock``: offsets from the break
    of the months with their own dummy. The fits run on ``executor`` in chunks of break months."""
    if not 0 < fdr < 1:
        raise ParameterError(f"fdr must be between 0 and 1; got {fdr}")
    if not min_usd >= 0:
        raise ParameterError(f"min_usd must be at least 0; got {min_usd}")
    break_month = parse_month(break_month, "break_month")
    model = LineModel(tuple(shock))
    facts = line_facts(values, meta)
    small = (facts["value_2017_usd"] < min_usd) & (facts["last_12m_usd"] < min_usd)
    reasons = {code: f"too small: ${facts.at[code, 'value_2017_usd'] / 1e6:,.2f}m in {BASELINE_YEAR} and "
                     f"${facts.at[code, 'last_12m_usd'] / 1e6:,.2f}m in the last 12 months, "
                     f"under ${min_usd / 1e6:,.2f}m"
               for code in facts.index[small]}
    candidates = values.loc[:, ~small.to_numpy()]
    post_months = (values.index.max() - break_month).n + 1
    snapshot = window.snapshot if window is not None else None
    placebos = placebo_fits(candidates, post_months=post_months, model=model, executor=executor, snapshot=snapshot)
    real = fit_breaks(candidates, [break_month], post_months=post_months, model=model)[0]
    why = untestable(candidates, break_month, model)
    reasons |= {code: r for code, r in why.items() if r}
    reasons |= {code: "no fit: PPML did not converge" for code in real.loc[~real["converged"].astype(bool), "code"]}
    real = real[real["converged"].astype(bool)]
    numbers = ["slope_change", "std_error", "z"]
    whole = np.isfinite(real[numbers].to_numpy(dtype="float64")).all(axis=1)  # no verdict from NaN or inf
    reasons |= {code: "no fit: its estimate is not a finite number" for code in real.loc[~whole, "code"]}
    real = real[whole]
    nulls = {p: np.concatenate([f[z].to_numpy() for f in placebos.values()] or [np.array([])])
             for p, z in PARAMETERS.items()}
    nulls = {p: null[np.isfinite(null)] for p, null in nulls.items()}
    if len(nulls["pace"]) == 0:
        raise DataNotAvailableError(f"no placebo break fits in the pre-deal months of {values.index.min()} to "
                                    f"{values.index.max()} with {post_months} months after it")
    table = placebo_table(real, placebos, break_month=break_month, post_months=post_months, fdr=fdr)
    crit = {p: critical_z(null) for p, null in nulls.items()}
    tested = real.assign(p_value=calibrated_p(real["z"].to_numpy(), nulls["pace"]),
                         ci_lower=real["slope_change"] - crit["pace"] * real["std_error"],
                         ci_upper=real["slope_change"] + crit["pace"] * real["std_error"],
                         level_p_value=calibrated_p(real["level_z"].to_numpy(), nulls["level"]),
                         level_ci_lower=real["level_change"] - crit["level"] * real["level_std_error"],
                         level_ci_upper=real["level_change"] + crit["level"] * real["level_std_error"])
    words = {"": ("slope_change", "accelerated", "slowed"), "level_": ("level_change", "rose", "fell")}
    for prefix, (estimate, up, down) in words.items():
        if len(tested):
            reject, q = benjamini_hochberg(tested[f"{prefix}p_value"].to_numpy(), fdr)
            tested[f"{prefix}q_value"] = q
            tested[f"{prefix}verdict"] = np.where(~reject, "no significant change",
                                                  np.where(tested[estimate] > 0, up, down))
        else:
            tested[f"{prefix}q_value"], tested[f"{prefix}verdict"] = [], []
    power = measure_power(candidates[list(tested["code"])], real, nulls, break_month=break_month, model=model, fdr=fdr,
                          snapshot=snapshot)
    lines = tested.join(facts, on="code").sort_values(["q_value", "slope_change"], ascending=[True, False])
    untested = pd.DataFrame({"code": list(reasons), "reason": list(reasons.values())}, dtype="object")
    untested = untested.join(facts, on="code")
    return Scan(
        lines=lines[list(LINE_COLUMNS)].reset_index(drop=True),
        untested=untested[list(UNTESTED_COLUMNS)].sort_values("code").reset_index(drop=True),
        placebos=table, window=window, level=level, break_month=break_month, fdr=fdr, min_usd=min_usd,
        months=(values.index.min(), values.index.max()), line_model=model, critical_z=crit["pace"],
        level_critical_z=crit["level"], power=power,
    )


#: What a scan can print (:func:`scan_table`).
TABLES = ("lines", "decomposition", "placebos")
_BRIEF_LINES = ["code", "description", "category", "value_2017_usd", "last_12m_usd", "change_usd", "slope_change",
                "p_value", "q_value", "verdict"]


def scan_table(result: Scan, kind: str = "lines", *, brief: bool = False) -> pd.DataFrame:
    """One of the scan's tables, as the report and ``tradedeal scan --table`` show it: every line
    (``brief``: the tested ones, fewer columns), the decomposition of the change by verdict
    group, or the scans at the placebo breaks with the real one last."""
    if kind not in TABLES:
        raise ParameterError(f"table must be one of {', '.join(TABLES)}; got {kind!r}")
    if kind == "decomposition":
        return result.decomposition().reset_index()
    if kind == "placebos":
        return result.placebos.copy()
    if brief:
        return result.lines[_BRIEF_LINES].assign(description=result.lines["description"].str.slice(0, 40))
    return result.frame()


#: The deal's headline products (crude oil, poultry, frozen beef, wheat, soybeans) at each level.
HEADLINE_PRODUCTS = {"hs4": ("2709", "0207", "0202", "1001", "1201"),
                     "hs6": ("270900", "020714", "020230", "100199", "120190"),
                     "subcategory": ("Crude oil", "Meat", "Cereals", "Oilseeds")}


def headline_lines(result: Scan, n: int = 6) -> list[str]:
    """The deal's headline products the scan tested, then its most significant lines, ``n`` in all."""
    tested = list(result.lines.sort_values("p_value", kind="stable")["code"])
    picked = [c for c in HEADLINE_PRODUCTS.get(result.level, ()) if c in tested]
    return (picked + [c for c in tested if c not in picked])[:n]


def window(snapshot: Snapshot, coverage: str | None = None) -> Window:
    """The question a scan asks: every HS6 month, under ``coverage`` (default: full Annex 6.1,
    which runs as far as the HS6 lines do)."""
    return select(snapshot, coverage=coverage or DEFAULT_COVERAGE)
