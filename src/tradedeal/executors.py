"""Where parallel work runs: a ``concurrent.futures.Executor``, passed in.

Report runs, backtests and the scanner's fits take an executor. The default is local processes
(each caller's ``jobs``); :func:`executor` also gives a dask.distributed client's executor, on a
cluster at a scheduler address or on a ``LocalCluster`` sized to the machine. No scheduler of
our own: dask retries a task whose worker was lost.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from tradedeal.errors import ParameterError

KINDS = ("local", "dask")
#: Where ``--executor dask`` finds the scheduler when no ``--scheduler`` is given.
SCHEDULER_VARIABLE = "TRADEDEAL_DASK_SCHEDULER"
#: A task whose worker is lost is run again this many times.
RETRIES = 2
#: The module whose ``dask_setup`` each worker of a LocalCluster we start runs (dask's ``preload``).
WORKER_SETUP = "tradedeal.present.workers"


@contextmanager
def executor(kind: str = "local", *, jobs: int | None = None, scheduler: str | None = None) -> Iterator[Executor | None]:
    """An executor for ``kind``: None for ``local`` (callers start their own ``jobs`` processes),
    a dask.distributed ``ClientExecutor`` for ``dask`` — on the cluster at ``scheduler`` (or
    ``$TRADEDEAL_DASK_SCHEDULER``), else on a ``LocalCluster`` of ``jobs`` worker processes
    (default: one per core) that is closed when the block ends."""
    if kind not in KINDS:
        raise ParameterError(f"executor must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind == "local":
        yield None
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ParameterError("executor dask needs dask.distributed: pip install distributed") from None
    address = scheduler or os.environ.get(SCHEDULER_VARIABLE) or None
    if address is not None:
        check_address(address)
    cluster = client = None
    try:
        if address is None:
            _quiet_resource_tracker()
            cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=":0",  # any free port: never a clash
                                   silence_logs=logging.ERROR,  # a cancelled task or closing worker is no news
                                   preload=[WORKER_SETUP])  # its dask_setup: Ctrl-C left to us
        try:
            client = Client(address or cluster, timeout=30)
        except (OSError, ValueError, TypeError) as exc:
            raise ParameterError(f"cannot reach the dask scheduler at {address}: {str(exc).splitlines()[0]}") from None
        yield client.get_executor(retries=RETRIES, pure=False)
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (once per process) with its stderr on /dev/null.
    The LocalCluster's semaphores are registered with it; when the run is killed outright it
    removes them itself, and says so in a warning per run that is no news to a reader."""
    from multiprocessing import resource_tracker

    if getattr(resource_tracker._resource_tracker, "_pid", None) is not None:
        return  # running already
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def check_address(address: str) -> None:
    """Raise ParameterError unless ``address`` is a scheduler address dask can dial: a known
    scheme (default ``tcp``) and, for TCP, a host and a port (``tcp://host:8786``)."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address, strict=False)
        if scheme in ("tcp", "tls", "ws", "wss", "ucx"):
            parse_host_port(location)
        get_backend(scheme)
    except (ValueError, TypeError) as exc:
        raise ParameterError(f"scheduler must be an address such as tcp://host:8786; got {address!r} "
                             f"({str(exc).splitlines()[0]})") from None


def workers(jobs: int | None, work: int) -> tuple[int, str | None]:
    """How many worker processes to start for ``work`` tasks when ``jobs`` are asked for (None:
    one per core): never more than the work or the cores. Returns the number and, when it is fewer
    than asked for, a line saying why."""
    cores = os.cpu_count() or 1
    limit = max(1, min(work, cores))
    if jobs is None:
        return limit, None
    if jobs <= limit:
        return jobs, None
    return limit, (f"--jobs {jobs} capped at {limit} ({work} report{'s' if work != 1 else ''}, "
                   f"{cores} core{'s' if cores != 1 else ''})")


def shutdown(pool: Executor, *, cancel: bool) -> None:
    """Shut ``pool`` down without waiting, cancelling what has not started when ``cancel``."""
    try:
        pool.shutdown(wait=False, cancel_futures=cancel)
    except TypeError:  # an executor whose shutdown knows no cancel_futures (dask's cancels itself)
        pool.shutdown(wait=False)
