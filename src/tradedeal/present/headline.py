"""A report's answer in two or three sentences, shown first and repeated in the run's index.

A notebook computes its sentences from its results (never types them) and shows them with
:func:`show_headline`. The output carries the sentences as markdown for the reader, as plain
text for nbval, and in its metadata (``tradedeal.headline``), where the report run finds them
for ``index.html``.
"""

from __future__ import annotations

from collections.abc import Sequence

METADATA_KEY = "tradedeal"


def headline_text(sentences: Sequence[str]) -> str:
    """Join sentences into one paragraph; each must end with a full stop."""
    parts = [s.strip() for s in sentences if s and s.strip()]
    if not parts:
        raise ValueError("a headline needs at least one sentence")
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)


def show_headline(sentences: Sequence[str]) -> None:
    """Display the headline in a notebook (markdown, plain text and metadata)."""
    from IPython.display import display

    text = headline_text(sentences)
    display({"text/markdown": f"**{text}**", "text/plain": text}, raw=True,
            metadata={METADATA_KEY: {"headline": text}})


def find_headline(nb) -> str | None:
    """The headline an executed notebook (nbformat node or dict) shows, or None."""
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get(METADATA_KEY)
            if isinstance(meta, dict) and meta.get("headline"):
                return meta["headline"]
    return None
