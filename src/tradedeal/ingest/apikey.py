"""The Census API key: where it comes from, how it is found in any encoding, how it is hidden.

The key comes only from ``CENSUS_API_KEY``. It is found as sent, in upper or lower case,
percent-encoded (once or twice, any mix of characters), and escaped as a JSON, Python or HTML
string would carry it: every such form is replaced by a mask in what tradedeal shows, and a
response holding one is refused before anything of it is stored (:func:`holds_key`). Once this
module is imported, every log record of the process, whatever its logger, level or handler, is
redacted when it is made (a log record factory), tracebacks logged with it included.
"""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache

#: The environment variable the key comes from.
KEY_VARIABLE = "CENSUS_API_KEY"
MASK = "REDACTED"
#: A query's ``key=`` value, in any case and escaping of the name (not ``monkey=``, nor a dask task key).
_KEY_IN_URL = re.compile(r"((?:^|[?&]|%26|\\u0026)key(?:=|%3D|\\u003d))[^&\s'\"#\\]+", re.IGNORECASE)

_KEYS: set[str] = set()  # every key a client of this process has sent


def current() -> str | None:
    """The key of this process (``CENSUS_API_KEY``), None when unset or empty."""
    return os.environ.get(KEY_VARIABLE) or None


def remember(key: str | None) -> None:
    """Hide ``key`` in everything redacted from now on (a client given a key directly)."""
    if key:
        _KEYS.add(key)


def known(key: str | None = None) -> set[str]:
    """Every key to hide: ``key``, the environment's and those clients of this process sent."""
    return {key, current(), *_KEYS} - {None, ""}


def _forms(char: str) -> str:
    """A regular expression for one character of a key, in either case, in any of its encodings."""
    forms = [re.escape(char)]
    for variant in dict.fromkeys((char, char.lower(), char.upper())):
        for byte in variant.encode("utf-8"):
            forms += [f"%{byte:02x}", f"%25{byte:02x}", f"\\\\x{byte:02x}"]
        forms += [f"\\\\u{ord(variant):04x}", f"&#{ord(variant)};", f"&#x0*{ord(variant):x};"]
    if char == "/":
        forms.append(r"\\/")
    if char == " ":
        forms.append(r"\+")
    return "(?:" + "|".join(forms) + ")"


@lru_cache(maxsize=16)
def pattern(key: str) -> re.Pattern:
    """The key in any case and encoding (as sent, percent-encoded, JSON/Python/HTML escaped)."""
    return re.compile("".join(_forms(c) for c in key), re.IGNORECASE)


def redact(text, key: str | None = None, mask: str = MASK) -> str:
    """``text`` with every ``key=…`` query value, and every known key in any encoding, masked."""
    text = _KEY_IN_URL.sub(lambda m: m.group(1) + mask, str(text))
    for secret in sorted(known(key), key=len, reverse=True):
        text = pattern(secret).sub(mask, text)
    return text


def holds_key(body: bytes | str, key: str | None = None) -> bool:
    """Whether ``body`` (a response) carries a known key in any encoding."""
    text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else body
    return any(pattern(secret).search(text) for secret in known(key))


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
    current_factory = logging.getLogRecordFactory()
    if not getattr(current_factory, "redacts_keys", False):
        logging.setLogRecordFactory(_redacting(current_factory))


_install_redaction()
