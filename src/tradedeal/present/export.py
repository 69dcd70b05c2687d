"""Figures and tables out to a paper: every figure a report shows saved as SVG/PDF/PNG with its
caption in a JSON sidecar, every table as CSV (field names and figures as they are, the question
as ``#`` header lines) and as a LaTeX table (``Styler.to_latex``, labels for readers).

A report run with ``--figures`` starts each kernel with
:func:`tradedeal.present.writing.start_line`, which calls :func:`start`: from then on
:func:`tradedeal.present.plots.show` and :func:`tradedeal.present.tables.show` also write their
figure or table next to the report, as ``<report>-fig01.svg`` … and ``<report>-table01.csv`` ….
The question (parameters, period, coverage, data and vintage) is the text the report opens with
(:func:`tradedeal.present.parameters.describe`), recorded as it is printed. Without
:func:`start` nothing is written.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tradedeal.present.writing import ENV_DIR, ENV_FORMATS, ENV_PREFIX, check_formats, scrub, write_text


@dataclass
class _Session:
    folder: Path
    prefix: str
    formats: tuple[str, ...]
    question: list[str] = field(default_factory=list)
    figures: int = 0
    tables: int = 0


_session: _Session | None = None


def start() -> None:
    """Export from now on, into the folder the environment names
    (:data:`~tradedeal.present.writing.ENV_DIR`)."""
    global _session
    folder = os.environ.get(ENV_DIR)
    if not folder:
        return
    _session = _Session(Path(folder), os.environ.get(ENV_PREFIX, "report"),
                        check_formats(os.environ.get(ENV_FORMATS) or "svg"))
    _session.folder.mkdir(parents=True, exist_ok=True)
    from tradedeal.present import parameters

    describe = getattr(parameters, "describe", None)
    if describe is not None and not getattr(describe, "_records_question", False):
        def recorded(*args, **kwargs):
            text = describe(*args, **kwargs)
            if _session is not None:  # without machine paths or the API key, as in the executed notebook
                _session.question = scrub(text).splitlines()
            return text

        recorded._records_question = True
        recorded.__doc__, recorded.__wrapped__ = describe.__doc__, describe
        parameters.describe = recorded


def stop() -> None:
    """Export no more."""
    global _session
    _session = None


def active() -> bool:
    return _session is not None


def figure(fig, alt: str) -> list[Path]:
    """Save ``fig`` in every format, and ``<name>.json`` with its caption (the alt text), title and
    the question. Returns the files written (none when not exporting)."""
    from tradedeal.ingest.paths import atomic_path

    if _session is None:
        return []
    _session.figures += 1
    stem = f"{_session.prefix}-fig{_session.figures:02d}"
    written = []
    for fmt in _session.formats:
        path = _session.folder / f"{stem}.{fmt}"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=200 if fmt == "png" else "figure", bbox_inches="tight")
        written.append(path)
    titles = [t for t in [fig._suptitle.get_text() if fig._suptitle else ""] + [ax.get_title() for ax in fig.axes] if t]
    sidecar = _session.folder / f"{stem}.json"
    write_text(sidecar, json.dumps({"report": _session.prefix, "figure": _session.figures, "caption": alt,
                                    "titles": titles, "files": [p.name for p in written],
                                    "question": _session.question}, indent=2, ensure_ascii=False) + "\n")
    return [*written, sidecar]


def table(shown) -> list[Path]:
    """Write a report table (a :class:`tradedeal.present.tables.Table`: its ``frame`` and
    ``caption``) as ``<name>.csv`` (``#`` lines: report, caption, the question; then the fields and
    figures as they are, the index included) and ``<name>.tex`` (its ``latex()``, labels for
    readers). Returns the files written (none when not exporting)."""
    import pandas as pd

    if _session is None:
        return []
    frame, caption = shown.frame, shown.caption
    _session.tables += 1
    stem = f"{_session.prefix}-table{_session.tables:02d}"
    values = frame.to_frame() if isinstance(frame, pd.Series) else frame
    header = [f"report: {_session.prefix}, table {_session.tables}"]
    header += [f"table: {caption}"] if caption else []
    header += _session.question
    csv = "".join(f"# {line}\n" for line in header) + values.to_csv()
    write_text(_session.folder / f"{stem}.csv", csv)
    write_text(_session.folder / f"{stem}.tex", shown.latex())
    return [_session.folder / f"{stem}.csv", _session.folder / f"{stem}.tex"]
