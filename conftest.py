"""Every test, nbval included, runs on a temporary copy of ``data/raw``: nothing writes into the
checkout's ``data/``. The copy is made once per run and named by ``TRADEDEAL_DATA_DIR``, which
the notebooks' kernels inherit; a caller's own ``TRADEDEAL_DATA_DIR`` is replaced for the run.
The plugin ``tests/nbval_tolerance.py`` gives nbval its numeric tolerances.

Under pytest-xdist (``make test`` runs ``-n 2``) the controller makes the copy before it starts
its workers, which inherit it through ``TRADEDEAL_TEST_DATA_DIR``: every worker, and every kernel,
works on the one copy (a backtest computed by one is read by the others; the cache locks), and
only the controller removes it."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# nbval compares the notebooks' numbers within notebooks/tolerances.yaml (text stays exact).
pytest_plugins = ["tests.nbval_tolerance"]

_RAW = Path(__file__).resolve().parent / "data" / "raw"
_state: dict[str, str | None] = {}


_SHARED = "TRADEDEAL_TEST_DATA_DIR"  # the copy an xdist controller hands its workers


def pytest_configure(config) -> None:
    _state["previous"] = os.environ.get("TRADEDEAL_DATA_DIR")
    shared = os.environ.get(_SHARED)
    if os.environ.get("PYTEST_XDIST_WORKER") and shared and Path(shared, "raw").is_dir():
        os.environ["TRADEDEAL_DATA_DIR"] = shared  # a worker: the controller's copy, which it removes
        return
    folder = Path(tempfile.mkdtemp(prefix="tradedeal-test-data-"))
    shutil.copytree(_RAW, folder / "raw")
    _state["folder"] = str(folder)
    os.environ["TRADEDEAL_DATA_DIR"] = os.environ[_SHARED] = str(folder)


def pytest_unconfigure(config) -> None:
    folder = _state.pop("folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop(_SHARED, None)
    previous = _state.pop("previous", None)
    if previous is None:
        os.environ.pop("TRADEDEAL_DATA_DIR", None)
    else:
        os.environ["TRADEDEAL_DATA_DIR"] = previous
