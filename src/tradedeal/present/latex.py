"""Tables for a paper: a ``table`` float holding a ``threeparttable`` with its caption, label,
the tabular (booktabs rules, from pandas ``Styler.to_latex``) and its notes, in plain ASCII
(``$-$`` for a minus, in math mode as papers set it, ``$\\times$`` for a ratio's sign) so that pdflatex compiles it.

Figure columns are right-aligned paragraph columns (``>{\\raggedleft\\arraybackslash}p{…}``) as
wide as their widest figure, so a long header wraps over several lines instead of widening the
table; text columns are ragged-right paragraphs. A wide table is set in smaller type, its
columns narrowed toward their widest figure, until it fits the text width of LaTeX's default
article (:data:`BUDGET_EM`). The preamble a paper needs is :data:`PREAMBLE`.
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
            "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
            "<": r"$<$", ">": r"$>$", "|": r"$|$",  # OT1 text fonts set < > | as other glyphs
            "[": "{[}", "]": "{]}"}  # a cell opening with [ after a row's \\ would read as its spacing
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


#: The text width the tables are made to fit, in em of 10pt type: LaTeX's default article (345pt).
BUDGET_EM = 34.0
#: Type sizes tried in turn until a table fits: (command, size in pt, \tabcolsep in pt).
SIZES = ((r"\normalsize", 10.0, 6.0), (r"\footnotesize", 8.0, 4.0), (r"\scriptsize", 7.0, 2.5))


def _figure_width(values: Sequence[str], header: str) -> tuple[float, float]:
    """A figure column's natural and smallest width in em: room for its widest figure (a digit is
    half an em) and its header's longest word (the header wraps between words inside it)."""
    widest = max((len(v) for v in values), default=0)
    longest_word = max((len(w) for w in str(header).split()), default=0)
    least = max(2.6, 0.5 * widest + 0.3, 0.6 * longest_word + 0.2)  # a header's word is never cut
    return round(min(8.0, max(4.2, least)), 2), round(least, 2)


def _layout(widths: list[tuple[float, float]]) -> tuple[str, float, list[float]]:
    """The type size and column widths (em of that size) that fit :data:`BUDGET_EM`: the first size
    at which the columns fit, each shrunk toward its smallest width in proportion if needed (the
    smallest size, shrunk as far as it goes, when none fits)."""
    for command, size, sep in SIZES:
        budget = BUDGET_EM * 10 / size - len(widths) * 2 * sep / size
        natural = sum(n for n, _ in widths)
        least = sum(m for _, m in widths)
        if natural <= budget:
            return command, sep, [n for n, _ in widths]
        if least <= budget:
            scale = (budget - least) / (natural - least)
            return command, sep, [round(m + (n - m) * scale, 2) for n, m in widths]
    return command, sep, [m for _, m in widths]


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
    widths = []
    for i, column in enumerate(shown.columns):
        if i < keys:
            widths.append((11.0, 6.0))
        elif i - keys in text_columns:
            widths.append((16.0, 8.0))
        else:
            widths.append(_figure_width(shown.iloc[:, i].astype(str).tolist(), column))
    size, sep, fitted = _layout(widths)
    align = "".join(
        (r">{\raggedright\arraybackslash}" if i < keys or i - keys in text_columns else r">{\raggedleft\arraybackslash}")
        + f"p{{{w:g}em}}" for i, w in enumerate(fitted))
    shown = shown.map(escape)
    shown.columns = [escape(c) for c in shown.columns]
    tabular = shown.style.hide(axis="index").to_latex(hrules=True, column_format=align)
    caption_text = escape(caption) if caption else "Table"
    label = label or f"tab:{_slug(caption or 'table')}"
    lines = [r"\begin{table}[htbp]", r"\centering", size, rf"\setlength{{\tabcolsep}}{{{sep:g}pt}}",
             r"\begin{threeparttable}", rf"\caption{{{caption_text}}}", rf"\label{{{label}}}", tabular.rstrip("\n")]
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
