"""Batch runs beyond one machine: a dask.distributed LocalCluster of 2 worker processes, on a data
copy of its own, runs a 3-report batch (one failing in its kernel), a scan and the category
backtests, with the same results as local processes; the command line's own LocalCluster runs a
report to the end and leaves no process behind."""

from __future__ import annotations

import os
import re
import shutil

import pandas as pd
import psutil
import pytest

from conftest import NONDEFAULT, RAW
from notebook_outputs import reader_outputs
from test_faults import end, start, wait_for_a_notebook
from waits import DEADLINE, descendants, wait_for, wait_for_a_kernel
from tradedeal import Snapshot
from tradedeal.agreement.window import select
from tradedeal.executors import SCHEDULER_VARIABLE, executor
from tradedeal.models.forecast.rolling import backtest_categories
from tradedeal.models.scan.scanner import scan
from tradedeal.present import cli, parameters, report

# Three of the report runs the notebook tests make locally (conftest.NONDEFAULT), the last one
# failing in its kernel: their local outcomes are shared, the cluster runs them again.
BATCH = [NONDEFAULT[0], NONDEFAULT[3], NONDEFAULT[-1]]


def outputs(ipynb) -> list[list[str]]:
    """What a reader sees (how the kernel split stdout may differ), the data folder's name aside:
    the cluster's is its own by design (:func:`cluster_data`)."""
    return [[re.sub(r"data folder: [^\]]*\]", "data folder: …]", text) for text in cell]
            for cell in reader_outputs(ipynb)]


@pytest.fixture(scope="module")
def cluster_data(tmp_path_factory):
    """The cluster's own data folder: a copy of data/raw, nothing built or cached, so the workers
    compute every result the local run computed instead of reading it from the run's cache."""
    folder = tmp_path_factory.mktemp("cluster-data")
    shutil.copytree(RAW, folder / "raw")
    return folder


