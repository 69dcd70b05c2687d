"""Which covered products sped up after the recovery: the recovery test on every covered line.

Each covered line (an HS4 heading, an HS6 code or an Annex 6.1 sub-category) gets the segmented
regression of the recovery test (:func:`tradedeal.models.momentum.segmented_fit`: a trend with a
change of level and of slope at the recovery month, eleven month dummies), fitted with AR(1)
errors (GLSAR): Newey–West errors are far too small with a short post-recovery segment, and a
scan of hundreds of lines needs tests of the right size. The p-values of the slope changes get Benjamini–Hochberg q-values across the lines
tested. A line is tested on ``asinh`` of its value in $ millions: Census omits a line in a month
with no exports (zero), and ``asinh`` is defined at zero and equals ``log(2x)`` for large values,
so a slope change reads as a change in monthly log growth; nothing is imputed. Lines too small
in 2017, with too many months of no trade, or with too short a history are listed with the
reason, never dropped silently.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from tradedeal.agreement.concordance import CATEGORIES, DEFAULT_COVERAGE
from tradedeal.agreement.targets import BASELINE_YEAR
from tradedeal.agreement.window import Window
from tradedeal.errors import DataNotAvailableError, ParameterError
from tradedeal.ingest.snapshot import Snapshot
from tradedeal.models.seasonal import month_effects
from tradedeal.months import parse_month

LEVELS = ("hs4", "hs6", "subcategory")
_CHUNK = 40  # lines per task on an executor
#: Columns of :attr:`Scan.lines`.
LINE_COLUMNS = ("code", "description", "subcategory", "category", "value_2017_usd", "last_12m_usd",
                "same_months_2017_usd", "vs_2017_pct", "level_change", "slope_change", "ci_lower", "ci_upper",
                "p_value", "q_value", "verdict")


@dataclass(frozen=True)
class Scan:
    """The recovery test on every covered line of a level, and the lines it could not test."""

    lines: pd.DataFrame  # LINE_COLUMNS, one row per tested line, most significant first
    skipped: pd.DataFrame  # code, description, subcategory, category, value_2017_usd, reason
    window: Window
    level: str
    recovery_month: pd.Period
    fdr: float
    months: tuple[pd.Period, pd.Period]

    def frame(self) -> pd.DataFrame:
        """Every line of the scan as one tidy frame: the tested ones (:data:`LINE_COLUMNS`), then
        the others with verdict ``not tested`` and their ``reason``."""
        return pd.concat([self.lines.assign(reason=""), self.skipped.assign(verdict="not tested")],
                         ignore_index=True)

    def counts(self) -> pd.Series:
        """Lines by verdict, and the lines not tested."""
        out = self.lines["verdict"].value_counts().reindex(["accelerated", "slowed", "no significant change"],
                                                           fill_value=0)
        out["not tested"] = len(self.skipped)
        return out

    def change_usd(self, verdict: str | None = None) -> float:
        """Change of the last 12 months against the same months of 2017, USD: of the lines with
        ``verdict``, or (None) of every covered line of the scan, tested or not."""
        tested = self.lines if verdict is None else self.lines[self.lines["verdict"] == verdict]
        change = (tested["last_12m_usd"] - tested["same_months_2017_usd"]).sum()
        if verdict is None:
            change += (self.skipped["last_12m_usd"] - self.skipped["same_months_2017_usd"]).sum()
        return float(change)

    def share_of_change_pct(self, verdict: str = "accelerated") -> float:
        """The change of the lines with ``verdict`` as a share of every covered line's change, in %."""
        return 100 * self.change_usd(verdict) / self.change_usd()

    def headline(self) -> str:
        c = self.counts()
        return (f"{c['accelerated']} of {len(self.lines)} {self.level} lines tested accelerated after "
                f"{self.recovery_month} at an FDR of {100 * self.fdr:g}%, {c['slowed']} slowed; "
                f"{c['not tested']} not tested. Last 12 months against the same months of {BASELINE_YEAR}: "
                f"the accelerating lines ${self.change_usd('accelerated') / 1e9:+,.2f}bn, every covered line "
                f"${self.change_usd() / 1e9:+,.2f}bn ({self.share_of_change_pct():.1f}%; months {self.months[0]} "
                f"to {self.months[1]}).")


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


def scan(
    window: Window,
    *,
    level: str = "hs4",
    recovery_month="2020-05",
    start="2013-01",
    min_2017_usd: float = 10e6,
    max_zero_share: float = 0.25,
    fdr: float = 0.10,
    executor: Executor | None = None,
) -> Scan:
    """The recovery test on every covered line of ``level``, with Benjamini–Hochberg q-values.

    Parameters
    ----------
    window
        The question (``Snapshot.select``): its coverage and month; lines run over the HS6
        months up to its ``as_of``.
    level
        ``hs4``, ``hs6`` or ``subcategory``.
    recovery_month
        First month of the post-recovery segment.
    start
        First month of the sample.
    min_2017_usd
        Lines smaller than this in 2017 are not tested ("too small in 2017").
    max_zero_share
        Lines with more than this share of months with no trade are not tested.
    fdr
        False discovery rate at which a line's slope change counts as significant.
    executor
        Where the fits run (:mod:`tradedeal.executors`); default: here.
    """
    month = parse_month(recovery_month, "recovery_month")
    first = parse_month(start, "start")
    if not 0 < fdr < 1:
        raise ParameterError(f"fdr must be between 0 and 1; got {fdr}")
    if min_2017_usd < 0:
        raise ParameterError(f"min_2017_usd must be at least 0; got {min_2017_usd}")
    values, meta = panel(window, level)
    values = values.loc[first:]
    if values.empty or month <= values.index.min() or month > values.index.max():
        raise DataNotAvailableError(f"recovery_month {month} is outside the HS6 months of the scan "
                                    f"({values.index.min()} to {values.index.max()})")
    return scan_panel(values, meta, recovery_month=month, min_2017_usd=min_2017_usd,
                      max_zero_share=max_zero_share, fdr=fdr, window=window, level=level, executor=executor)


