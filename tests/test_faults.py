"""Runs under faults: Ctrl-C during a scan or a refresh, a killed parent, a signal between a
report's two files, too many --jobs, a data folder that is not there, and Ctrl-C on a dask run.

The command line runs in a subprocess in a session of its own, so Ctrl-C is played as the
terminal sends it: SIGINT to the whole process group. Every wait is bounded; every process a test
starts is ended by its id when the test ends.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
from concurrent.futures import Future
from pathlib import Path

import psutil
import pytest

from tradedeal import executors
from tradedeal.present import cli, parameters, report
from waits import wait_for, wait_for_a_kernel


def start(argv: list[str], data: Path, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "TRADEDEAL_DATA_DIR": str(data)}
    return subprocess.Popen([sys.executable, "-m", "tradedeal", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=cwd, start_new_session=True)


def ctrl_c(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str]:
    """Send SIGINT to the process group (as a terminal does); its exit code and stderr."""
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"no exit within {timeout} s after SIGINT: {proc.communicate()[1]}")
    return proc.returncode, stderr


def end(procs) -> None:
    """Kill the processes a test started that are still there, by id."""
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def test_ctrl_c_during_a_scan_is_one_line_and_exit_130(built_root):
    # a private built copy with no result cache: the placebo fits are computed afresh (seconds of fits)
    proc = start(["scan", "--level", "hs6"], built_root, built_root)
    # past the imports and the panel, fitting: the process has used 2.5 s of CPU (an event, not a wait)
    wait_for(lambda: psutil.Process(proc.pid).cpu_times().user >= 2.5, "scan fitting", alive=proc)
    code, stderr = ctrl_c(proc)
    assert code == 130 and stderr == "tradedeal: interrupted (SIGINT)\n", stderr


def test_ctrl_c_during_a_refresh_is_one_line_exit_130_and_changes_nothing(fresh_root, tmp_path):
    before = sorted(p.relative_to(fresh_root) for p in (fresh_root / "raw").rglob("*"))
    with socket.create_server(("127.0.0.1", 0)) as server:  # accepts, never answers
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        os.environ.update(TRADEDEAL_CENSUS_URL=url + "/data/timeseries/intltrade/exports/hs",
                          TRADEDEAL_FRED_URL=url + "/graph/fredgraph.csv", TRADEDEAL_HTTP_TIMEOUT="120")
        try:
            proc = start(["data", "refresh", "--source", "census", "--start", "2021-02", "--end", "2021-03"],
                         fresh_root, tmp_path)
        finally:
            for name in ("TRADEDEAL_CENSUS_URL", "TRADEDEAL_FRED_URL", "TRADEDEAL_HTTP_TIMEOUT"):
                os.environ.pop(name)
        server.settimeout(120)
        connection, _ = server.accept()  # the refresh is waiting for its first month
        with connection:
            code, stderr = ctrl_c(proc)
    assert code == 130 and stderr == "tradedeal: interrupted (SIGINT)\n", stderr
    after = sorted(p.relative_to(fresh_root) for p in (fresh_root / "raw").rglob("*"))
    new = [p for p in after if p not in before and not any(part.startswith(".") for part in p.parts)]
    assert [p for p in new if (fresh_root / p).is_file()] == []  # no vintage (empty folders for one may stay)


def wait_for_a_notebook(proc, out: Path) -> None:
    """Wait until a report of the run in ``out`` is being written and its kernel runs."""
    wait_for(lambda: list(out.glob("*/.running-*")), "notebook started", alive=proc)
    wait_for_a_kernel(proc.pid, alive=proc)


def test_workers_end_with_their_kernels_when_the_parent_is_killed(tmp_path):
    out = tmp_path / "reports"
    proc = start(["report", "01_tracker", "04_product", "--jobs", "2", "--out", str(out)],
                 Path(os.environ["TRADEDEAL_DATA_DIR"]), tmp_path)
    family = []
    try:
        wait_for_a_notebook(proc, out)
        family = psutil.Process(proc.pid).children(recursive=True)
        assert any("ipykernel" in " ".join(p.cmdline()) for p in family), "no kernel running"
        proc.kill()  # kill -9 of the parent: nothing of its own runs
        proc.wait(timeout=120)
        gone, alive = psutil.wait_procs(family, timeout=120)
        assert [p.pid for p in alive] == [], "workers or kernels orphaned"
    finally:
        end(family)
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_a_signal_between_a_reports_two_files_leaves_both(tmp_path):
    """SIGTERM arrives right after the first file is renamed in place: the worker ends (exit 143)
    only once the second is there too."""
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from tradedeal.present import workers

        workers.quiet_worker()
        rename = os.replace
        def replace(a, b):
            rename(a, b)
            os.kill(os.getpid(), signal.SIGTERM)
        os.replace = replace
        out = Path({str(tmp_path)!r})
        workers.write_pair({{out / "r.ipynb": "{{}}", out / "r.html": "<html></html>"}})
        print("not reached")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 128 + signal.SIGTERM and "not reached" not in done.stdout, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.ipynb"]


def test_after_an_interrupt_the_folder_and_the_index_agree(tmp_path):
    runs = [parameters.Run("04_product", {"product": p}, f"04_product-{p}") for p in ("pork", "corn", "lng")]
    nb = {"cells": [{"cell_type": "code", "outputs": []}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "04_product-pork.ipynb").write_text("{}")  # one file of the pair: removed
    (tmp_path / "04_product-corn.ipynb").write_text(json.dumps(nb))  # both: finished, though no result came back
    (tmp_path / "04_product-corn.html").write_text("<html></html>")
    failed = {**nb, "cells": [{"cell_type": "code", "outputs": [{"output_type": "error", "ename": "ValueError",
                                                                  "evalue": "boom", "traceback": []}]}]}
    (tmp_path / "04_product-lng.ipynb").write_text(json.dumps(failed))
    (tmp_path / "04_product-lng.html").write_text("<html></html>")
    settled = report._settle(runs, [], tmp_path)
    assert [(o.run.label, o.ok, o.error) for o in settled] == [("04_product-corn", True, ""),
                                                                ("04_product-lng", False, "ValueError: boom")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["04_product-corn.html", "04_product-corn.ipynb",
                                                          "04_product-lng.html", "04_product-lng.ipynb"]


class _Pool:
    """A stand-in for ProcessPoolExecutor that records its size and runs nothing."""

    sizes: list[int] = []

    def __init__(self, max_workers, initializer=None):
        _Pool.sizes.append(max_workers)

    def submit(self, fn, run, out_dir, *args):
        future = Future()
        future.set_result(report.Outcome(run, False, out_dir / "x.ipynb", None, "not run in this test"))
        return future

    def shutdown(self, *args, **kwargs):
        pass


def test_jobs_are_capped_at_the_work_and_the_cores(tmp_path, capsys, monkeypatch):
    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _Pool)
    _Pool.sizes.clear()
    code = cli.main(["report", "01_tracker", "--jobs", "40", "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err
    cores = os.cpu_count()
    assert code == 1 and _Pool.sizes == [1]
    assert err.splitlines()[0] == f"tradedeal: --jobs 40 capped at 1 (1 report, {cores} core{'s' * (cores != 1)})"
    assert executors.workers(40, 100) == (cores, f"--jobs 40 capped at {cores} (100 reports, {cores} cores)")
    assert executors.workers(None, 1) == (1, None) and executors.workers(1, 5) == (1, None)


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_data_folder_that_is_not_there_is_one_line(tmp_path, capsys, monkeypatch, kind):
    folder = tmp_path / "data"
    if kind == "file":
        folder.write_text("")
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(folder))
    code = cli.main(["tracker", "--year", "2020"])
    what = "does not exist" if kind == "missing" else "is not a folder"
    assert code == 2 and capsys.readouterr().err == (
        f"tradedeal: error: TRADEDEAL_DATA_DIR={folder}: {what} (it names the data folder, with raw/ in it)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if kind == "missing" else ["data"])  # nothing made


@pytest.mark.parametrize("to", ["parent", "group"])
def test_ctrl_c_on_a_dask_run_is_one_line(tmp_path, to):
    """SIGINT to the parent alone (``kill -INT``) or to the process group (Ctrl-C) while the
    LocalCluster runs two reports: one line and exit 130; no resource_tracker traceback, no
    worker log or KeyboardInterrupt, nothing left running, no report the index does not list."""
    batch = tmp_path / "batch.yaml"
    batch.write_text("- notebook: 04_product\n  product: pork\n- notebook: 04_product\n  product: corn\n"
                     "- notebook: 04_product\n  product: lng\n")
    out = tmp_path / "reports"
    proc = start(["report", "-f", str(batch), "--executor", "dask", "--jobs", "2", "--out", str(out)],
                 Path(os.environ["TRADEDEAL_DATA_DIR"]), tmp_path)
    family = []
    try:
        wait_for_a_notebook(proc, out)
        family = psutil.Process(proc.pid).children(recursive=True)
        if to == "parent":
            proc.send_signal(signal.SIGINT)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert stderr.startswith("tradedeal: interrupted (SIGINT): 0 of 3 reports finished; index: "), stderr
        assert stderr.count("\n") == 1, stderr
        gone, alive = psutil.wait_procs(family, timeout=120)
        assert [" ".join(p.cmdline())[:80] for p in alive if "resource_tracker" not in " ".join(p.cmdline())] == []
        (run,) = out.iterdir()
        assert sorted(p.name for p in run.iterdir()) == ["index.html"]  # as the index says: none ran
    finally:
        end(family)
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
