"""Signals that stop a command: Ctrl-C (SIGINT), SIGTERM and SIGHUP.

Inside :func:`stopping`, SIGINT raises ``KeyboardInterrupt`` and SIGTERM or SIGHUP raise
:class:`Stopped`, in the main thread, so every ``finally`` and ``except`` on the way out runs:
temporary files are removed, nothing is committed half, and the command line says one line and
exits 128 + the signal (130 for Ctrl-C). Once one of them has arrived, the others (a second
Ctrl-C 0.3 s later) are ignored while the command cleans up: a second signal never cuts the
cleanup short.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The signals that stop a command, and how each is raised.
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived; ``code`` is the exit code (128 + the signal)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.code = 128 + signum


def signal_name(exc: BaseException) -> str:
    """``SIGINT`` for a KeyboardInterrupt, the signal's name for :class:`Stopped`."""
    return signal.Signals(exc.signum).name if isinstance(exc, Stopped) else "SIGINT"


def exit_code(exc: BaseException) -> int:
    return exc.code if isinstance(exc, Stopped) else 128 + signal.SIGINT


def hold() -> None:
    """Ignore every stopping signal from now on (a command that is cleaning up after one)."""
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNALS:
            signal.signal(signum, signal.SIG_IGN)


def _raise(signum, frame):
    hold()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


@contextmanager
def stopping() -> Iterator[None]:
    """Within the block (main thread only), a stopping signal is raised as an exception; the
    handlers before it are put back when the block ends."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
