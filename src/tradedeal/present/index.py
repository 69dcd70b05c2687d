"""A run's ``index.html``: each report's title, headline, coverage and resolved parameters, read
from its executed notebook (:func:`tradedeal.present.headline.opening`), and its status."""

from __future__ import annotations

import html
from pathlib import Path

from tradedeal.present.headline import Opening, opening

STYLE = (
    "body{font-family:sans-serif;margin:2em;line-height:1.4}table{border-collapse:collapse}"
    "td,th{padding:.5em 1em;text-align:left;vertical-align:top;border-bottom:1px solid #ddd}"
    "td.headline{min-width:24em;max-width:38em}td.facts{font-size:.9em;color:#444;max-width:18em}.label{font-size:.85em;color:#555}"
    ".failed{color:#b03a2e}"
)


def read_opening(ipynb: Path | None) -> Opening | None:
    """The opening of an executed report on disk, or None when it cannot be read."""
    import nbformat

    if ipynb is None or not ipynb.is_file():
        return None
    try:
        return opening(nbformat.read(ipynb, as_version=4))
    except Exception:  # noqa: BLE001  a half-written or foreign file: the index still lists the run
        return None


def _row(label: str, page: str | None, status: str, ok: bool, found: Opening | None, parameters: dict) -> str:
    """One report's row: title (linked) and label, headline, coverage and period, parameters, status."""
    e = html.escape
    title = found.title if found else label
    name = f'<a href="{e(page)}">{e(title)}</a>' if page else e(title)
    given = ", ".join(f"{k} = {v}" for k, v in parameters.items() if v is not None)
    shown = found.parameters if found and found.parameters else (given or "the notebook's defaults")
    headline = found.headline if found and found.headline else ("no headline" if found else "")
    facts = [f"{k}: {e(v)}" for k, v in (("Coverage", found and found.coverage_words), ("Period", found and found.period))
             if v]
    return (
        f'<tr><td>{name}<br><span class="label">{e(label)}</span></td><td class="headline">{e(headline)}</td>'
        f'<td class="facts">{"<br>".join(facts)}</td><td class="facts">{e(shown)}</td>'
        f'<td class="{"" if ok else "failed"}">{e(status)}</td></tr>'
    )


def index_html(entries: list[tuple[str, Path | None, Path | None, str, bool, dict]], run_id: str) -> str:
    """The index page. ``entries``: per report its label, HTML path (None when not written),
    executed notebook, status text, whether it succeeded, and the parameters it was given."""
    rows = [
        _row(label, page.name if page else None, status, ok, read_opening(ipynb), parameters)
        for label, page, ipynb, status, ok, parameters in entries
    ]
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>tradedeal reports {html.escape(run_id)}"
        f"</title><style>{STYLE}</style></head><body><h1>tradedeal reports</h1><p>Run {html.escape(run_id)}. Phase One "
        "purchases of US goods: tracker, momentum, forecasts and products. Each report opens with its answer and "
        "states its parameters, coverage and data vintage.</p><table><tr><th>Report</th><th>Headline</th>"
        "<th>Coverage</th><th>Parameters</th><th>Status</th></tr>" + "".join(rows) + "</table></body></html>\n"
    )
