"""The product-level momentum panel: every HS6 line × month of the HS6 data, covered or not.

``docs/momentum.md`` ("The question, restated") fixes the design: a balanced panel of every HS6
line in the data over every HS6 month, a month absent from the Census file a zero (kept); a line
is **covered** under the primary's treated coverage (``annex_6_1_ex_civil_aircraft``) and in the
**control** when it is ``not_covered`` under ``annex_6_1`` (the primary's control), so civil
aircraft is in neither side and is dropped, as in the aggregate design. The exclusion rules of the
robustness rows are here as well, as HS prefixes fixed before any estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tradedeal.ingest.concordance import AGGREGATE_COVERAGE, DEFAULT_COVERAGE, NOT_COVERED
from tradedeal.errors import DataNotAvailableError

#: The agreement entered into force on 14 February 2020 (as ``primary.IN_FORCE``).
IN_FORCE = pd.Period("2020-02", "M")

#: Robustness rows: which lines each leaves out, by HS prefix, and on which side (fixed in
#: ``docs/momentum.md`` before any panel estimate).
EXCLUSIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "control_ex_precious_metals": ("control", ("7106", "7107", "7108", "7109", "7110", "7111", "7112")),
    "control_ex_waste_scrap": ("control", ("3915", "4004", "4707", "5003", "5103", "5202", "5505", "6309", "6310",
                                           "7001", "7112", "7204", "7404", "7503", "7602", "7802", "7902", "8002",
                                           "8548")),
    "control_ex_census_special": ("control", ("98", "99")),
    "covered_ex_export_controlled": ("covered", ("8542", "8486", "8471", "8517")),
}


@dataclass(frozen=True)
class Panel:
    """A balanced HS6 × month panel: ``hs6, month, value_usd, covered`` (bool), one row per line
    and month, zeros kept; ``months`` its months, ``vintage`` its data."""

    frame: pd.DataFrame
    vintage: str
    as_of: pd.Period

    @property
    def months(self) -> pd.PeriodIndex:
        return pd.PeriodIndex(sorted(self.frame["month"].unique()), freq="M")

    def lines(self) -> pd.DataFrame:
        """One row per line: ``covered`` and ``pre_mean_usd`` (mean monthly dollars over the
        pre-deal months, the equal-weight normaliser)."""
        f = self.frame
        pre = f[f["month"] < IN_FORCE].groupby("hs6")["value_usd"].mean().rename("pre_mean_usd")
        covered = f.groupby("hs6")["covered"].first()
        return pd.concat([covered, pre], axis=1).fillna({"pre_mean_usd": 0.0})

    def without(self, codes) -> Panel:
        """The panel without the lines ``codes``."""
        return Panel(self.frame[~self.frame["hs6"].isin(set(codes))], self.vintage, self.as_of)

    def through(self, month) -> Panel:
        """The panel through ``month`` (placebo windows on pre-deal data)."""
        month = pd.Period(month, "M")
        return Panel(self.frame[self.frame["month"] <= month], self.vintage, min(month, self.as_of))

    def excluded(self, rule: str) -> Panel:
        """The panel without the lines of the robustness rule ``rule`` (:data:`EXCLUSIONS`)."""
        side, prefixes = EXCLUSIONS[rule]
        lines = self.lines()
        pool = lines.index[lines["covered"]] if side == "covered" else lines.index[~lines["covered"]]
        return self.without([c for c in pool if c.startswith(prefixes)])

    def largest_risers(self, n: int = 5, months: int = 12) -> pd.Series:
        """The ``n`` covered lines with the largest rise in dollars from the ``months`` before
        entry into force to the ``months`` from it (USD, by line)."""
        f = self.frame[self.frame["covered"]]
        before = f[(f["month"] >= IN_FORCE - months) & (f["month"] < IN_FORCE)].groupby("hs6")["value_usd"].sum()
        after = f[(f["month"] >= IN_FORCE) & (f["month"] < IN_FORCE + months)].groupby("hs6")["value_usd"].sum()
        rise = after.sub(before, fill_value=0).rename("rise_usd")
        return rise.nlargest(n)


def panel(snapshot, as_of=None) -> Panel:
    """The balanced panel of ``snapshot``'s HS6 data through ``as_of`` (default: its last month).

    Raises DataNotAvailableError when the HS6 data end before entry into force (no post months).
    """
    hs6 = snapshot.exports_hs6()
    treated = snapshot.classify(pd.Index(hs6["hs6"].unique()), AGGREGATE_COVERAGE)["category"] != NOT_COVERED
    control = snapshot.classify(pd.Index(hs6["hs6"].unique()), DEFAULT_COVERAGE)["category"] == NOT_COVERED
    side = pd.Series(np.where(treated, True, np.where(control, False, np.nan)), index=treated.index, dtype=object)
    side = side.dropna().astype(bool)  # civil aircraft: covered in neither coverage's sense, dropped
    if as_of is not None:
        hs6 = hs6[hs6["month"] <= pd.Period(as_of, "M")]
    months = pd.period_range(hs6["month"].min(), hs6["month"].max(), freq="M")
    if months[-1] < IN_FORCE:
        raise DataNotAvailableError(f"the HS6 data end in {months[-1]}, before entry into force ({IN_FORCE})")
    values = hs6[hs6["hs6"].isin(side.index)].groupby(["hs6", "month"])["value_usd"].sum()
    full = pd.MultiIndex.from_product([sorted(side.index), months], names=["hs6", "month"])
    frame = values.reindex(full, fill_value=0).astype("float64").reset_index()
    frame["covered"] = frame["hs6"].map(side).astype(bool)
    return Panel(frame, snapshot.vintage, months[-1])
