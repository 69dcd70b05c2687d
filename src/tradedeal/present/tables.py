"""Figures as text: one formatter for values, plain-text report tables, and CLI output in
table, CSV or JSON form that carries the question (vintage, as-of month) with every row."""

from __future__ import annotations

import hashlib
import html
import json
import math
from collections.abc import Sequence

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

    def __init__(self, frame: pd.DataFrame | pd.Series, caption: str | None = None, notes: Sequence[str] = ()):
        from tradedeal.present.labels import words

        self.frame = frame
        self.caption = words(caption) if caption else caption
        self.notes = tuple(words(str(n)) for n in notes if str(n).strip())

    def __repr__(self) -> str:
        return ((f"{self.caption}\n" if self.caption else "") + fmt_table(self.frame)
                + "".join(f"\nNote: {n}" for n in self.notes))

    def _repr_html_(self) -> str:
        notes = "".join(f'<p class="tradedeal-note">Note: {html.escape(n)}</p>' for n in self.notes)
        return self.styler().to_html() + notes

    def _numbered(self) -> bool:
        """Whether the rows are only numbered (an unnamed 0, 1, 2 … index): readers are not shown it."""
        index = self.frame.index
        return isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 and index.step == 1

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
        if self._numbered():
            styler = styler.hide(axis="index")
        return styler

    def latex(self, *, label: str | None = None, notes: Sequence[str] = ()) -> str:
        """The table for a paper (:func:`tradedeal.present.latex.table`): a ``threeparttable``
        float with the caption, ``label`` (default: from the caption), the labels and figures
        readers see, and the table's notes followed by ``notes`` (e.g. the report's question)."""
        from tradedeal.present import latex
        from tradedeal.present.labels import words

        text = [i for i, c in enumerate(_columns(self.frame)) if labels.is_text(c)]
        return latex.table(self.readable(), text_columns=text, caption=self.caption, label=label,
                           notes=[*self.notes, *(words(str(n)) for n in notes)], index=not self._numbered())


def _label(value) -> str:
    """A row or column label for readers: field names in words, other values as they are."""
    return labels.label(value) if isinstance(value, str) else str(value)


def _columns(frame: pd.DataFrame | pd.Series) -> list[pd.Series]:
    if isinstance(frame, pd.Series):
        return [frame]
    return [frame.iloc[:, i] for i in range(frame.shape[1])]


def show(frame: pd.DataFrame | pd.Series, caption: str | None = None, notes: Sequence[str] = ()) -> None:
    """Display a report table in a notebook (HTML for readers, plain text for nbval), its notes
    under it; field names in the caption and notes are written in words."""
    from IPython.display import display

    from tradedeal.present import export

    shown = Table(frame, caption, notes)
    display(shown)
    export.table(shown)  # next to the report, when the report run exports


def say(*values, sep: str = " ", end: str = "\n") -> None:
    """``print`` for a report: the line in words (:func:`tradedeal.present.labels.words`; the
    ``Parameters:`` line stays as typed)."""
    from tradedeal.present.labels import words

    print(words(sep.join(str(v) for v in values)), end=end)


def records(table: pd.DataFrame) -> list[dict]:
    """JSON-ready rows: NaN becomes null."""
    rows = table.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()} for row in rows]


#: How the ``table`` format shows ``_usd`` figures: in $bn (headers ``… ($bn)``) or whole dollars (``… ($)``).
UNITS = ("bn", "usd")


def text_table(shown: pd.DataFrame, *, align_left=(), width: int = 12) -> str:
    """A plain-text table of figures already formatted as text: each header wrapped between
    words over as many lines as it needs (a column is as wide as its widest figure, at least
    ``width`` characters, or its longest word), figures right-aligned, ``align_left`` columns left."""
    import textwrap

    columns = []
    for name in shown.columns:
        values = [str(v) for v in shown[name]]
        longest = max([len(w) for w in str(name).split()] + [1])
        size = max([len(v) for v in values] + [min(width, len(str(name))), longest])
        head = textwrap.wrap(str(name), size, break_long_words=False) or [""]
        columns.append((name, size, head, values))
    depth = max(len(head) for _, _, head, _ in columns)
    lines = []
    for row in range(depth):
        cells = []
        for name, size, head, _ in columns:
            text = head[row - (depth - len(head))] if row >= depth - len(head) else ""
            cells.append(text.ljust(size) if name in align_left else text.rjust(size))
        lines.append("  ".join(cells).rstrip())
    for i in range(len(shown)):
        cells = [(v[i].ljust(size) if name in align_left else v[i].rjust(size)) for name, size, _, v in columns]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _cell_words(text: str) -> str:
    """A text cell of a CLI table for readers: a field name's label (``covered_total`` → ``Covered
    total``), else the text with field names in words."""
    from tradedeal.present.labels import words

    return labels.label(text) if text in labels.LABELS else words(text)


def render(table: pd.DataFrame, fmt: str, *, question: dict[str, str] | None = None, header=(), notes=(),
           units: str = "bn") -> str:
    """A result table as ``table`` text (header, figures, notes), ``csv`` or ``json``.

    ``question`` (as from :meth:`tradedeal.agreement.window.Window.fields`: ``vintage``,
    ``as_of``) is added to every CSV row and JSON record, after the table's own columns; a
    column the table already has keeps its own values. Notes are not part of the CSV or JSON
    text: the command line writes them to stderr. ``units`` (:data:`UNITS`) applies to the
    table format only: ``bn`` shows ``_usd`` figures in $bn with 2 decimals, ``usd`` in whole
    dollars. The table format is for readers: headers are the fields' labels (wrapped over
    lines, :func:`text_table`), and the header lines, text cells and notes are written in words;
    CSV and JSON keep raw USD under the field names.
    """
    if units not in UNITS:
        raise ValueError(f"units must be one of {', '.join(UNITS)}; got {units!r}")
    if fmt in ("csv", "json"):
        extra = {k: v for k, v in (question or {}).items() if k not in table.columns}
        table = table.assign(**extra)
        return table.to_csv(index=False) if fmt == "csv" else json.dumps(records(table), indent=2) + "\n"
    from tradedeal.present.labels import words

    dollars = units == "usd"
    names = [labels.label(c).replace("($bn)", "($)") if dollars else labels.label(c) for c in table.columns]
    shown = pd.DataFrame({i: [_cell_words(format_value(str(c), v, dollars=dollars)) for v in table[c]]
                          for i, c in enumerate(table.columns)})
    shown.columns = names
    left = [n for n, c in zip(names, table.columns) if labels.is_text(table[c])]
    lines = [*(words(h) for h in header), "", text_table(shown, align_left=left), ""]
    lines += [f"note: {words(n)}" for n in notes]
    return "\n".join(lines) + "\n"
