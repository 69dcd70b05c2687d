"""The processes a report run starts: local workers that leave signals to the run, end with their
kernels when told to or when the run is gone, and put a report's two files in place whole.

A worker stopped by a signal (SIGTERM or SIGHUP) or by the end of its run (``kill -9`` of the
parent) removes the report it was writing (:func:`writing`) before it goes: it never leaves a
half-written ``.running-*`` file behind.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tradedeal.ingest.paths import atomic_path

#: Signals a worker received while it was putting a report's two files in place.
_held: list[int] = []
_holding = threading.Event()
#: The half-written files of the report this worker is running (removed if it is stopped).
_partial: set[Path] = set()


@contextmanager
def writing(path: Path) -> Iterator[Path]:
    """Mark ``path`` as the file a report is being written to: a worker stopped in the block
    removes it before it ends."""
    _partial.add(path)
    try:
        yield path
    finally:
        _partial.discard(path)


def _remove_partial() -> None:
    for path in list(_partial):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass


class Dropped(Exception):
    """The run was stopped before a report's files were put in place: they are not kept."""


def write_pair(files: dict[Path, str], *, unless: Path | None = None) -> None:
    """Write a report's files as one: each to a temporary name, then all renamed in place with
    the worker's SIGTERM held until the last is there, so a stopped run never keeps one file of a
    report without the other. When ``unless`` exists by then, nothing is kept (:class:`Dropped`)."""
    from contextlib import ExitStack

    with ExitStack() as stack:
        for path, text in files.items():
            stack.enter_context(atomic_path(path)).write_text(text, encoding="utf-8")
        if unless is not None and unless.exists():
            raise Dropped()
        _holding.set()
        try:
            stack.close()  # the renames
        finally:
            _holding.clear()
    if _held:
        _end_worker(_held[0], None)


def quiet_worker() -> None:
    """Workers leave SIGINT to the parent, which stops them and their kernels. A worker sent
    SIGTERM itself (``pkill``) ends its kernel before it goes, so no kernel is orphaned; a worker
    whose parent is gone (``kill -9``) notices within :data:`WATCH_SECONDS` and ends the same way."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    signal.signal(signal.SIGHUP, _end_worker)
    watch_parent()


def watch_parent() -> None:
    """End this process and its kernels, removing the report it was writing, once the process
    that started it is gone (checked every :data:`WATCH_SECONDS`); remove it too if the process
    ends some other way."""
    import atexit

    import psutil  # noqa: F401  loaded now, never first inside a signal handler (a half-imported module)

    atexit.register(_remove_partial)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), name="tradedeal-parent-watch", daemon=True).start()


#: How often a worker checks that the process that started it is still there.
WATCH_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    """End this worker and its kernels once its parent is gone (the worker is then adopted)."""
    while os.getppid() == parent or _holding.is_set():  # a report's files being put in place go in whole
        time.sleep(WATCH_SECONDS)
    stop_descendants(grace=1.0)
    _remove_partial()
    os._exit(128 + signal.SIGHUP)


def _end_worker(signum, frame):
    if _holding.is_set():  # a report's files are being put in place: end right after
        _held.append(signum)
        return
    stop_descendants(grace=1.0)
    _remove_partial()
    os._exit(128 + signum)


def stop_descendants(grace: float = 3.0, *, kernels_only: bool = False) -> None:
    """Terminate every process this one started (pool workers and their kernels, which run in
    sessions of their own), or with ``kernels_only`` just the kernels (a dask cluster's own
    processes are closed by its owner), then kill what is left after ``grace`` seconds.
    multiprocessing's resource tracker is spared: it ends by itself, and killing it makes every
    process that shares it print tracebacks. Nothing is reaped here: the pool reaps its own
    workers (a worker reaped behind its back looks alive to it)."""
    import psutil

    def command(proc) -> str:
        try:
            return " ".join(proc.cmdline())
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return ""

    def running(procs):
        alive = []
        for proc in procs:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
            except psutil.NoSuchProcess:
                pass
        return alive

    family = [p for p in psutil.Process().children(recursive=True) if "resource_tracker" not in command(p)]
    if kernels_only:
        kernels = [p for p in family if "ipykernel" in command(p) or "kernel-" in command(p)]
        family = kernels + [c for k in kernels for c in _children(k)]
    for send in ("terminate", "kill"):
        for proc in running(family):
            try:
                getattr(proc, send)()
            except psutil.NoSuchProcess:
                pass
        deadline = time.monotonic() + grace
        while running(family) and time.monotonic() < deadline:
            time.sleep(0.05)


def _children(proc) -> list:
    import psutil

    try:
        return proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def dask_setup(worker) -> None:
    """Run by dask in each worker process of a LocalCluster tradedeal starts (its ``preload``,
    :data:`tradedeal.executors.WORKER_SETUP`): Ctrl-C reaches the whole process group, and the
    workers leave it to the process that started them, which stops the run and closes the cluster
    (no KeyboardInterrupt traceback per worker). A worker whose parent is gone (``kill -9``) ends
    its kernels, removes the report it was writing and leaves at once: its lost connections are
    logged nowhere, so no worker traceback."""
    import logging

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in ("distributed", "tornado", "asyncio"):  # a closing cluster's lost connections are no news
        logging.getLogger(name).setLevel(logging.CRITICAL)
    watch_parent()
