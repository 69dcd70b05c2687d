"""Clients of the Census International Trade API and FRED: the only code that touches the network.

Base URLs are settings (``TRADEDEAL_CENSUS_URL``, ``TRADEDEAL_FRED_URL``), so tests point the
clients at a local server. Requests go through :mod:`tradedeal.ingest.transport` (retries with
backoff honouring a bounded ``Retry-After``, a total deadline per request, redirects kept to the
server asked while the key is in the query, a size limit); a caller may pass its own session,
which is never closed here. The Census API key comes from ``CENSUS_API_KEY``
(:mod:`tradedeal.ingest.apikey`) and never appears in an error message, a log line or a file:
every URL shown is redacted, and a response that carries the key back, in any case or encoding,
is refused before anything of it is stored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import requests

from tradedeal.errors import SourceError
from tradedeal.ingest import apikey, transport
from tradedeal.ingest.apikey import redact
from tradedeal.ingest.transport import RETRY_STATUS, default_timeout, make_session

CENSUS_URL = "https://api.census.gov/data/timeseries/intltrade/exports/hs"
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
CENSUS_FIELDS = "E_COMMODITY,E_COMMODITY_SDESC,ALL_VAL_MO,QTY_1_MO,UNIT_QY1"


@dataclass
class Response:
    url: str  # redacted
    status: int
    body: bytes


@dataclass
class _Client:
    base_url: str
    session: requests.Session | None = None
    timeout: float | tuple[float, float] | None = None
    key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.timeout = self.timeout or default_timeout()  # a bad setting is said before any request
        self.deadline = transport.default_deadline(self.timeout)
        apikey.remember(self.key)

    def _get(self, params: dict) -> Response:
        session = self.session or make_session()
        query = dict(params)
        if self.key:
            query["key"] = self.key
        shown = redact(requests.Request("GET", self.base_url, params=query).prepare().url, self.key)
        try:
            reply = transport.get(session, self.base_url, query, timeout=self.timeout, seconds=self.deadline,
                                  secret=bool(self.key), shown=shown, redact=lambda text: redact(text, self.key))
        finally:
            if self.session is None:
                session.close()
        if reply.status in RETRY_STATUS:
            raise SourceError(f"HTTP {reply.status} after retries: {shown}")
        if apikey.holds_key(reply.body, self.key):  # before anything of it is stored or shown
            raise SourceError(f"the response carries the API key back (HTTP {reply.status}); refused, nothing "
                              f"stored: {shown}")
        if 400 <= reply.status < 500:
            detail = redact(reply.text_start, self.key)[:200]
            raise SourceError(f"HTTP {reply.status} for {shown}" + (f": {detail}" if detail else ""))
        return Response(shown, reply.status, reply.body)


class CensusClient(_Client):
    """``timeseries/intltrade/exports/hs``: monthly HS6 exports to one country."""

    def __init__(self, base_url: str | None = None, *, key: str | None = None, session=None, timeout=None):
        super().__init__(base_url or os.environ.get("TRADEDEAL_CENSUS_URL", CENSUS_URL), session, timeout,
                         key if key is not None else apikey.current())

    def exports_month(self, month: str, *, country: str = "5700") -> Response | None:
        """One month's HS6 records (the API's JSON), or None when Census answers 204 (not released)."""
        # predicates come back as columns after the requested fields: CTY_CODE, COMM_LVL, time
        reply = self._get({"get": CENSUS_FIELDS, "CTY_CODE": country, "COMM_LVL": "HS6", "time": month})
        if reply.status == 204 or not reply.body.strip():
            return None
        try:
            rows = json.loads(reply.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(f"response is not complete JSON ({exc.__class__.__name__}): {reply.url}") from None
        if not isinstance(rows, list) or not rows or not isinstance(rows[0], list):
            raise SourceError(f"response is not a Census table (a list of rows): {reply.url}")
        return reply


class FredClient(_Client):
    """FRED's key-free CSV download (``fredgraph.csv?id=SERIES``)."""

    def __init__(self, base_url: str | None = None, *, session=None, timeout=None):
        super().__init__(base_url or os.environ.get("TRADEDEAL_FRED_URL", FRED_URL), session, timeout, None)

    def series_csv(self, series: str) -> Response:
        reply = self._get({"id": series})
        if not reply.body.strip():
            raise SourceError(f"empty response: {reply.url}")
        return reply
