"""``python -m tradedeal`` and the ``tradedeal`` command: the command line, whose Ctrl-C is one
line and exit 130 from the first moment (the imports of the first half-second included) to the
last (the interpreter's shutdown)."""

from __future__ import annotations

import os
import signal
import sys

INTERRUPTED = "tradedeal: interrupted (SIGINT)"


def _late_interrupt(signum, frame) -> None:
    """Ctrl-C once the command has answered: its line, and out now (no traceback from shutdown)."""
    print(INTERRUPTED, file=sys.stderr, flush=True)
    os._exit(128 + signum)


def main() -> int:
    """Run the command line; returns its exit code."""
    try:
        from tradedeal.present.cli import main as run  # pandas and the rest: a second of imports

        code = run()
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        code = 128 + signal.SIGINT
    signal.signal(signal.SIGINT, _late_interrupt)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
