"""One product's answer without a kernel (``tradedeal product 0203 --year 2020``): the 04_product
report's headline and tables as text, or as one tidy CSV or JSON table.

The sections follow the report: value by year against 2017, quantity and unit value, volume and
price, and the product against its category's target. A section the data cannot fill says why in
one line instead of a table.
"""

from __future__ import annotations

import json

import pandas as pd

from tradedeal.agreement.product import ProductProfile
from tradedeal.agreement.targets import YEARS
from tradedeal.present import labels
from tradedeal.present.headline import headline_text
from tradedeal.present.tables import records, render

#: The long table's columns in CSV and JSON: which table, which row, which field, its value.
LONG_COLUMNS = ("table", "row", "field", "value")


def sections(profile: ProductProfile) -> list[tuple[str, str, pd.DataFrame | None, str | None]]:
    """``(name, title, table, message)`` for each section of the report: a table, or, where the
    data give none, the one-line reason."""
    out: list[tuple[str, str, pd.DataFrame | None, str | None]] = [
        ("by_year", "Value by year, against 2017", profile.annual, None)]
    if profile.has_quantity:
        out.append(("quantity", "Quantity and unit value (months with both a value and a quantity)",
                    profile.quantity_table(), None))
        out.append(("volume_and_price", "Volume and price, against 2017", profile.price_volume(), None))
    else:
        why = f"Census reports no quantity for {profile.name} in this data: its volume and price cannot be told apart."
        out.append(("quantity", "Quantity and unit value", None, why))
    if profile.year in YEARS:
        target = profile.against_target()
        frame = pd.DataFrame({"figure": [labels.label(i) for i in target.index],
                              "value": [labels.cell(i, v) for i, v in target.items()]})
        out.append(("against_target", f"Against the category target ({target.name})", frame, None))
    else:
        out.append(("against_target", "Against the category target", None,
                    f"No target applies to {profile.year}: the agreement set targets for "
                    f"{', '.join(map(str, YEARS))}."))
    return out


def text(profile: ProductProfile, *, units: str = "bn") -> str:
    """The report as plain text: what is asked, the headline, each section."""
    lines = [profile.headline(), *(line[0].upper() + line[1:] for line in profile.window.question()), "",
             headline_text(profile.headline_sentences()), ""]
    for _, title, table, message in sections(profile):
        if table is None:
            lines += [f"{title}: {message}", ""]
            continue
        shown = table.reset_index() if table.index.name else table
        lines += [render(shown, "table", header=[title], units=units).rstrip("\n"), ""]
    lines += [f"note: {n}" for n in profile.window.notes]
    return "\n".join(lines).rstrip("\n") + "\n"


def long_table(profile: ProductProfile) -> pd.DataFrame:
    """Every figure of the report, one per row (:data:`LONG_COLUMNS`), raw values (USD, %)."""
    rows = []
    for name, _, table, _ in sections(profile):
        if table is None:
            continue
        if name == "against_target":
            target = profile.against_target()
            rows += [{"table": name, "row": target.name, "field": f, "value": v} for f, v in target.items()]
            continue
        for index, row in table.iterrows():
            rows += [{"table": name, "row": str(index), "field": f, "value": v} for f, v in row.items()]
    out = pd.DataFrame(rows, columns=list(LONG_COLUMNS))
    out["value"] = [None if isinstance(v, float) and pd.isna(v) else v for v in out["value"]]
    return out


def machine(profile: ProductProfile, fmt: str) -> str:
    """CSV (the long table, with ``product``, ``vintage`` and ``as_of`` on every row) or JSON (the
    question, the headline sentences and the long table's records)."""
    question = {"product": profile.name, "code": profile.code, **profile.window.fields()}
    table = long_table(profile)
    if fmt == "csv":
        return render(table, "csv", question=question)
    return json.dumps({**question, "coverage": profile.coverage, "headline": profile.headline_sentences(),
                       "rows": records(table)}, indent=2, default=str) + "\n"
