"""Batch runs beyond one machine: a dask.distributed LocalCluster of 2 worker processes runs a
3-report batch, a scan and the category backtests, with the same results as local processes."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from conftest import NONDEFAULT
from notebook_outputs import reader_outputs
from waits import wait_for, wait_for_a_kernel
from tradedeal import Snapshot
from tradedeal.agreement.window import select
from tradedeal.executors import executor
from tradedeal.models.forecast.rolling import backtest_categories
from tradedeal.models.scan.scanner import scan
from tradedeal.present import cli, parameters, report

# Three of the report runs the notebook tests make locally (conftest.NONDEFAULT): their local
# outcomes are shared, the cluster runs them again.
BATCH = [NONDEFAULT[0], NONDEFAULT[1], NONDEFAULT[3]]


@pytest.fixture(scope="module")
def cluster():
    with executor("dask", jobs=2) as pool:
        yield pool


def test_a_batch_on_the_cluster_equals_the_local_run(cluster, nondefault_run, tmp_path):
    runs = parameters.plan(None, BATCH)
    local = [nondefault_run[1][r.label] for r in runs]
    remote = report.run_report(runs, tmp_path / "dask", progress=False, executor=cluster)
    assert [o.ok for o in remote] == [True, True, True]
    for a, b in zip(local, remote):
        assert a.run == b.run
        assert reader_outputs(a.ipynb) == reader_outputs(b.ipynb), a.run.label  # how the kernel split stdout may differ
    assert (tmp_path / "dask" / "index.html").exists()


def test_a_failing_report_on_a_worker_is_reported_like_a_local_one(cluster, nondefault_run, tmp_path):
    runs = parameters.plan(None, [NONDEFAULT[-1]])
    (outcome,) = report.run_report(runs, tmp_path / "r", progress=False, executor=cluster)
    local = nondefault_run[1][runs[0].label]
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


def test_the_command_line_runs_reports_on_dask(root, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(root))
    code = cli.main(["report", "01_tracker", "--executor", "dask", "--jobs", "2", "--out", str(tmp_path / "r")])
    assert code == 0 and "1 of 1 reports ok" in capsys.readouterr().out
    assert cli.main(["report", "01_tracker", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler goes with --executor dask" in capsys.readouterr().err


def test_losing_a_worker_mid_run_loses_no_report(cluster, tmp_path):
    import threading

    runs = parameters.plan(None, [{"notebook": "04_product", "product": p} for p in ("soybeans", "pork", "lng", "corn")])
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
    assert [o.ok for o in outcomes] == [True] * 4  # dask ran the lost report again
    assert all(o.html.exists() for o in outcomes)
