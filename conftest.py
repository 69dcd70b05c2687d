"""Every test, nbval included, runs on a temporary copy of ``data/raw``: nothing writes into the
checkout's ``data/``. The copy is made once per run and named by ``TRADEDEAL_DATA_DIR``, which
the notebooks' kernels inherit; a caller's own ``TRADEDEAL_DATA_DIR`` is replaced for the run.
The plugin ``tests/nbval_tolerance.py`` gives nbval its numeric tolerances."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# nbval compares the notebooks' numbers within notebooks/tolerances.yaml (text stays exact).
pytest_plugins = ["tests.nbval_tolerance"]

_RAW = Path(__file__).resolve().parent / "data" / "raw"
_state: dict[str, str | None] = {}


def pytest_configure(config) -> None:
    folder = Path(tempfile.mkdtemp(prefix="tradedeal-test-data-"))
    shutil.copytree(_RAW, folder / "raw")
    _state["folder"] = str(folder)
    _state["previous"] = os.environ.get("TRADEDEAL_DATA_DIR")
    os.environ["TRADEDEAL_DATA_DIR"] = str(folder)


def pytest_unconfigure(config) -> None:
    folder = _state.pop("folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    previous = _state.pop("previous", None)
    if previous is None:
        os.environ.pop("TRADEDEAL_DATA_DIR", None)
    else:
        os.environ["TRADEDEAL_DATA_DIR"] = previous
