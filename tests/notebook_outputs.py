"""What a reader sees of an executed notebook: its outputs cell by cell, the way a front end
shows them, not the way the kernel happened to send them.

A kernel flushes stdout on a timer, so one ``print`` loop can arrive as one stream output in one
run and as three in the next. A reader sees the same text either way: consecutive stream outputs
of the same name are one block. Display outputs (tables, figures, errors) stay separate and in
order, so any difference in content or order still shows.
"""

from __future__ import annotations

import json
from pathlib import Path

TEXT_KEYS = ("text/plain", "text/html")  # what a display output shows in text; images are not compared


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def reader_outputs(notebook: Path | dict, mimes: tuple[str, ...] = TEXT_KEYS) -> list[list[str]]:
    """The outputs of each code cell as a reader sees them, one string per block.

    Consecutive stream outputs of the same name (``stdout``, ``stderr``) are merged into one
    block; a display or result output is its text in ``mimes`` (``text/plain`` and ``text/html``);
    an error is its name, value and traceback. ``notebook`` is a path to an ``.ipynb`` file or the
    parsed notebook.
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8")) if isinstance(notebook, (str, Path)) else notebook
    cells = []
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        blocks: list[str] = []
        stream = None  # name of the stream the last block came from
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                text = _text(out.get("text", ""))
                if stream == out.get("name"):
                    blocks[-1] += text
                else:
                    blocks.append(text)
                stream = out.get("name")
                continue
            stream = None
            if kind == "error":
                blocks.append("\n".join([f"{out.get('ename', '')}: {out.get('evalue', '')}", *out.get("traceback", [])]))
            else:
                data = out.get("data", {})
                blocks.append("\n".join(_text(data[k]) for k in mimes if k in data))
        cells.append(blocks)
    return cells


def reader_text(notebook: Path | dict, mimes: tuple[str, ...] = TEXT_KEYS) -> str:
    """All the text a reader sees in an executed notebook, blocks separated by newlines."""
    return "\n".join(block for blocks in reader_outputs(notebook, mimes) for block in blocks)
