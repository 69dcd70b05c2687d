"""Tables for a paper: a ``table`` float holding a ``threeparttable`` with its caption, label,
the tabular (booktabs rules, from pandas ``Styler.to_latex``) and its notes, in plain ASCII
(``$-$`` for a minus, in math mode as papers set it, ``$\\times$`` for a ratio's sign) so that pdflatex compiles it.

Figure columns are right-aligned paragraph columns (``>{\\raggedleft\\arraybackslash}p{…}``) as
wide as their widest figure, so a long header wraps over several lines instead of widening the
table; text columns are ragged-right paragraphs. The preamble a paper needs is :data:`PREAMBLE`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import pandas as pd

#: The packages the tables use (all in TeX Live's latex-recommended and latex-extra sets).
PACKAGES = ("booktabs", "array", "threeparttable")
PREAMBLE = "".join(f"\\usepackage{{{p}}}\n" for p in PACKAGES)

_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
#: Characters a report's text uses that plain pdflatex does not take as they are.
_UNICODE = {"\u2212": r"$-$", "\u00d7": r"$\times$", "\u2014": "---", "\u2013": "--", "\u2026": r"\ldots{}",
            "\u2018": "`", "\u2019": "'", "\u201c": "``", "\u201d": "''", "\u2264": r"$\leq$", "\u2265": r"$\geq$",
            "\u00b7": r"$\cdot$", "\u03c1": r"$\rho$", "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,",
            "\u00b1": r"$\pm$", "\u2248": r"$\approx$", "\u2192": r"$\rightarrow$", "\u00b0": " degrees",
            "\u2030": " per mille", "\u20ac": r"EUR"}


def escape(text) -> str:
    """``text`` for LaTeX: the special characters escaped, then typographic characters as LaTeX
    commands; any other non-ASCII letter loses its accent (``é`` → ``e``). ASCII out."""
    out = "".join(_SPECIAL.get(ch, ch) for ch in str(text))
    out = "".join(_UNICODE.get(ch, ch) for ch in out)
    if not out.isascii():
        out = unicodedata.normalize("NFKD", out).encode("ascii", "ignore").decode("ascii")
    return out


def _width(values: Sequence[str], header: str) -> float:
    """A figure column's width in em: its widest figure, at least 4.5em, at most 9em (the header
    wraps inside it, between words)."""
    widest = max((len(v) for v in values), default=0)
    longest_word = max((len(w) for w in str(header).split()), default=0)
    return round(min(9.0, max(4.5, 0.55 * widest + 0.6, 0.5 * longest_word + 0.5)), 1)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "table"


def table(shown: pd.DataFrame, *, text_columns: Sequence[int] = (), caption: str | None = None,
          label: str | None = None, notes: Sequence[str] = (), index: bool = True) -> str:
    """A ``table`` float for ``shown`` (labels and figures as text, as
    :meth:`tradedeal.present.tables.Table.readable` gives them): caption, ``\\label``, the tabular
    and the notes inside a ``threeparttable``. ``text_columns`` are the positions of text columns;
    ``label`` defaults to ``tab:`` and the caption's words; ``index=False`` leaves the row labels
    out (rows that are only numbered)."""
    shown = shown.copy()
    if shown.columns.nlevels > 1:  # one header row: the levels joined
        shown.columns = [": ".join(str(p) for p in c if str(p)) for c in shown.columns]
    shown.columns = [str(c) for c in shown.columns]
    if index:  # the row labels become the first columns, their names in the header row
        keys = shown.index.nlevels
        shown = shown.reset_index(names=[str(n) if n is not None else "" for n in shown.index.names])
    else:
        keys, shown = 0, shown.reset_index(drop=True)
    align = ""
    for i, column in enumerate(shown.columns):
        if i < keys:
            align += r">{\raggedright\arraybackslash}p{11em}"
        elif i - keys in text_columns:
            align += r">{\raggedright\arraybackslash}p{16em}"
        else:
            align += rf">{{\raggedleft\arraybackslash}}p{{{_width(shown.iloc[:, i].astype(str).tolist(), column)}em}}"
    shown = shown.map(escape)
    shown.columns = [escape(c) for c in shown.columns]
    tabular = shown.style.hide(axis="index").to_latex(hrules=True, column_format=align)
    caption_text = escape(caption) if caption else "Table"
    label = label or f"tab:{_slug(caption or 'table')}"
    lines = [r"\begin{table}[htbp]", r"\centering", r"\begin{threeparttable}", rf"\caption{{{caption_text}}}",
             rf"\label{{{label}}}", tabular.rstrip("\n")]
    if notes:
        lines += [r"\begin{tablenotes}[flushleft]", r"\footnotesize"]
        lines += [rf"\item {escape(n)}" for n in notes if str(n).strip()]
        lines += [r"\end{tablenotes}"]
    lines += [r"\end{threeparttable}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def document(bodies: Sequence[str]) -> str:
    """A standalone article holding ``bodies`` (tables), to compile and look at."""
    return ("\\documentclass{article}\n\\usepackage[margin=2.5cm]{geometry}\n" + PREAMBLE
            + "\\begin{document}\n" + "\n\\clearpage\n".join(bodies) + "\\end{document}\n")
