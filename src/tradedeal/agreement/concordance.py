"""The covered-product concordance (Attachment to Annex 6.1) and the named coverages.

Defined one floor down, in :mod:`tradedeal.ingest.concordance` (the build classifies every HS6
line with it) and :func:`tradedeal.ingest.sources.load_concordance` (the annex file is a raw
file, checked against its schema); the agreement's readers import them from here.
"""

from __future__ import annotations

from tradedeal.ingest.concordance import (
    AGGREGATE_COVERAGE,
    CATEGORIES,
    CIVIL_AIRCRAFT,
    COVERAGES,
    COVERED_TOTAL,
    DEFAULT_COVERAGE,
    LEVELS,
    NOT_COVERED,
    Coverage,
    classify,
    get_coverage,
)
from tradedeal.ingest.sources import load_concordance

__all__ = [
    "AGGREGATE_COVERAGE",
    "CATEGORIES",
    "CIVIL_AIRCRAFT",
    "COVERAGES",
    "COVERED_TOTAL",
    "DEFAULT_COVERAGE",
    "LEVELS",
    "NOT_COVERED",
    "Coverage",
    "classify",
    "get_coverage",
    "load_concordance",
]
