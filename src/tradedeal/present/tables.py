"""Figures as text: one formatter for values, plain-text report tables, and CLI output in
table, CSV or JSON form that carries the question (vintage, as-of month) with every row."""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd

from tradedeal.present import labels

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
        return self.styler().to_html()

    def readable(self) -> pd.DataFrame:
        """The figures as readers see them (:mod:`tradedeal.present.labels`): labels in words with
        units, numbers formatted by field, as text."""
        frame = self.frame
        if isinstance(frame, pd.Series):
            values = [labels.cell(i[-1] if isinstance(i, tuple) else i, v) for i, v in frame.items()]
            column = labels.label(frame.name) if frame.name is not None else ""
            shown = pd.DataFrame({column: values}, index=frame.index)
        else:
            shown = pd.DataFrame({i: [labels.cell(c, v) for v in frame[c]] for i, c in enumerate(frame.columns)},
                                 index=frame.index)
            shown.columns = frame.columns.map(_label) if frame.columns.nlevels == 1 else \
                pd.MultiIndex.from_tuples([tuple(map(_label, c)) for c in frame.columns])
        shown.columns.names = [labels.label(n) if n is not None else None for n in shown.columns.names]
        if shown.index.nlevels == 1:
            shown.index = shown.index.map(_label)
        else:
            shown.index = pd.MultiIndex.from_tuples([tuple(map(_label, i)) for i in shown.index])
        shown.index.names = [labels.label(n) if n is not None else None for n in frame.index.names]
        return shown

    def styler(self):
        """The pandas ``Styler`` of the HTML table: text left-aligned and wrapped between words,
        figures right-aligned in tabular digits. Its ids derive from the table's labels, so the
        HTML of a re-run is the same."""
        shown = self.readable()
        text = [shown.columns[i] for i, c in enumerate(_columns(self.frame)) if labels.is_text(c)]
        digest = hashlib.sha1(repr((list(shown.columns), list(map(str, shown.index)), self.caption)).encode())
        styler = shown.style.set_uuid(digest.hexdigest()[:8]).set_table_attributes('class="tradedeal-table"')
        styler = styler.format(escape="html").format_index(escape="html", axis=0).format_index(escape="html", axis=1)
        styler = styler.set_table_styles([
            {"selector": "", "props": "table-layout: auto; border-collapse: collapse;"},
            {"selector": "td", "props": "text-align: right; padding: 0.2em 0.8em; font-variant-numeric: tabular-nums;"
                                        " white-space: nowrap;"},
            {"selector": "th", "props": "text-align: left; padding: 0.2em 0.8em; vertical-align: middle;"
                                        " white-space: normal; word-break: normal; overflow-wrap: normal;"},
            {"selector": "th.col_heading", "props": "text-align: right; vertical-align: bottom; max-width: 10em;"},
            {"selector": "th.row_heading", "props": "min-width: 8em; max-width: 24em;"},
            {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: bold;"},
        ])
        if text:  # per column: ``#T_… td.col0`` outranks ``#T_… td``
            styler = styler.set_table_styles({c: [
                {"selector": "td", "props": "text-align: left; white-space: normal; word-break: normal;"
                                            " overflow-wrap: normal; min-width: 8em;"},
                {"selector": "th", "props": "text-align: left;"},
            ] for c in text}, overwrite=False)
        if self.caption:
            styler = styler.set_caption(self.caption)
        return styler

    def latex(self) -> str:
        """The table for a paper: ``Styler.to_latex`` of the labels and figures readers see
        (booktabs rules; ``$``, ``%`` and ``_`` escaped)."""
        shown = self.readable()
        styler = shown.style.format(escape="latex").format_index(escape="latex", axis=0).format_index(
            escape="latex", axis=1)
        text = [shown.columns[i] for i, c in enumerate(_columns(self.frame)) if labels.is_text(c)]
        align = "".join("l" for _ in range(shown.index.nlevels)) + "".join(
            "p{18em}" if c in text else "r" for c in shown.columns)
        return styler.to_latex(hrules=True, column_format=align,
                               caption=_latex_escape(self.caption) if self.caption else None)


_LATEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
          "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _latex_escape(text: str) -> str:
    return "".join(_LATEX.get(ch, ch) for ch in text)


def _label(value) -> str:
    """A row or column label for readers: field names in words, other values as they are."""
    return labels.label(value) if isinstance(value, str) else str(value)


def _columns(frame: pd.DataFrame | pd.Series) -> list[pd.Series]:
    if isinstance(frame, pd.Series):
        return [frame]
    return [frame.iloc[:, i] for i in range(frame.shape[1])]


def show(frame: pd.DataFrame | pd.Series, caption: str | None = None) -> None:
    """Display a report table in a notebook (HTML for readers, plain text for nbval)."""
    from IPython.display import display

    from tradedeal.present import export

    shown = Table(frame, caption)
    display(shown)
    export.table(shown)  # next to the report, when the report run exports


def records(table: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: NaN becomes null."""
    rows = table.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()} for row in rows]


#: How the ``table`` format shows ``_usd`` figures: in $bn (columns named ``_bn``) or whole dollars.
UNITS = ("bn", "usd")


def render(table: pd.DataFrame, fmt: str, *, question: dict[str, str] | None = None, header=(), notes=(),
           units: str = "bn") -> str:
    """A result table as ``table`` text (header, figures, notes), ``csv`` or ``json``.

    ``question`` (as from :meth:`tradedeal.agreement.window.Window.fields`: ``vintage``,
    ``as_of``) is added to every CSV row and JSON record, after the table's own columns; a
    column the table already has keeps its own values. Notes are not part of the CSV or JSON
    text: the command line writes them to stderr. ``units`` (:data:`UNITS`) applies to the
    table format only: ``bn`` shows ``_usd`` figures in $bn with 2 decimals under ``_bn``
    names, ``usd`` in whole dollars; CSV and JSON keep raw USD under the field names.
    """
    if units not in UNITS:
        raise ValueError(f"units must be one of {', '.join(UNITS)}; got {units!r}")
    if fmt in ("csv", "json"):
        extra = {k: v for k, v in (question or {}).items() if k not in table.columns}
        table = table.assign(**extra)
        return table.to_csv(index=False) if fmt == "csv" else json.dumps(records(table), indent=2) + "\n"
    dollars = units == "usd"
    shown = pd.DataFrame({(str(c)[:-4] + "_bn" if str(c).endswith("_usd") and not dollars else c):
                          [format_value(str(c), v, dollars=dollars) for v in table[c]] for c in table.columns})
    lines = [*header, "", shown.to_string(index=False), ""]
    lines += [f"note: {n}" for n in notes]
    return "\n".join(lines) + "\n"