def scan_panel(values: pd.DataFrame, meta: pd.DataFrame, *, recovery_month: pd.Period, min_2017_usd: float = 10e6,
               max_zero_share: float = 0.25, fdr: float = 0.10, window: Window | None = None,
               level: str = "hs4", executor: Executor | None = None) -> Scan:
    """The scan of a panel (months × codes, USD) with its ``meta`` (description, subcategory,
    category by code): :func:`scan` without the data loading, for any panel. The fits run in
    chunks of lines on ``executor`` when one is given."""
    last = values.index.max()
    recent = values.loc[last - 11:last]
    same_2017 = values.reindex(recent.index - 12 * (last.year - BASELINE_YEAR)).fillna(0)
    base = values[values.index.year == BASELINE_YEAR].sum()
    facts = meta.reindex(values.columns).assign(
        value_2017_usd=base, last_12m_usd=recent.sum(), same_months_2017_usd=same_2017.sum().to_numpy(),
    )
    facts["vs_2017_pct"] = 100 * (facts["last_12m_usd"] / facts["same_months_2017_usd"].replace(0, np.nan) - 1)
    zero_share = (values == 0).mean()
    skipped, testable = [], []
    for code in values.columns:
        if len(values) < 36:
            skipped.append({"code": code, "reason": f"too short a history: {len(values)} months, needs 36"})
        elif base[code] < min_2017_usd:
            skipped.append({"code": code, "reason": f"too small in 2017: ${base[code] / 1e6:,.1f}m, "
                                                    f"under ${min_2017_usd / 1e6:,.0f}m"})
        elif zero_share[code] > max_zero_share:
            skipped.append({"code": code, "reason": f"too many months with no trade: "
                                                    f"{int(round(zero_share[code] * len(values)))} of {len(values)}"})
        else:
            testable.append(code)
    chunks = [values[testable[i:i + _CHUNK]] for i in range(0, len(testable), _CHUNK)]
    mapped = (executor.map if executor is not None else map)(partial(_fit_lines, recovery_month=recovery_month), chunks)
    rows = []
    for fitted, failed in mapped:
        rows += fitted
        skipped += failed
    tested = pd.DataFrame(rows, columns=["code", "level_change", "slope_change", "ci_lower", "ci_upper", "p_value"])
    if len(tested):
        reject, q, _, _ = multipletests(tested["p_value"].to_numpy(), alpha=fdr, method="fdr_bh")
        tested["q_value"] = q
        tested["verdict"] = np.where(~reject, "no significant change",
                                     np.where(tested["slope_change"] > 0, "accelerated", "slowed"))
    else:
        tested["q_value"], tested["verdict"] = [], []
    lines = tested.join(facts, on="code").sort_values(["q_value", "slope_change"], ascending=[True, False])
    skipped_frame = pd.DataFrame(skipped, columns=["code", "reason"]).join(facts, on="code")
    return Scan(
        lines=lines[list(LINE_COLUMNS)].reset_index(drop=True),
        skipped=skipped_frame[["code", "description", "subcategory", "category", "value_2017_usd", "last_12m_usd",
                               "same_months_2017_usd", "reason"]].reset_index(drop=True),
        window=window, level=level, recovery_month=recovery_month, fdr=fdr,
        months=(values.index.min(), values.index.max()),
    )


def _fit_lines(values: pd.DataFrame, *, recovery_month: pd.Period) -> tuple[list[dict], list[dict]]:
    """The segmented regression (month dummies, AR(1) errors) of each line on asinh of $ millions."""
    from tradedeal.models.momentum import segmented_fit

    rows, failed = [], []
    for code in values.columns:
        y = pd.Series(_asinh_millions(values[code].to_numpy()), index=values.index)
        try:
            fit, _ = segmented_fit(y, recovery_month, dummies=True, errors="ar1")
        except ParameterError as exc:
            failed.append({"code": code, "reason": f"too short a history: {exc}"})
            continue
        ci = fit.conf_int().loc["slope_change"]
        rows.append({"code": code, "level_change": fit.params["level_change"], "slope_change": fit.params["slope_change"],
                     "ci_lower": ci.iloc[0], "ci_upper": ci.iloc[1],
                     "p_value": fit.pvalues["slope_change"]})
    return rows, failed


def _asinh_millions(usd: np.ndarray) -> np.ndarray:
    """The scan's transform: ``asinh`` of $ millions (defined at zero, ``log(2x)`` for large x)."""
    return np.arcsinh(usd / 1e6)


def adjusted(values: pd.DataFrame) -> pd.DataFrame:
    """Each line seasonally adjusted as the scan sees it: the transform less its fixed month
    effects (:func:`tradedeal.models.seasonal.month_effects`), back in USD."""
    return pd.DataFrame({
        code: 1e6 * np.sinh(_asinh_millions(s.to_numpy()) - month_effects(s, transform=_asinh_millions).to_numpy())
        for code, s in values.items()
    }, index=values.index)


def window(snapshot: Snapshot, coverage: str | None = None) -> Window:
    """The question a scan asks: every HS6 month, under ``coverage`` (default: full Annex 6.1,
    which runs as far as the HS6 lines do)."""
    return snapshot.select(coverage=coverage or DEFAULT_COVERAGE)
