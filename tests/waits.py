"""Waiting for an event, never for the clock: a file, a process, a loaded library, a request.

Each wait polls its condition and gives up after a deadline generous enough for a loaded machine
(minutes, not seconds); how long it took is never asserted.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

T = TypeVar("T")
DEADLINE = 300.0  # seconds: a 2-core machine at load average 15 still gets there
POLL = 0.05  # seconds between two looks at a condition


def wait_for(condition: Callable[[], T], what: str, *, seconds: float = DEADLINE, alive=None,
             poll: float = POLL) -> T:
    """Poll ``condition`` until it returns something true, and return that. Fail naming ``what``
    after ``seconds``, or as soon as the process ``alive`` (a ``Popen``) has ended. ``poll``: the
    most time between two looks (shorter for an event that lasts only a moment)."""
    deadline = time.monotonic() + seconds
    while True:
        got = condition()
        if got:
            return got
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"the process ended (exit {alive.returncode}) before {what}: {alive.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds:.0f} s")
        _between_looks(alive, poll)


def _between_looks(alive, poll: float) -> None:
    """The pause between two looks at a condition: it ends at once when the process ``alive`` ends
    (an event), else after ``poll`` seconds. Nothing depends on its length but how often the
    condition is read; the deadline is what bounds the wait."""
    if alive is None:
        threading.Event().wait(poll)
        return
    try:
        alive.wait(timeout=poll)
    except subprocess.TimeoutExpired:
        pass


def descendants(pid: int) -> list[psutil.Process]:
    """The processes below ``pid`` (none if it is gone)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _cmdline(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return ""


def kernels(pid: int) -> list[psutil.Process]:
    """The Jupyter kernels running below ``pid``."""
    return [p for p in descendants(pid) if "ipykernel" in _cmdline(p)]


def wait_for_a_kernel(pid: int, *, alive=None, seconds: float = DEADLINE) -> list[psutil.Process]:
    """Wait until a Jupyter kernel runs below ``pid``; the kernels found."""
    return wait_for(lambda: kernels(pid), "kernel running", seconds=seconds, alive=alive)


def has_loaded(pid: int, library: str) -> bool:
    """Whether process ``pid`` has mapped a file whose path holds ``/library`` (an extension module
    it imported; ``/proc/PID/maps`` read as text, fast enough to catch an import under way)."""
    try:
        return f"/{library}" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def ignores(pid: int, signum: int) -> bool:
    """Whether process ``pid`` ignores signal ``signum`` now (the ``SigIgn`` mask of
    ``/proc/PID/status``): a command that has begun cleaning up after a first signal ignores the
    next (:func:`tradedeal.interrupts.hold`). False once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigIgn:"))
    return bool(int(mask, 16) >> (signum - 1) & 1)
