"""tradedeal: China's purchases of US goods under the 2020 US–China Phase One agreement.

Loaders (:mod:`tradedeal.ingest.data`), the covered-product concordance (:mod:`tradedeal.agreement.concordance`),
the agreement's targets (:mod:`tradedeal.agreement.targets`) and the tracker table (:mod:`tradedeal.agreement.tracker`).
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
    "SourceError",
    "TradedealError",
    "__version__",
]
