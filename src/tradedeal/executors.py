"""Where parallel work runs: a ``concurrent.futures.Executor``, passed in.

Report runs, backtests and the scanner's fits take an executor. The default is local processes
(each caller's ``jobs``); :func:`executor` also gives a dask.distributed client's executor, on a
cluster at a scheduler address or on a ``LocalCluster`` sized to the machine. No scheduler of
our own: dask retries a task whose worker was lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from tradedeal.errors import ParameterError

KINDS = ("local", "dask")
#: Where ``--executor dask`` finds the scheduler when no ``--scheduler`` is given.
SCHEDULER_VARIABLE = "TRADEDEAL_DASK_SCHEDULER"
#: A task whose worker is lost is run again this many times.
RETRIES = 2


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
    cluster = None
    if address is None:
        cluster = LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=":0")  # any free port: never a clash
    try:
        client = Client(address or cluster, timeout=30)
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise ParameterError(f"cannot reach the dask scheduler at {address}: {exc}") from None
    try:
        yield client.get_executor(retries=RETRIES, pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def shutdown(pool: Executor, *, cancel: bool) -> None:
    """Shut ``pool`` down without waiting, cancelling what has not started when ``cancel``."""
    try:
        pool.shutdown(wait=False, cancel_futures=cancel)
    except TypeError:  # an executor whose shutdown knows no cancel_futures (dask's cancels itself)
        pool.shutdown(wait=False)
