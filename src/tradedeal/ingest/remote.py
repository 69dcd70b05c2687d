"""Clients of the Census International Trade API and FRED: the only code that touches the network.

Base URLs are settings (``TRADEDEAL_CENSUS_URL``, ``TRADEDEAL_FRED_URL``), so tests point the
clients at a local server. One ``requests`` session with timeouts and retries (backoff on
timeouts, 429 and 5xx, honouring ``Retry-After``); a caller may pass its own session, which is
never closed here. The Census API key comes from ``CENSUS_API_KEY`` and never appears in an
error message, a log line or a file: every URL shown is redacted.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tradedeal.errors import SourceError

CENSUS_URL = "https://api.census.gov/data/timeseries/intltrade/exports/hs"
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
CENSUS_FIELDS = "E_COMMODITY,E_COMMODITY_SDESC,ALL_VAL_MO,QTY_1_MO,UNIT_QY1"
RETRY_STATUS = (429, 500, 502, 503, 504)

log = logging.getLogger(__name__)
_KEY_IN_URL = re.compile(r"(key=)[^&\s'\"]+", re.IGNORECASE)


def redact(text: str, key: str | None = None) -> str:
    """``text`` with any ``key=…`` query value (and the key itself) replaced by REDACTED."""
    text = _KEY_IN_URL.sub(r"\1REDACTED", str(text))
    return text.replace(key, "REDACTED") if key else text


class _RedactKey(logging.Filter):
    """Keeps the key out of urllib3's and requests' own log lines (they log URLs)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


_FILTER = _RedactKey()
for _name in ("urllib3", "urllib3.connectionpool", "requests"):
    logging.getLogger(_name).addFilter(_FILTER)


def make_session(*, retries: int = 4, backoff: float | None = None) -> requests.Session:
    """A session retrying GETs on connection errors, timeouts, 429 and 5xx with backoff.

    ``backoff`` (seconds, doubling each retry) defaults to ``TRADEDEAL_HTTP_BACKOFF`` or 0.5.
    """
    if backoff is None:
        backoff = float(os.environ.get("TRADEDEAL_HTTP_BACKOFF") or 0.5)
    retry = Retry(
        total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
        status_forcelist=RETRY_STATUS, allowed_methods=frozenset({"GET"}), respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


@dataclass
class Response:
    url: str  # redacted
    status: int
    body: bytes


def default_timeout() -> float | tuple[float, float]:
    """Seconds to wait (connect, read); ``TRADEDEAL_HTTP_TIMEOUT`` sets both."""
    value = os.environ.get("TRADEDEAL_HTTP_TIMEOUT")
    try:
        return float(value) if value else (10.0, 60.0)
    except ValueError:
        raise SourceError(f"TRADEDEAL_HTTP_TIMEOUT must be a number of seconds; got {value!r}") from None


@dataclass
class _Client:
    base_url: str
    session: requests.Session | None = None
    timeout: float | tuple[float, float] | None = None
    key: str | None = field(default=None, repr=False)

    def _get(self, params: dict) -> Response:
        session = self.session or make_session()
        query = dict(params)
        if self.key:
            query["key"] = self.key
        shown = redact(requests.Request("GET", self.base_url, params=query).prepare().url, self.key)
        try:
            reply = session.get(self.base_url, params=query, timeout=self.timeout or default_timeout())
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise SourceError(f"request failed after retries ({reason}): {shown}") from None
        finally:
            if self.session is None:
                session.close()
        if reply.status_code in RETRY_STATUS:
            raise SourceError(f"HTTP {reply.status_code} after retries: {shown}")
        if 400 <= reply.status_code < 500:
            detail = redact(reply.text.strip().splitlines()[0] if reply.text.strip() else "", self.key)[:200]
            raise SourceError(f"HTTP {reply.status_code} for {shown}" + (f": {detail}" if detail else ""))
        return Response(shown, reply.status_code, reply.content)


class CensusClient(_Client):
    """``timeseries/intltrade/exports/hs``: monthly HS6 exports to one country."""

    def __init__(self, base_url: str | None = None, *, key: str | None = None, session=None, timeout=None):
        super().__init__(base_url or os.environ.get("TRADEDEAL_CENSUS_URL", CENSUS_URL), session, timeout,
                         key if key is not None else os.environ.get("CENSUS_API_KEY") or None)

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
