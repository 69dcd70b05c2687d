"""The result of a scan (:func:`tradedeal.models.scan.scanner.scan`): every covered line's tests of
pace and level, the lines not tested, the scans at the placebo breaks, the power measured by
planting changes, and the answer in sentences computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.agreement.targets import BASELINE_YEAR
from tradedeal.agreement.window import Window
from tradedeal.models.scan.line_model import LineModel
from tradedeal.models.scan.ppml import fit_ppml
from tradedeal.units import usd_bn

#: The verdict groups of the decomposition, in order.
GROUPS = ("accelerated", "slowed", "no significant change", "not tested")
#: The verdicts on the level at the break.
LEVEL_GROUPS = ("rose", "fell", "no significant change")
#: Columns of :attr:`Scan.lines`.
LINE_COLUMNS = ("code", "description", "subcategory", "category", "value_2017_usd", "last_12m_usd",
                "same_months_2017_usd", "change_usd", "vs_2017_pct", "level_change", "slope_change", "ci_lower",
                "ci_upper", "p_hac", "p_value", "q_value", "verdict", "level_ci_lower", "level_ci_upper", "level_p_hac",
                "level_p_value", "level_q_value", "level_verdict")
#: Columns of :attr:`Scan.untested`.
UNTESTED_COLUMNS = ("code", "description", "subcategory", "category", "value_2017_usd", "last_12m_usd",
                    "same_months_2017_usd", "change_usd", "reason")


@dataclass(frozen=True)
class Scan:
    """The momentum test on every covered line of a level, the lines it could not test, and the
    same scan at every placebo break."""

    lines: pd.DataFrame  # LINE_COLUMNS, one row per tested line, most significant first
    untested: pd.DataFrame  # UNTESTED_COLUMNS
    placebos: pd.DataFrame  # scan_model.placebo_table: the placebo breaks, then the real one
    window: Window | None
    level: str
    break_month: pd.Period
    fdr: float
    min_usd: float
    months: tuple[pd.Period, pd.Period]
    line_model: LineModel
    critical_z: float  # the calibrated 95 % interval is slope_change ± critical_z × HAC s.e.
    level_critical_z: float  # the same for level_change
    power: pd.DataFrame  # power.POWER_COLUMNS: planted changes found, by parameter

    @property
    def model(self) -> str:
        return self.line_model.describe(self.break_month)

    def frame(self) -> pd.DataFrame:
        """Every line as one tidy frame: the tested ones, then the others (verdict ``not tested``)."""
        return pd.concat([self.lines.assign(reason=""), self.untested.assign(verdict="not tested")],
                         ignore_index=True)

    def counts(self) -> pd.Series:
        """Lines by verdict, and the lines not tested."""
        out = self.lines["verdict"].value_counts().reindex(list(GROUPS[:3]), fill_value=0)
        out["not tested"] = len(self.untested)
        return out.rename("lines")

    def decomposition(self) -> pd.DataFrame:
        """The covered change (last 12 months against the same calendar months of 2017, USD) by
        verdict group; the groups add up to the row ``all covered lines``."""
        every = self.frame()
        groups = every.groupby("verdict")[["same_months_2017_usd", "last_12m_usd", "change_usd"]].sum()
        out = groups.reindex(list(GROUPS), fill_value=0.0)
        out.insert(0, "lines", every["verdict"].value_counts().reindex(list(GROUPS), fill_value=0))
        sums = every[["same_months_2017_usd", "last_12m_usd", "change_usd"]].sum()
        out.loc["all covered lines"] = [len(every), *sums]
        out["lines"] = out["lines"].astype(int)
        total = out.loc["all covered lines", "change_usd"]
        out["share_of_change_pct"] = 100 * out["change_usd"] / total if total else np.nan
        return out.rename_axis("verdict")

    def untested_share_pct(self) -> float:
        """The untested lines' change as a share of every covered line's change, %."""
        table = self.decomposition()
        return float(table.loc["not tested", "share_of_change_pct"])

    def reasons(self) -> pd.Series:
        """Lines not tested, by reason (the text before the colon)."""
        return self.untested["reason"].str.split(":").str[0].value_counts().rename("lines")

    def placebo_rows(self) -> pd.DataFrame:
        """The rows of :attr:`placebos` at the placebo breaks (without the real one)."""
        return self.placebos[self.placebos["kind"] == "placebo"]

    def size_pct(self) -> float:
        """Share of lines with a calibrated p-value under 5 % at the placebo breaks (the size), %."""
        return float(self.placebo_rows()["calibrated_p_below_5_pct"].mean())

    def hac_size_pct(self) -> float:
        """The same share with the uncalibrated HAC p-values, %."""
        return float(self.placebo_rows()["hac_p_below_5_pct"].mean())

    def level_counts(self) -> pd.Series:
        """Tested lines by the verdict on their level at the break."""
        return self.lines["level_verdict"].value_counts().reindex(list(LEVEL_GROUPS), fill_value=0).rename("lines")

    def level_size_pct(self) -> float:
        """:meth:`size_pct` of the level test, %."""
        return float(self.placebo_rows()["level_calibrated_p_below_5_pct"].mean())

    def level_hac_size_pct(self) -> float:
        """:meth:`hac_size_pct` of the level test, %."""
        return float(self.placebo_rows()["level_hac_p_below_5_pct"].mean())

    def headline_sentences(self) -> list[str]:
        """The scan's answer in three sentences, with its coverage: the pace and the level, each with
        its measured power in words, and what a count of no change means at that power (the placebo
        scans, the size and the change by verdict: :meth:`detail_sentences`)."""
        from tradedeal.models.scan.power import power_brief

        coverage = self.window.coverage if self.window is not None else "the panel"
        pace, level = self.counts(), self.level_counts()
        caveat = self.no_change_caveat()
        return [
            f"{len(self.lines)} of {len(self.lines) + len(self.untested)} covered {self.level} lines ({coverage}) were "
            f"tested for a change of monthly growth at {self.break_month}: "
            f"{int(pace['accelerated'] + pace['slowed'])} changed at an FDR of {100 * self.fdr:g}% "
            f"({pace['accelerated']} accelerated, {pace['slowed']} slowed); {power_brief(self.power, 'pace')}",
            f"For the level, {int(level['rose'] + level['fell'])} changed ({level['rose']} rose, "
            f"{level['fell']} fell); {power_brief(self.power, 'level', line_level=False)}",
            caveat[:1].upper() + caveat[1:],
        ]

    def detail_sentences(self) -> list[str]:
        """What the headline leaves out: each test beside the placebo scans with its power in full,
        the calibrated tests' size, and the change by verdict."""
        from tradedeal.models.scan.power import power_clause

        said = []
        for parameter, counts, prefix in (("pace", self.counts(), ""), ("level", self.level_counts(), "level_")):
            up, down = ("accelerated", "slowed") if parameter == "pace" else ("rose", "fell")
            found = int(counts[up] + counts[down])
            placebo = self.placebo_rows()[f"{prefix}discoveries"]
            said.append(f"The {parameter} test at {self.break_month} ({self.months[0]} to {self.months[1]}) found "
                        f"{found} against {placebo.min()} to {placebo.max()} (median {placebo.median():g}) in the scans "
                        f"at {len(placebo)} pre-deal placebo breaks, {int((placebo >= found).sum())} of which found as "
                        f"many or more; {power_clause(self.power, parameter, self.fdr)}")
        d = self.decomposition()["change_usd"]
        return [
            *said,
            f"The calibrated tests reject {self.size_pct():.1f}% (pace) and {self.level_size_pct():.1f}% (level) of "
            f"lines at the placebo breaks at nominal 5% (uncalibrated HAC p-values: {self.hac_size_pct():.1f}% and "
            f"{self.level_hac_size_pct():.1f}%)",
            f"Covered lines, last 12 months ({self.months[1] - 11} to {self.months[1]}) against the same months of "
            f"{BASELINE_YEAR}: {usd_bn(d['all covered lines'], sign=True)} = accelerated "
            f"{usd_bn(d['accelerated'], sign=True)} + slowed {usd_bn(d['slowed'], sign=True)} + no significant change "
            f"{usd_bn(d['no significant change'], sign=True)} + not tested {usd_bn(d['not tested'], sign=True)} "
            f"({self.untested_share_pct():.1f}% of the change)",
        ]

    def no_change_caveat(self) -> str:
        """What "no significant change" means at the scan's measured power of the pace test."""
        from tradedeal.models.scan.power import power_words

        pace = self.power[self.power["parameter"] == "pace"]
        best = float(pace["found_pct"].max()) if len(pace) else 0.0
        if best >= 80:
            return "at this power, no significant change means a change smaller than those planted"
        return (f"with {power_words(best)}, no significant change means the scan could not tell, not that the "
                f"line kept its pace or its level")

    def adjusted(self, values: pd.DataFrame) -> pd.DataFrame:
        """Lines of ``values`` (USD) seasonally adjusted as the scan sees them: each month divided
        by the line's PPML month effect (Januaries unchanged)."""
        design = self.line_model.design(values.index, self.break_month)
        fit = fit_ppml(values.to_numpy().T, design.to_numpy(), tuple(design.columns))
        effects = [c for c in design.columns if c.startswith("month_")]
        seasonal = np.exp(np.stack([fit.estimate(c) for c in effects], axis=1) @ design[effects].to_numpy().T)
        return values / seasonal.T
