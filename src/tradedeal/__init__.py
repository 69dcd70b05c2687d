"""tradedeal: China's purchases of US goods under the 2020 US–China Phase One agreement.

Start from a :class:`Snapshot` (a data folder at one vintage) and the question asked of it::

    from tradedeal import Snapshot
    from tradedeal.agreement.answers import tracker_result
    from tradedeal.agreement.window import select

    snap = Snapshot()                        # the latest data; Snapshot(vintage="snapshot") pins one
    tracker_result(snap, 2020, "2020-07").table  # purchases against the targets
    window = select(snap, year=2021)         # year, as-of month and coverage, resolved once

The package's folders are its layers: ``ingest`` (raw files, pulls, vintages, processed tables),
``agreement`` (concordance, targets, the question, tracker, products), ``models`` (one room per
question: ``momentum``, ``forecast``, ``scan``, and what they share in ``shared``) and ``present``
(tables, plots, reports, command line); ``docs/architecture.md`` draws them.
Importing tradedeal reads no file and touches no network.
"""

from tradedeal.errors import (
    ConcordanceError,
    DataNotAvailableError,
    ParameterError,
    SchemaError,
    SourceError,
    TradedealError,
)

__version__ = "0.1.0"

__all__ = [
    "ConcordanceError",
    "DataNotAvailableError",
    "ParameterError",
    "SchemaError",
    "Snapshot",
    "SourceError",
    "TradedealError",
    "Window",
    "__version__",
]


def __getattr__(name: str):
    """``Snapshot`` and ``Window`` on first use, so that importing tradedeal stays light."""
    if name == "Snapshot":
        from tradedeal.ingest.snapshot import Snapshot

        return Snapshot
    if name == "Window":
        from tradedeal.agreement.window import Window

        return Window
    raise AttributeError(f"module 'tradedeal' has no attribute {name!r}")
