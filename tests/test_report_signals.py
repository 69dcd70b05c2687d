"""A report run ended by any signal leaves no half-written report, and an index for what finished:
SIGHUP, a second Ctrl-C while the run cleans up after the first, ``kill -9`` of the parent (the
next run settles the folder), and ``kill -9`` of a dask run (no worker traceback, no
leaked-semaphore warning).

Every wait is for an event (a file appearing, a process gone) with a generous deadline; every
process a test starts is ended by its id when the test ends.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from waits import ignores, wait_for
from tradedeal.present import recovery
from tradedeal.present.report import STOPPED
from tradedeal.present.parameters import Run

DEADLINE = 240  # seconds: generous, for a 2-core machine under load


def start(argv: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tradedeal", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ), cwd=cwd, start_new_session=True)


def kernel_running(proc: subprocess.Popen) -> bool:
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
        return any("ipykernel" in " ".join(p.cmdline()) for p in family)
    except psutil.Error:
        return False


def family_of(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def end(proc: subprocess.Popen, family) -> None:
    for p in family:
        try:
            p.kill()
        except psutil.Error:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.yaml"
    path.write_text("- notebook: 04_product\n  product: pork\n- notebook: 04_product\n  product: corn\n"
                    "- notebook: 04_product\n  product: lng\n")
    return path


def started(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, Path]:
    """A report run of the three-report batch, once its first kernel is up; and its --out folder."""
    out = tmp_path / "reports"
    proc = start(["report", "-f", str(batch(tmp_path)), "--jobs", "2", "--out", str(out), *options], tmp_path)
    try:
        wait_for(lambda: list(out.glob("*/.running-*")) and kernel_running(proc), "kernel", alive=proc)
    except BaseException:
        end(proc, [])
        raise
    return proc, out


def check_folder(out: Path) -> str:
    """The one run folder holds no half-written file, and an index whose links all resolve."""
    (run,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []  # no claim left
    assert [p.name for p in run.iterdir() if p.name.startswith(".")] == []
    index = (run / "index.html").read_text()
    for link in re.findall(r'href="([^"]+)"', index):
        assert (run / link).exists()
    return index


@pytest.mark.parametrize("how", ["SIGHUP", "a second Ctrl-C while it cleans up"])
def test_a_run_stopped_by_sighup_or_two_ctrl_c_writes_its_index(tmp_path, how):
    proc, out = started(tmp_path)
    family = []
    try:
        family = family_of(proc)
        if how == "SIGHUP":
            proc.send_signal(signal.SIGHUP)
        else:
            os.killpg(proc.pid, signal.SIGINT)
            # the second once the first has been taken: the parent ignores SIGINT, or has marked the run
            # stopped, while it cleans up
            wait_for(lambda: proc.poll() is not None or ignores(proc.pid, signal.SIGINT)
                     or list(out.glob(f"*/{STOPPED}")), "the first Ctrl-C taken", poll=0.01)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=DEADLINE)
        name, code = ("SIGHUP", 129) if how == "SIGHUP" else ("SIGINT", 130)
        assert proc.returncode == code, stderr
        assert re.fullmatch(rf"tradedeal: interrupted \({name}\): \d of 3 reports finished; index: \S+index.html\n",
                            stderr), stderr
        gone, alive = psutil.wait_procs(family, timeout=30)
        assert [p.pid for p in alive] == []
        assert "not run (the run was interrupted)" in check_folder(out)
    finally:
        end(proc, family)


def test_after_kill_9_the_workers_remove_their_reports_and_the_next_run_writes_the_index(tmp_path):
    proc, out = started(tmp_path)
    family = []
    try:
        family = family_of(proc)
        (run,) = [p for p in out.iterdir() if not p.name.startswith(".")]
        assert (out / f".{run.name}.run.json").exists()  # the run's claim
        proc.kill()
        proc.communicate(timeout=60)
        gone, alive = psutil.wait_procs(family, timeout=60)
        assert [p.pid for p in alive] == [], "workers or kernels orphaned"
        assert list(run.glob(".running-*")) == []  # each worker removed the report it was writing
        assert not (run / "index.html").exists()
        # the next run starts by settling the killed one (here it stops at once: --jobs 0)
        done = subprocess.run([sys.executable, "-m", "tradedeal", "report", "--jobs", "0", "--out", str(out)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=DEADLINE)
        lines = done.stderr.splitlines()
        assert done.returncode == 2 and len(lines) == 2, done.stderr
        assert lines[0] == (f"tradedeal: run {run.name} had stopped (killed): 0 of 3 reports finished; wrote "
                            f"{run / 'index.html'}")
        assert lines[1] == "tradedeal report: --jobs must be at least 1; got 0"
        index = check_folder(out)
        assert index.count("not run (the run was interrupted)") == 3
    finally:
        end(proc, family)


def test_recovery_keeps_finished_reports_and_never_touches_a_live_run(tmp_path):
    runs = [Run("04_product", {"product": p}, f"04_product-{p}") for p in ("pork", "corn", "lng")]
    dead, live = tmp_path / "20260101-000000", tmp_path / "20260101-000001"
    for folder in (dead, live):
        folder.mkdir()
    nb = {"cells": [{"cell_type": "code", "outputs": []}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (dead / "04_product-corn.ipynb").write_text(json.dumps(nb))  # a finished report: both files
    (dead / "04_product-corn.html").write_text("<html></html>")
    (dead / "04_product-pork.ipynb").write_text("{}")  # one file of a pair: removed
    (dead / ".running-04_product-lng.ipynb").write_text("{")  # half-written: removed
    (live / ".running-04_product-pork.ipynb").write_text("{")
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from tradedeal.present import recovery
        from tradedeal.present.parameters import Run
        runs = [Run("04_product", {{"product": p}}, f"04_product-{{p}}") for p in ("pork", "corn", "lng")]
        with recovery.claim(Path({str(dead)!r}), runs):
            os._exit(0)  # as kill -9: no cleanup, the claim file stays, its lock dies with the process
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=DEADLINE)
    assert recovery.plan_file(dead).exists()
    with recovery.claim(live, runs):  # a run still going: its claim is held
        lines = recovery.recover(tmp_path)
        assert (live / ".running-04_product-pork.ipynb").exists() and recovery.plan_file(live).exists()
    assert lines == [f"run {dead.name} had stopped (killed): 1 of 3 reports finished; wrote {dead / 'index.html'}"]
    assert sorted(p.name for p in dead.iterdir()) == ["04_product-corn.html", "04_product-corn.ipynb", "index.html"]
    index = (dead / "index.html").read_text()
    assert "04_product-corn.html" in index and index.count("not run (the run was interrupted)") == 2
    assert not recovery.plan_file(dead).exists()


def test_a_worker_stopped_by_sighup_removes_the_report_it_was_writing(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from tradedeal.present import workers

        workers.quiet_worker()
        with workers.writing(Path({str(tmp_path)!r}) / ".running-r.ipynb") as path:
            path.write_text("{{")
            os.kill(os.getpid(), signal.SIGHUP)
        print("not reached")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=DEADLINE)
    assert done.returncode == 128 + signal.SIGHUP and "not reached" not in done.stdout, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_kill_9_of_a_dask_run_ends_quietly(tmp_path):
    """Once: worker tracebacks and "12 leaked semaphore objects" on the terminal. The parent's
    stderr pipe is shared by every process it started: read to its end, once they are all gone.
    What the run left half-written is gone after the next run's start."""
    proc, out = started(tmp_path, "--executor", "dask")
    family = []
    try:
        family = family_of(proc)
        proc.kill()
        _, stderr = proc.communicate(timeout=DEADLINE)  # EOF: every process holding the pipe has ended
        gone, alive = psutil.wait_procs(family, timeout=60)
        assert [" ".join(p.cmdline())[:80] for p in alive] == []
        assert "Traceback" not in stderr and "leaked" not in stderr and "Error" not in stderr, stderr
        (run,) = [p for p in out.iterdir() if not p.name.startswith(".")]
        done = subprocess.run([sys.executable, "-m", "tradedeal", "report", "--jobs", "0", "--out", str(out)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=DEADLINE)
        assert done.stderr.startswith(f"tradedeal: run {run.name} had stopped (killed): 0 of 3 reports finished")
        assert "not run (the run was interrupted)" in check_folder(out)
    finally:
        end(proc, family)
