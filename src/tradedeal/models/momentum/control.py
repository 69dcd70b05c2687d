"""The momentum verdict's control group seen line by line: the largest HS6 lines outside Annex 6.1.

The relative answer (:mod:`tradedeal.models.momentum.verdict`) divides covered purchases by US exports to
China of the HS6 lines outside Annex 6.1. A control shaped by its own shocks (export controls,
purchases diverted to covered goods) moves the answer, so the report shows which lines the
control is made of and how they moved across the break.
"""

from __future__ import annotations

import pandas as pd

from tradedeal.ingest.concordance import DEFAULT_COVERAGE, NOT_COVERED


def control_lines(snapshot, break_month, *, n: int = 10, months: int = 12) -> pd.DataFrame:
    """The ``n`` HS6 lines outside Annex 6.1 with the largest exports in the ``months`` before
    ``break_month``, with their exports in the ``months`` from it (cut at the HS6 data's end).

    Returns ``hs6, description, before_usd, after_usd, change_usd, share_before_pct`` (share of
    the whole control before the break), with ``attrs`` ``before`` and ``after`` (the periods).
    """
    break_month = pd.Period(break_month, "M")
    hs6 = snapshot.exports_hs6_classified(DEFAULT_COVERAGE)
    hs6 = hs6[hs6["category"] == NOT_COVERED]
    last = min(break_month + months - 1, hs6["month"].max())
    before = (break_month - months, break_month - 1)
    after = (break_month, last)

    def total(period: tuple[pd.Period, pd.Period]) -> pd.Series:
        inside = hs6[(hs6["month"] >= period[0]) & (hs6["month"] <= period[1])]
        return inside.groupby("hs6")["value_usd"].sum().astype("int64")

    pre, post = total(before), total(after)
    out = pd.DataFrame({"before_usd": pre, "after_usd": post}).fillna(0).astype("int64")
    out["change_usd"] = out["after_usd"] - out["before_usd"]
    out["share_before_pct"] = 100 * out["before_usd"] / pre.sum()
    out = out.nlargest(n, "before_usd").rename_axis("hs6").reset_index()
    out.insert(1, "description", out["hs6"].map(snapshot.hs6_descriptions()))
    out.attrs.update(before=f"{before[0]} to {before[1]}", after=f"{after[0]} to {after[1]}")
    return out
