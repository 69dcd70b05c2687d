"""A report run stopped by Ctrl-C or SIGTERM: exit 130/143 with one line, no process left behind,
finished reports kept, half-written ones removed, and an index that marks what did not run."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from conftest import REPO
from waits import wait_for, wait_for_a_kernel


@pytest.mark.parametrize(("signum", "code", "jobs"), [(signal.SIGINT, 130, 2), (signal.SIGTERM, 143, 2), (signal.SIGINT, 130, 1)])
def test_a_signal_during_a_run_stops_it_cleanly(tmp_path, signum, code, jobs):
    out = tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tradedeal", "report", "-f", str(REPO / "notebooks" / "report.yaml"), "--jobs", str(jobs),
         "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ), cwd=tmp_path,
    )
    wait_for(lambda: list(out.glob("*/.running-*")), "notebook started", alive=proc)  # the first notebook
    wait_for_a_kernel(proc.pid, alive=proc)  # its kernel is up
    family = psutil.Process(proc.pid).children(recursive=True)
    assert len(family) >= (3 if jobs == 2 else 1)  # the workers and at least one kernel
    proc.send_signal(signum)
    try:
        stdout, stderr = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:  # say where it hangs, then fail
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        dump = subprocess.run([spy, "dump", "--pid", str(proc.pid)], capture_output=True, text=True) \
            if Path(spy).exists() else subprocess.CompletedProcess([], 0, "", "(py-spy not installed)")
        proc.kill()
        pytest.fail(f"no exit within 180 s:\n{dump.stdout}{dump.stderr}\n{proc.communicate()[1]}")
    assert proc.returncode == code
    name = signal.Signals(signum).name
    assert re.fullmatch(rf"tradedeal: interrupted \({name}\): \d of 9 reports finished; index: \S+index.html\n", stderr), stderr
    gone, alive = psutil.wait_procs(family, timeout=120)
    assert not [p.pid for p in alive], "processes left behind"
    (run,) = out.iterdir()
    leftovers = [p.name for p in run.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no half-written report
    index = (run / "index.html").read_text()
    assert "not run (the run was interrupted)" in index
    for link in re.findall(r'href="([^"]+)"', index):
        assert (run / link).exists()  # every finished report it links is there, whole
        assert (run / link).with_suffix(".ipynb").exists()
