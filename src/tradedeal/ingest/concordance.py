"""The covered-product concordance (Attachment to Annex 6.1): categories, the named coverages and
how a commodity code is classified.

It sits in ``ingest`` because the build classifies every HS6 line while it makes the processed
tables; the agreement's readers import it from here. The annex file itself is read by
:func:`tradedeal.ingest.sources.load_concordance`.

Coverage is an explicit choice: every figure tradedeal reports says which coverage it uses, and a
table never mixes two.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradedeal.errors import ParameterError

#: The agreement's goods categories, in the order tables show them.
CATEGORIES = ("agriculture", "manufactures", "energy")
NOT_COVERED = "not_covered"
COVERED_TOTAL = "covered_total"
LEVELS = ("hs4", "hs6", "census_special")

#: Census special code under which civil aircraft, engines and parts are reported.
CIVIL_AIRCRAFT = "880000"


@dataclass(frozen=True)
class Coverage:
    """A named set of covered products: the concordance less ``excluded`` codes; ``words`` names
    it in a sentence (``all Annex 6.1 goods including civil aircraft``)."""

    name: str
    description: str
    words: str
    excluded: frozenset[str] = frozenset()


#: The coverage of the published category aggregates (Annex 6.1 at HS4, no civil aircraft).
AGGREGATE_COVERAGE = "annex_6_1_ex_civil_aircraft"

COVERAGES: dict[str, Coverage] = {
    c.name: c
    for c in (
        Coverage(
            "annex_6_1",
            "Annex 6.1 covered products: HS4 lines, energy lines at HS6, civil aircraft under Census code 880000",
            "all Annex 6.1 goods including civil aircraft",
        ),
        Coverage(
            AGGREGATE_COVERAGE,
            "Annex 6.1 as transcribed at HS4, without civil aircraft (Census code 880000): "
            "the coverage of the published 2021 category aggregates",
            "Annex 6.1 goods without civil aircraft",
            frozenset({CIVIL_AIRCRAFT}),
        ),
    )
}
DEFAULT_COVERAGE = "annex_6_1"


def get_coverage(name: str) -> Coverage:
    """Return the coverage called ``name``; raise :class:`ParameterError` naming the choices."""
    try:
        return COVERAGES[name]
    except KeyError:
        raise ParameterError(f"coverage must be one of {', '.join(COVERAGES)}; got {name!r}") from None


def classify(codes, concordance: pd.DataFrame, coverage: str = DEFAULT_COVERAGE) -> pd.DataFrame:
    """Map commodity codes to Phase One category and sub-category under a coverage.

    A code matches a six-digit line (HS6 or Census special code) exactly, else its HS4 heading
    (the more specific line wins: methanol 290511 is energy, the rest of heading 2905
    manufactures); codes of more than six digits (the agreement's HS8/HS10 lines) match through their HS6 parent.

    Returns a frame indexed by the distinct codes with ``category`` (``not_covered`` where no line
    matches) and ``subcategory`` (missing where not covered).
    """
    cov = get_coverage(coverage)
    lines = concordance[~concordance["code"].isin(cov.excluded)]
    exact = lines[lines["level"] != "hs4"].set_index("code")[["category", "subcategory"]]
    heading = lines[lines["level"] == "hs4"].set_index("code")[["category", "subcategory"]]
    codes = codes if isinstance(codes, pd.Series) else pd.Series(list(codes), dtype=str)
    unique = pd.Index(codes.astype(str).unique(), name="code")
    six = unique.str[:6]
    four = unique.str[:4]
    by_exact = exact.reindex(six)
    by_heading = heading.reindex(four)
    out = pd.DataFrame(
        {
            "category": by_exact["category"].to_numpy(),
            "subcategory": by_exact["subcategory"].to_numpy(),
        },
        index=unique,
    )
    use_heading = out["category"].isna().to_numpy()
    out.loc[use_heading, "category"] = by_heading["category"].to_numpy()[use_heading]
    out.loc[use_heading, "subcategory"] = by_heading["subcategory"].to_numpy()[use_heading]
    out["category"] = out["category"].fillna(NOT_COVERED)
    return out
