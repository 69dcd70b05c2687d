"""Clients of the Census International Trade API and FRED: the only code that touches the network.

Base URLs are settings (``TRADEDEAL_CENSUS_URL``, ``TRADEDEAL_FRED_URL``), so tests point the
clients at a local server. One ``requests`` session with timeouts and retries (backoff on
timeouts, 429 and 5xx, honouring ``Retry-After``); a caller may pass its own session, which is
never closed here. The Census API key comes from ``CENSUS_API_KEY`` and never appears in an
error message, a log line or a file: every URL shown is redacted, and once this module is
imported every log record of the process, whatever its logger, level or handler, is redacted
when it is made (a log record factory), tracebacks logged with it included.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tradedeal.errors import ParameterError, SourceError

CENSUS_URL = "https://api.census.gov/data/timeseries/intltrade/exports/hs"
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
CENSUS_FIELDS = "E_COMMODITY,E_COMMODITY_SDESC,ALL_VAL_MO,QTY_1_MO,UNIT_QY1"
RETRY_STATUS = (429, 500, 502, 503, 504)

log = logging.getLogger(__name__)
_KEY_IN_URL = re.compile(r"([?&]key=)[^&\s'\"#]+", re.IGNORECASE)  # a query's key, not 'monkey=' nor a dask task key


_KEYS: set[str] = set()  # every key a client of this process has sent


def redact(text: str, key: str | None = None) -> str:
    """``text`` with any ``key=…`` query value (and every key in use) replaced by REDACTED."""
    text = _KEY_IN_URL.sub(r"\1REDACTED", str(text))
    for secret in {key, *_KEYS} - {None, ""}:
        text = text.replace(secret, "REDACTED")
    return text


def _redacting(make_record):
    """Wrap a log record factory so that every record it makes is redacted: urllib3 logs request
    URLs (``Incremented Retry for (url='…&key=…')``) from loggers no filter on a parent sees."""

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  a malformed record: logging reports it itself
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    factory.redacts_keys = True
    return factory


def _install_redaction() -> None:
    """Redact every log record of the process from now on (once, whoever set the factory before)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "redacts_keys", False):
        logging.setLogRecordFactory(_redacting(current))


_install_redaction()


def _seconds(name: str, default: float, *, low: float, high: float, allow_zero: bool) -> float:
    """A setting in seconds from the environment: finite, within ``low``..``high`` (0 only if allowed)."""
    text = os.environ.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < low or value > high or (value == 0 and not allow_zero):
        kind = "a number of seconds from 0" if allow_zero else "a positive number of seconds"
        raise ParameterError(f"{name} must be {kind} up to {high:g}; got {text!r}")
    return value


def make_session(*, retries: int = 4, backoff: float | None = None) -> requests.Session:
    """A session retrying GETs on connection errors, timeouts, 429 and 5xx with backoff.

    ``backoff`` (seconds, doubling each retry) defaults to ``TRADEDEAL_HTTP_BACKOFF`` or 0.5.
    """
    if backoff is None:
        backoff = _seconds("TRADEDEAL_HTTP_BACKOFF", 0.5, low=0, high=600, allow_zero=True)
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
    """Seconds to wait (connect, read); ``TRADEDEAL_HTTP_TIMEOUT`` (positive, finite) sets both."""
    if not os.environ.get("TRADEDEAL_HTTP_TIMEOUT"):
        return (10.0, 60.0)
    return _seconds("TRADEDEAL_HTTP_TIMEOUT", 60.0, low=0, high=86_400, allow_zero=False)


@dataclass
class _Client:
    base_url: str
    session: requests.Session | None = None
    timeout: float | tuple[float, float] | None = None
    key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.timeout = self.timeout or default_timeout()  # a bad setting is said before any request
        if self.key:
            _KEYS.add(self.key)

    def _get(self, params: dict) -> Response:
        session = self.session or make_session()
        query = dict(params)
        if self.key:
            query["key"] = self.key
        shown = redact(requests.Request("GET", self.base_url, params=query).prepare().url, self.key)
        try:
            reply = session.get(self.base_url, params=query, timeout=self.timeout)
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
