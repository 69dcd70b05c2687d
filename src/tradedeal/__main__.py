"""``python -m tradedeal`` and the ``tradedeal`` command: the command line, whose Ctrl-C is one
line and exit 130 from the first moment (the imports of the first half-second included); once the
command has answered, a late signal (the second of two Ctrl-C) is ignored while the interpreter
shuts down, so the exit code stays the command's."""

from __future__ import annotations

import signal
import sys

INTERRUPTED = "tradedeal: interrupted (SIGINT)"
#: Ignored once the command has answered (Python would reset its own handlers to the default at
#: shutdown, and a late Ctrl-C would then end the process with no word and exit -2).
LATE = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

def main() -> int:
    """Run the command line; returns its exit code."""
    seen: list[int] = []

    def during_imports(signum, frame):  # remembered: a library that swallows it cannot lose it
        seen.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, during_imports)
    try:
        try:
            from tradedeal.present.cli import main as run  # pandas and the rest: a second of imports
        except Exception:
            if not seen:
                raise
            # else a library turned the Ctrl-C into its own error (numpy re-raises what stops its
            # C extension's import as an ImportError): it is still the Ctrl-C, just below
        if seen:
            raise KeyboardInterrupt
        signal.signal(signal.SIGINT, previous)
        code = run()
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        code = 128 + signal.SIGINT
    for signum in LATE:
        signal.signal(signum, signal.SIG_IGN)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
