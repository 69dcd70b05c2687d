"""Words for readers: field names and codes found in a sentence, and every text a reader sees in an
executed report, so that a test can fail when a field name reaches a reader.

A *field name* here is a snake_case token (``prob_reach_target``, ``annex_6_1``,
``covered_total``) or one of the lower-case codes that are not words (``lng``, ``hs4``); the
words for them come from the one label map (:func:`tradedeal.present.labels.name`). A token inside
a file path or a URL (``docs/momentum.md``, ``benchmarks/size.py``) is a file's name, not a field.
The ``Parameters:`` line of a report is exempt: it lists the ``-p`` names that re-run it, as typed;
so are code blocks and command lines quoted in markdown (`` `-p product crude_oil` ``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

#: Lower-case codes that are not words; in a reader's text they are written ``LNG``, ``HS4`` ….
CODE_WORDS = frozenset({"lng", "lpg", "hs2", "hs4", "hs6", "hs8", "hs10", "ytd", "yoy", "usd", "qty", "sa",
                        "crps", "mae", "rmse", "mase"})  # model names (snaive, ets …) are names: kept
_TOKEN = re.compile(r"(?<![\w./\\-])([a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+[0-9]*)(?![\w/\\-]|\.(?:py|md|csv|json|"
                    r"yaml|yml|ipynb|tex|txt|html|parquet|gz|cfg|toml|lock)\b)")
#: Lines of a report's opening that are for re-running it, not for reading: kept as typed.
EXEMPT_PREFIXES = ("Parameters: ", "Software: ")


def field_names(text: str) -> list[str]:
    """The field names and lower-case codes in ``text`` (see the module), in order, repeated."""
    found = []
    for line in str(text).splitlines():
        if line.startswith(EXEMPT_PREFIXES):
            continue
        for match in _TOKEN.finditer(line):
            token = match[1]
            if "_" in token or token in CODE_WORDS:
                found.append(token)
    return found


def words(text: str) -> str:
    """``text`` with each field name replaced by its words from the label map
    (``US exports of crude_oil`` → ``US exports of crude oil``); the exempt lines stay as they are."""
    from tradedeal.present.labels import name

    def swap(match: re.Match) -> str:
        token = match[1]
        return name(token) if "_" in token or token in CODE_WORDS else token

    return "\n".join(line if line.startswith(EXEMPT_PREFIXES) else _TOKEN.sub(swap, line)
                     for line in str(text).split("\n"))


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
