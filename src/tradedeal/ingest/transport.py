"""HTTP for the clients of :mod:`tradedeal.ingest.remote`: retries, deadlines, redirects, sizes.

One ``requests`` session whose adapter retries GETs with urllib3's ``Retry`` (connection errors,
timeouts, 429 and 5xx, with backoff, honouring ``Retry-After``), and whose connections keep a
total deadline: every read of a socket waits at most the per-read timeout and never past the
deadline of the request it serves, so a server sending one byte a second ends like one that sends
nothing. A ``Retry-After`` longer than :data:`MAX_RETRY_AFTER` (or than the time the deadline
leaves) is :class:`WaitTooLong`, never a silent sleep. :func:`get` follows a redirect only to the
same scheme, host and port when the request carries a secret, reads at most :data:`MAX_BYTES`,
and raises :class:`~tradedeal.errors.SourceError` with the URL as shown (redacted).
"""

from __future__ import annotations

import contextvars
import math
import os
import socket
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError
from urllib3.util.retry import Retry

from tradedeal.errors import ParameterError, SourceError

RETRY_STATUS = (429, 500, 502, 503, 504)
REDIRECT_STATUS = (301, 302, 303, 307, 308)
#: The longest ``Retry-After`` tradedeal waits for; a server asking for more is said in one line.
MAX_RETRY_AFTER = 120.0
#: The largest response read (a Census month is under 1 MB).
MAX_BYTES = 64 * 2**20
MAX_REDIRECTS = 5

#: (deadline on the monotonic clock, per-read timeout) of the request this thread is making.
_LIMITS: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar("tradedeal_http", default=None)


class WaitTooLong(Exception):
    """The server asks (``Retry-After``) for a longer wait than tradedeal makes: more than
    :data:`MAX_RETRY_AFTER` (``past_deadline`` False), or past the request's deadline."""

    def __init__(self, seconds: float, past_deadline: bool):
        super().__init__(f"{seconds:g} s")
        self.seconds, self.past_deadline = seconds, past_deadline


class DeadlinePassed(Exception):
    """The request's total deadline passed (between tries)."""


def seconds_setting(name: str, default: float, *, low: float, high: float, allow_zero: bool) -> float:
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


def _remaining() -> float | None:
    limits = _LIMITS.get()
    return None if limits is None else limits[0] - time.monotonic()


class _Deadline:
    """Socket reads that wait at most the per-read timeout and never past the request's deadline."""

    __slots__ = ()

    def _arm(self) -> None:
        limits = _LIMITS.get()
        if limits is None:
            return
        left = limits[0] - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request's total deadline passed")
        self.settimeout(min(limits[1], left))

    def recv(self, *args, **kwargs):
        self._arm()
        return super().recv(*args, **kwargs)

    def recv_into(self, *args, **kwargs):
        self._arm()
        return super().recv_into(*args, **kwargs)


class _PlainSocket(_Deadline, socket.socket):
    __slots__ = ()


class _TLSSocket(_Deadline, ssl.SSLSocket):
    __slots__ = ()


def _with_deadline(sock) -> None:
    if type(sock) is socket.socket:
        sock.__class__ = _PlainSocket
    elif type(sock) is ssl.SSLSocket:
        sock.__class__ = _TLSSocket


class _DeadlineConnection:
    """A urllib3 connection that connects only before the deadline, on a socket that keeps it."""

    def connect(self) -> None:
        left = _remaining()
        if left is not None and left <= 0:
            raise ConnectTimeoutError(self, "the request's total deadline passed")
        super().connect()
        _with_deadline(self.sock)


