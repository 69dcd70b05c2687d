"""Figures as text: one formatter for values, plain-text report tables, and CLI output in
table, CSV or JSON form that carries the question (vintage, as-of month) with every row."""

from __future__ import annotations

import hashlib
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


def _shown(frame: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """The figures as text, columns relabelled with their units (``_usd`` → ``_bn``)."""
    if isinstance(frame, pd.Series):
        labels = [str(i)[:-4] + "_bn" if str(i).endswith("_usd") else str(i) for i in frame.index]
        values = [format_value(str(i), v) for i, v in frame.items()]
        return pd.Series(values, index=labels, name=frame.name).to_frame()
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        name = str(column)
        label = name[:-4] + "_bn" if name.endswith("_usd") else name
        shown[label] = [format_value(name, v) for v in frame[column]]
    return shown


def fmt_table(frame: pd.DataFrame | pd.Series) -> str:
    """Plain-text table: ``_usd`` figures in $bn (2 decimals), ``_pct`` with 1 decimal.

    A Series is shown as one column, its index naming the figures.
    """
    return _shown(frame).to_string()


class Table:
    """A report table: an HTML table for readers (pandas ``Styler``: units in the header,
    thousands separators, figures right-aligned) and the plain-text form as its text
    representation, which nbval compares. The Styler's ids are derived from the table's
    labels, so the HTML of a re-run is the same."""

    def __init__(self, frame: pd.DataFrame | pd.Series, caption: str | None = None):
        self.frame = frame
        self.caption = caption

    def __repr__(self) -> str:
        return (f"{self.caption}\n" if self.caption else "") + fmt_table(self.frame)

    def _repr_html_(self) -> str:
        shown = _shown(self.frame)
        shown.columns = [_header(str(c)) for c in shown.columns]
        digest = hashlib.sha1(repr((list(shown.columns), list(map(str, shown.index)), self.caption)).encode())
        styler = shown.style.set_uuid(digest.hexdigest()[:8]).set_table_attributes('class="tradedeal-table"')
        styler = styler.set_table_styles([
            {"selector": "td", "props": "text-align: right; padding: 0.2em 0.8em; font-variant-numeric: tabular-nums;"},
            {"selector": "th", "props": "text-align: left; padding: 0.2em 0.8em;"},
            {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold;"},
        ])
        if self.caption:
            styler = styler.set_caption(self.caption)
        return styler.to_html()


def _header(label: str) -> str:
    """A column label with its unit spelled out for readers."""
    for suffix, unit in (("_bn", " ($bn)"), ("_pct", " (%)")):
        if label.endswith(suffix):
            return label[: -len(suffix)] + unit
    return label


def show(frame: pd.DataFrame | pd.Series, caption: str | None = None) -> None:
    """Display a report table in a notebook (HTML for readers, plain text for nbval)."""
    from IPython.display import display

    display(Table(frame, caption))


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
