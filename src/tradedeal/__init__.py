"""tradedeal: China's purchases of US goods under the 2020 US–China Phase One agreement.

Start from a :class:`Snapshot` (a data folder at one vintage) and the question asked of it::

    from tradedeal import Snapshot

    snap = Snapshot()                        # the latest data; Snapshot(vintage="snapshot") pins one
    snap.tracker(2020, "2020-07").table      # purchases against the targets
    window = snap.select(2021)               # year, as-of month and coverage, resolved once

The package's folders are its layers: ``ingest`` (raw files, pulls, vintages, processed tables),
``agreement`` (concordance, targets, the question, tracker, products), ``models`` (momentum,
forecasts, backtests, projections) and ``present`` (tables, plots, reports, command line).
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