class _HTTPConnection(_DeadlineConnection, HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter on connections that keep the request's deadline."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


class _Retry(Retry):
    """urllib3's Retry that never sleeps past the deadline, nor longer than :data:`MAX_RETRY_AFTER`
    for a ``Retry-After``."""

    def sleep_for_retry(self, response) -> bool:
        wait = self.get_retry_after(response)
        if not wait:
            return False
        left = _remaining()
        if wait > MAX_RETRY_AFTER or (left is not None and wait > left):
            raise WaitTooLong(wait, past_deadline=wait <= MAX_RETRY_AFTER)
        time.sleep(wait)
        return True

    def _sleep_backoff(self) -> None:
        left = _remaining()
        if left is not None and left <= 0:
            raise DeadlinePassed()
        backoff = self.get_backoff_time()
        if backoff > 0:
            time.sleep(backoff if left is None else min(backoff, left))


def make_session(*, retries: int = 4, backoff: float | None = None) -> requests.Session:
    """A session retrying GETs on connection errors, timeouts, 429 and 5xx with backoff.

    ``backoff`` (seconds, doubling each retry) defaults to ``TRADEDEAL_HTTP_BACKOFF`` or 0.5.
    """
    if backoff is None:
        backoff = seconds_setting("TRADEDEAL_HTTP_BACKOFF", 0.5, low=0, high=600, allow_zero=True)
    retry = _Retry(
        total=retries, connect=retries, read=retries, status=retries, backoff_factor=backoff,
        status_forcelist=RETRY_STATUS, allowed_methods=frozenset({"GET"}), respect_retry_after_header=True,
        raise_on_status=False, retry_after_max=86_400,
    )
    session = requests.Session()
    adapter = _Adapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def default_timeout() -> float | tuple[float, float]:
    """Seconds to wait (connect, read); ``TRADEDEAL_HTTP_TIMEOUT`` (positive, finite) sets both."""
    if not os.environ.get("TRADEDEAL_HTTP_TIMEOUT"):
        return (10.0, 60.0)
    return seconds_setting("TRADEDEAL_HTTP_TIMEOUT", 60.0, low=0, high=86_400, allow_zero=False)


def default_deadline(timeout: float | tuple[float, float]) -> float:
    """Seconds one request may take in all, its tries included: ``TRADEDEAL_HTTP_DEADLINE``, else
    five read timeouts (300 s by default; 15 s with ``TRADEDEAL_HTTP_TIMEOUT=3``)."""
    read = timeout[1] if isinstance(timeout, tuple) else timeout
    return seconds_setting("TRADEDEAL_HTTP_DEADLINE", 5 * read, low=0, high=86_400, allow_zero=False)


@contextmanager
def deadline(seconds: float, read_timeout: float) -> Iterator[None]:
    """Every socket read of this thread inside the block ends by ``seconds`` from now."""
    token = _LIMITS.set((time.monotonic() + seconds, read_timeout))
    try:
        yield
    finally:
        _LIMITS.reset(token)


@dataclass
class Reply:
    url: str  # as shown: redacted
    status: int
    body: bytes
    text_start: str  # the first line of the body, for an error message


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def get(session: requests.Session, url: str, params: dict, *, timeout, seconds: float, secret: bool,
        shown: str, redact) -> Reply:
    """GET ``url`` with ``params``: retried by the session, within ``seconds`` in all, following at
    most :data:`MAX_REDIRECTS` redirects (with a ``secret`` in the query, only to the same scheme,
    host and port: a redirect elsewhere is refused), the body read up to :data:`MAX_BYTES`.
    ``shown`` is the URL as errors name it; ``redact`` hides a secret in any other text."""
    read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
    with deadline(seconds, read_timeout):
        try:
            target, query = url, params
            for _ in range(MAX_REDIRECTS + 1):
                reply = session.get(target, params=query, timeout=timeout, stream=True, allow_redirects=False)
                try:
                    if reply.status_code in REDIRECT_STATUS and reply.headers.get("Location"):
                        following = urljoin(reply.url, reply.headers["Location"])
                        if secret and _origin(following) != _origin(url):
                            raise SourceError(f"redirected to another server ({redact(following)}); refused: the "
                                              f"API key goes only to the server asked: {shown}")
                        target, query = following, None
                        continue
                    body = _read(reply, shown)
                    first = body[:2000].decode("utf-8", "replace").strip().splitlines()
                    return Reply(shown, reply.status_code, body, first[0] if first else "")
                finally:
                    reply.close()
            raise SourceError(f"more than {MAX_REDIRECTS} redirects: {shown}")
        except WaitTooLong as exc:
            limit = (f"past the request's deadline of {seconds:g} s" if exc.past_deadline
                     else f"more than the {MAX_RETRY_AFTER:g} s tradedeal waits")
            raise SourceError(f"the server asks to wait {exc.seconds:.0f} s before trying again (Retry-After), "
                              f"{limit}; try again later: {shown}") from None
        except DeadlinePassed:
            raise SourceError(f"no complete answer within the deadline of {seconds:g} s: {shown}") from None
        except requests.RequestException as exc:
            left = _remaining()
            if left is not None and left <= 0:
                raise SourceError(f"no complete answer within the deadline of {seconds:g} s: {shown}") from None
            raise SourceError(f"request failed after retries ({type(exc).__name__}): {shown}") from None


def _read(reply: requests.Response, shown: str) -> bytes:
    """The body, decoded from its transfer encoding, at most :data:`MAX_BYTES`."""
    chunks, size = [], 0
    for chunk in reply.iter_content(1 << 16):
        size += len(chunk)
        if size > MAX_BYTES:
            raise SourceError(f"response larger than {MAX_BYTES:,} bytes: {shown}")
        chunks.append(chunk)
    return b"".join(chunks)
