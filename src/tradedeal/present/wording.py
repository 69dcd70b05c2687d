"""Every text a reader sees in an executed report, and the field names in it
(:func:`tradedeal.present.labels.field_names`), so that a test can fail when a field name
reaches a reader. Code blocks and command lines quoted in markdown (`` `-p product crude_oil` ``)
are typed as they are, so they are left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from tradedeal.present.labels import field_names

_TAG = re.compile(r"<[^>]+>")
_CODE_SPAN = re.compile(r"```.*?```|`(?:-p |-f |--|tradedeal |\.venv/)[^`]*`", re.S)


def _html_texts(markup: str) -> Iterator[str]:
    """The text of table headers, cells and captions (tags out, entities decoded)."""
    markup = re.sub(r"<style.*?</style>", "", markup, flags=re.S)
    for cell in re.findall(r"<(?:th|td|caption)[^>]*>(.*?)</(?:th|td|caption)>", markup, flags=re.S):
        text = html.unescape(_TAG.sub("", cell)).strip()
        if text:
            yield text


def _join(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def reader_texts(nb) -> Iterator[tuple[str, str]]:
    """Every text a reader of an executed report sees, as ``(where, text)``: markdown cells, the
    headline, printed lines, HTML tables (headers, cells, captions) and figures' alt text."""
    for i, cell in enumerate(nb["cells"]):
        where = f"cell {i}"
        if cell["cell_type"] == "markdown":
            yield f"{where} markdown", _CODE_SPAN.sub("", _join(cell["source"]))
            continue
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}) or {}
            if isinstance(meta.get("tradedeal"), dict) and meta["tradedeal"].get("headline"):
                yield f"{where} headline", meta["tradedeal"]["headline"]
                continue
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                yield f"{where} printed", _join(output.get("text"))
                continue
            data = output.get("data", {}) or {}
            if "text/html" in data:
                for text in _html_texts(_join(data["text/html"])):
                    yield f"{where} table", text
            elif "text/markdown" in data:
                yield f"{where} display", _join(data["text/markdown"])
            alt = (meta.get("image/png") or {}).get("alt")
            if alt:
                yield f"{where} figure alt text", alt


def offenders(nb) -> list[tuple[str, str, str]]:
    """``(where, field name, the text)`` for every field name a reader of ``nb`` would see."""
    return [(where, token, text) for where, text in reader_texts(nb) for token in dict.fromkeys(field_names(text))]
