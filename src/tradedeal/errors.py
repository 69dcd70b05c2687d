"""One error family for tradedeal.

The command line turns every :class:`TradedealError` into a one-line message and exit code 2.
"""

from __future__ import annotations


class TradedealError(Exception):
    """Base class of every error tradedeal raises on purpose."""


class SchemaError(TradedealError):
    """A raw file, a pulled response or a processed table breaks its source's schema (layout,
    values, months); the message names the file, the row and the rule."""


class ConcordanceError(TradedealError):
    """The covered-product concordance is malformed or ambiguous."""


class ParameterError(TradedealError, ValueError):
    """A caller passed a parameter outside its allowed values."""


class DataNotAvailableError(TradedealError):
    """The data asked for is not in the snapshot (for example a month after it ends)."""


class SourceError(TradedealError):
    """A remote data source answered with an error or not at all."""


class EstimationError(TradedealError):
    """An estimator was handed, or produced, a number that is not finite (NaN or infinite): no
    estimate, interval, p-value or verdict is given from it; the message names the series."""