@pytest.fixture(scope="module")
def cluster(cluster_data):
    """A LocalCluster of 2 workers whose processes (and their kernels) see ``cluster_data``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRADEDEAL_DATA_DIR", str(cluster_data))  # read by the workers as they start
        with executor("dask", jobs=2) as pool:
            mp.undo()
            yield pool


@pytest.fixture(scope="module")
def batch(cluster, tmp_path_factory):
    """:data:`BATCH` run once on the cluster: ``(runs, outcomes, out folder)``."""
    runs = parameters.plan(None, BATCH)
    out = tmp_path_factory.mktemp("dask")
    return runs, report.run_report(runs, out, progress=False, executor=cluster), out


def test_a_batch_on_the_cluster_equals_the_local_run(batch, nondefault_run, cluster_data):
    runs, remote, out = batch
    local = [nondefault_run[1][r.label] for r in runs]
    assert [o.ok for o in remote] == [True, True, False]
    for a, b in zip(local[:2], remote[:2]):
        assert a.run == b.run
        assert outputs(a.ipynb) == outputs(b.ipynb), a.run.label
    assert (out / "index.html").exists()
    # the workers computed on their own copy: they built it and cached their own results there
    assert (cluster_data / "processed" / "manifest.json").exists()
    assert list((cluster_data / "processed" / "cache").glob("*.pkl"))


def test_a_failing_report_on_a_worker_is_reported_like_a_local_one(batch, nondefault_run):
    runs, remote, _ = batch
    outcome, local = remote[-1], nondefault_run[1][runs[-1].label]
    assert outcome.run == local.run
    assert not outcome.ok and "recovery_month 2021-06 is after the end of the HS6 data" in outcome.error
    assert not local.ok and local.error.splitlines()[-1] == outcome.error.splitlines()[-1]


def test_a_scan_and_backtests_on_the_cluster_equal_the_local_ones(cluster, root):
    window = select(Snapshot(root), coverage="annex_6_1")
    pd.testing.assert_frame_equal(scan(window, executor=cluster).lines, scan(window).lines)
    monthly = Snapshot(root).exports_by_category("annex_6_1")
    options = dict(models=("snaive", "ratio"), start="2020-01", end="2020-06", horizon=3, projection_years=())
    local = backtest_categories(monthly, **options)
    remote = backtest_categories(monthly, executor=cluster, **options)
    for name in local:
        pd.testing.assert_frame_equal(local[name].forecasts, remote[name].forecasts)


def test_the_command_line_runs_reports_on_dask(cluster, root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    address = cluster._client.scheduler.address  # the module's cluster: none of its own to start
    argv = ["report", "01_tracker", "--executor", "dask", "--scheduler", address, "--out", str(tmp_path / "r")]
    assert cli.main(argv) == 0 and "1 of 1 reports ok" in capsys.readouterr().out
    assert cli.main(["report", "01_tracker", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler goes with --executor dask" in capsys.readouterr().err


def test_the_command_lines_own_cluster_runs_a_report_and_leaves_no_process(nondefault_run, root, tmp_path,
                                                                          monkeypatch):
    """``tradedeal report --executor dask`` with no scheduler anywhere starts a LocalCluster of its
    own (its scheduler in the command's process, its worker a child of it), runs the cheapest
    report of the local run on it (04_product for crude oil, on the run's warm cache) with the
    same outputs, and ends with exit 0 and every process it started gone."""
    monkeypatch.delenv(SCHEDULER_VARIABLE, raising=False)  # the subprocess inherits os.environ
    (run,) = parameters.plan(None, [NONDEFAULT[3]])
    given = [x for name, value in NONDEFAULT[3].items() if name != "notebook" for x in ("-p", name, str(value))]
    out = tmp_path / "r"
    argv = ["report", run.notebook, *given, "--executor", "dask", "--jobs", "2", "--out", str(out)]
    proc = start(argv, root, tmp_path)
    family = []
    try:
        wait_for_a_notebook(proc, out)
        family = descendants(proc.pid)  # the worker, its kernel, multiprocessing's resource tracker
        listening = [p for p in psutil.Process(proc.pid).children()  # a dask worker: a pool's does not listen
                     if any(c.status == psutil.CONN_LISTEN for c in p.net_connections("tcp"))]
        proc.wait(timeout=DEADLINE)  # its two lines are read once nothing left behind holds the pipes
    finally:
        if proc.poll() is None:
            proc.kill()
        gone, alive = psutil.wait_procs(family, timeout=DEADLINE)  # each ends by itself, soon after
        end(alive)
        stdout, stderr = proc.communicate(timeout=DEADLINE)
    assert len(listening) == 1, [" ".join(p.cmdline())[:80] for p in family]
    assert proc.returncode == 0, stderr
    cores = os.cpu_count()  # one report: one worker, said in one line; no worker's log or traceback
    assert stderr == f"tradedeal: --jobs 2 capped at 1 (1 report, {cores} core{'s' * (cores != 1)})\n"
    assert stdout.startswith("1 of 1 reports ok; index: ")
    assert [" ".join(p.cmdline())[:80] for p in alive] == [], "left running after the command ended"
    (folder,) = out.iterdir()
    assert sorted(p.name for p in folder.iterdir()) == [f"{run.label}.html", f"{run.label}.ipynb", "index.html"]
    local = nondefault_run[1][run.label]
    assert local.ok and outputs(local.ipynb) == outputs(folder / f"{run.label}.ipynb")


def test_losing_a_worker_mid_run_loses_no_report(cluster, tmp_path):
    import threading

    runs = parameters.plan(None, [{"notebook": "04_product", "product": p} for p in ("soybeans", "pork")])
    out = tmp_path / "r"
    killed = []

    def kill_a_worker():
        try:  # a report is being written and its kernel runs
            wait_for(lambda: list(out.glob(".running-*")), "report started")
            found = wait_for_a_kernel(os.getpid())
        except AssertionError:
            return  # the test says no worker was running a report
        worker = found[0].parent()  # the worker running that kernel dies with it; its nanny starts a new one
        killed.append(worker.pid)
        worker.kill()

    thread = threading.Thread(target=kill_a_worker)
    thread.start()
    outcomes = report.run_report(runs, out, progress=False, executor=cluster)
    thread.join()
    assert killed, "no worker was running a report"
    assert [o.ok for o in outcomes] == [True] * 2  # dask ran the lost report again
    assert all(o.html.exists() for o in outcomes)
