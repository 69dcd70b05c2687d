"""The comparison with the published tallies as a reader sees it: the tallies as a table whose
reasons are numbered notes, and the gaps as one line each (reason, figure, amount, effect)."""

from __future__ import annotations

import pandas as pd

from tradedeal.agreement.published import US_EXPORTS, Published
from tradedeal.present import labels
from tradedeal.present.tables import render

#: The comparison's row labels in the text table: the tallies named in full in the notes.
NOTE_TRACKER = ("Published tracker: US Census Bureau figures aggregated by a public tracker (tradewartracker, "
                "M. Waugh), as shipped in data/raw/census/phase1_category_ytd_vintages_2021.csv; "
                "data/raw/PROVENANCE.md says where they come from")


def tallies_frame(published: Published) -> pd.DataFrame:
    """The comparison for a report table: one row per tally and period, the figures and why
    each differs from this package's answer."""
    return published.table.set_index(["tally", "period"])


def gaps_frame(published: Published) -> pd.DataFrame:
    """The gaps for a report table, by reason and figure."""
    return published.gaps.set_index(["reason", "figure"])


def text(published: Published, *, units: str = "bn") -> str:
    """The comparison and its gaps as plain text for the command line (``tradedeal tracker
    --year 2020-2021``): the figures in a table, the release and the reason of each row below it,
    then one line per gap."""
    table = published.table.copy()
    table.insert(0, "row", range(1, len(table) + 1))
    shown = table.drop(columns=["release", "differs_because", "basis"])
    notes = [f"basis: {US_EXPORTS}, unless a row says otherwise"]
    for r in table.itertuples():
        basis = f"basis: {r.basis}" if r.basis != US_EXPORTS else ""
        why = "; ".join(p for p in (r.release, basis, r.differs_because) if p)
        notes.append(f"row {r.row}: {why}" if why else f"row {r.row}: this package's answer")
    notes += [NOTE_TRACKER, *published.notes]
    out = render(shown, "table", header=published.header(), notes=notes, units=units)
    lines = ["Why the figures differ (amounts in $bn):"]
    for g in published.gaps.itertuples():
        amount = labels.cell("amount_usd", g.amount_usd) or "no figure"
        lines.append(f"- {g.reason}, {g.figure}: {amount}; {g.effect}")
    return out + "\n" + "\n".join(lines) + "\n"
