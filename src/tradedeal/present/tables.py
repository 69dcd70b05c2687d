"""Figures as text: one formatter for values, plain-text report tables, and CLI output in
table, CSV or JSON form that carries the question (vintage, as-of month) with every row."""

from __future__ import annotations

import json
import math

import pandas as pd

FORMATS = ("table", "csv", "json")


def format_value(name: str, value, *, dollars: bool = False) -> str:
    """One figure as text, by its column name: ``_usd`` in $bn (or whole dollars with
    ``dollars``), ``pct`` with 1 decimal, ``prob`` with 3; missing values blank."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if name.endswith("_usd"):
            return f"{value:,.0f}" if dollars else f"{value / 1e9:,.2f}"
        if name.startswith("prob"):
            return f"{value:.3f}"
        if name.endswith("_pct") or name.startswith("pct"):
            return f"{value:,.1f}"
        return str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    return str(value)


def fmt_table(frame: pd.DataFrame | pd.Series) -> str:
    """Plain-text table for reports: ``_usd`` figures in $bn (2 decimals), ``_pct`` with 1 decimal.

    A Series is shown as one column, its index naming the figures. Plain text keeps executed
    notebooks stable across pandas versions (nbval compares them).
    """
    if isinstance(frame, pd.Series):
        labels = [str(i)[:-4] + "_bn" if str(i).endswith("_usd") else str(i) for i in frame.index]
        values = [format_value(str(i), v) for i, v in frame.items()]
        return pd.Series(values, index=labels, name=frame.name).to_frame().to_string()
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        name = str(column)
        label = name[:-4] + "_bn" if name.endswith("_usd") else name
        shown[label] = [format_value(name, v) for v in frame[column]]
    return shown.to_string()


def records(table: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: NaN becomes null."""
    rows = table.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()} for row in rows]


def render(table: pd.DataFrame, fmt: str, *, question: dict[str, str] | None = None, header=(), notes=()) -> str:
    """A result table as ``table`` text (header, figures in whole dollars, notes), ``csv`` or ``json``.

    ``question`` (as from :meth:`tradedeal.agreement.window.Window.fields`: ``vintage``,
    ``as_of``) is added to every CSV row and JSON record, after the table's own columns; a
    column the table already has keeps its own values. Notes are not part of the CSV or JSON
    text: the command line writes them to stderr.
    """
    if fmt in ("csv", "json"):
        extra = {k: v for k, v in (question or {}).items() if k not in table.columns}
        table = table.assign(**extra)
        return table.to_csv(index=False) if fmt == "csv" else json.dumps(records(table), indent=2) + "\n"
    shown = pd.DataFrame({c: [format_value(c, v, dollars=True) for v in table[c]] for c in table.columns})
    lines = [*header, "", shown.to_string(index=False), ""]
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines) + "\n"
