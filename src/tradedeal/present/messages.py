"""The lines the command line prints about a failure: one line, redacted, capped in length, and
where an unexpected error happened."""

from __future__ import annotations

import os
import sys

from tradedeal.ingest.apikey import redact

#: The longest message the command line prints for an error (a 5 MB value is not quoted whole).
MAX_MESSAGE = 500


def cut(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` at most ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 40] + f" … ({len(text) - limit + 40:,} characters cut)"


def say(message: str) -> None:
    """One line on stderr: redacted, first line only, capped in length."""
    message = redact(message)
    message = message.splitlines()[0] if message.strip() else message
    print(cut(message), file=sys.stderr)


def where(exc: BaseException) -> str:
    """The last line of tradedeal's own code the exception passed through (``ingest/build.py:150``)."""
    import traceback

    ours = [f for f in traceback.extract_tb(exc.__traceback__) if f"{os.sep}tradedeal{os.sep}" in f.filename]
    if not ours:
        return "?"
    path = ours[-1].filename
    return f"{path[path.rindex(os.sep + 'tradedeal' + os.sep) + len('/tradedeal/'):]}:{ours[-1].lineno}"
