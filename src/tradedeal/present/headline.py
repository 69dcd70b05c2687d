"""A report's answer in two or three sentences, shown first and repeated in the run's index.

A notebook computes its sentences from its results (never types them) and shows them with
:func:`show_headline`. The output carries the sentences as markdown for the reader, as plain
text for nbval, and in its metadata (``tradedeal.headline``), where the report run finds them
for ``index.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

METADATA_KEY = "tradedeal"


def headline_text(sentences: Sequence[str]) -> str:
    """Join sentences into one paragraph; each must end with a full stop."""
    parts = [s.strip() for s in sentences if s and s.strip()]
    if not parts:
        raise ValueError("a headline needs at least one sentence")
    return " ".join(p if p.endswith((".", "!", "?")) else p + "." for p in parts)


def show_headline(sentences: Sequence[str], *, coverage: str | None = None) -> None:
    """Display the headline in a notebook (markdown, plain text and metadata); ``coverage`` (the
    coverage the sentences are on, e.g. ``window.coverage``) goes into the metadata for the index.
    Field names in the sentences are written in words (:func:`tradedeal.present.labels.words`)."""
    from IPython.display import display

    from tradedeal.present.labels import words

    text = words(headline_text(sentences))
    meta = {"headline": text} | ({"coverage": str(coverage)} if coverage else {})
    display({"text/markdown": f"**{text}**", "text/plain": text}, raw=True, metadata={METADATA_KEY: meta})


def _headline_output(nb) -> dict | None:
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get(METADATA_KEY)
            if isinstance(meta, dict) and meta.get("headline"):
                return output
    return None


def find_headline(nb) -> str | None:
    """The headline an executed notebook (nbformat node or dict) shows, or None."""
    output = _headline_output(nb)
    return output["metadata"][METADATA_KEY]["headline"] if output else None


#: Parameters that name a report's subject in its title, in this order.
SUBJECT = ("product", "category", "level")


@dataclass(frozen=True)
class Opening:
    """What an executed report opens with, read from its outputs: its title (the notebook's
    first heading and its subject), headline, coverage, period and resolved parameters."""

    title: str
    headline: str | None
    coverage: str | None
    period: str | None
    parameters: str | None

    @property
    def coverage_words(self) -> str | None:
        """The coverage as readers read it (``annex_6_1`` → ``All Annex 6.1 goods including civil aircraft``)."""
        from tradedeal.present.labels import label

        return label(self.coverage) if self.coverage else None


def _question_lines(nb) -> dict[str, str]:
    """The ``Parameters:``, ``Period:`` and ``Coverage:`` lines of the first output that has them
    (the one :func:`tradedeal.present.parameters.describe` prints)."""
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain") or ""
            text = "".join(text) if isinstance(text, list) else text
            if text.startswith("Parameters: "):
                return {k: v.strip() for k, _, v in (line.partition(": ") for line in text.splitlines()) if v}
    return {}


def _subject(name: str, value: str) -> str:
    from tradedeal.present import labels

    if name == "level":  # the scanner's lines
        return f"{value.upper()} lines" if value.lower().startswith("hs") else f"{value} lines"
    if name == "product":
        return labels.product(value)
    return labels.name(value) if "_" in value or value in labels.LABELS else value


def _heading(nb) -> str:
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "tradedeal report"


def opening(nb) -> Opening:
    """Read an executed report's :class:`Opening`."""
    lines = _question_lines(nb)
    parameters = lines.get("Parameters")
    values = dict(part.split(" = ", 1) for part in (parameters or "").split(", ") if " = " in part)
    subject = [_subject(k, values[k]) for k in SUBJECT if values.get(k)]
    period = lines.get("Period")
    output = _headline_output(nb)
    meta = output["metadata"][METADATA_KEY] if output else {}
    coverage = meta.get("coverage") or (lines["Coverage"].split(" — ")[0] if lines.get("Coverage") else None)
    heading, about = _heading(nb), ", ".join([*subject, *([period] if period else [])])
    title = heading if not about else f"{heading} ({about})" if heading.endswith("?") else f"{heading} — {about}"
    return Opening(title, meta.get("headline"), coverage, period, parameters)


def for_readers(nb):
    """A copy of an executed notebook for the HTML report: the title, headline and coverage in
    its metadata (the template shows them first), the headline output and the first heading
    taken out of the cells (they would be shown twice)."""
    import copy

    nb = copy.deepcopy(nb)
    found = opening(nb)
    nb["metadata"]["title"] = found.title
    nb["metadata"][METADATA_KEY] = {"title": found.title, "headline": found.headline,
                                    "coverage": found.coverage_words}
    for cell in nb["cells"]:
        if "outputs" in cell:
            cell["outputs"] = [o for o in cell["outputs"] if METADATA_KEY not in o.get("metadata", {})]
    for cell in nb["cells"]:  # the first heading (a failed run has papermill's error cell first)
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and source.startswith("# "):
            cell["source"] = source.partition("\n")[2].lstrip("\n")
            break
    return nb
