"""Shared fixtures: a private copy of the shipped snapshot, built once per test session.

The whole run, nbval included, already works on a temporary copy of data/raw named by
TRADEDEAL_DATA_DIR (the checkout's root conftest.py sets it): nothing writes into data/.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tradedeal.ingest.build import build
from tradedeal.present import cli

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"


@pytest.fixture(scope="session")
def root(tmp_path_factory) -> Path:
    """A data folder holding a copy of data/raw, with processed tables built from it."""
    base = tmp_path_factory.mktemp("data")
    shutil.copytree(RAW, base / "raw")
    build(base)
    return base


@pytest.fixture
def fresh_root(tmp_path) -> Path:
    """A data folder with a copy of data/raw and nothing processed: tests may change it."""
    shutil.copytree(RAW, tmp_path / "raw")
    return tmp_path


def _cli_on(folder, monkeypatch, capsys):
    """``run(*argv)`` → ``(exit code, stdout, stderr)`` of the command line on the data ``folder``."""
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", os.fspath(folder))

    def _run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture
def run(root, monkeypatch, capsys):
    """Run the command line on the built copy: ``run("tracker", "--year", "2020")`` gives
    ``(exit code, stdout, stderr)``."""
    return _cli_on(root, monkeypatch, capsys)


@pytest.fixture
def run_cli(fresh_root, monkeypatch, capsys):
    """Run the command line on a fresh copy of the raw data (nothing built), as ``run`` does."""
    return _cli_on(fresh_root, monkeypatch, capsys)


def census_rows(year: int) -> list[list[str]]:
    """The rows (header first) of the shipped Census API response for ``year``."""
    with gzip.open(RAW / "census" / f"exports_hs6_cty5700_{year}.json.gz", "rt") as fh:
        return json.load(fh)


def write_census(path: Path, rows) -> Path:
    """Write rows as a gzipped Census API response."""
    with gzip.open(path, "wt") as fh:
        json.dump(rows, fh)
    return path


#: A fake Census API key (not a real one): what the live-client tests send and look for.
KEY = "fakeKey0123456789abcdef0123456789abcdef"


@pytest.fixture
def api(monkeypatch):
    """Start a local API server (tests/api_server.py, on 127.0.0.1) with the given faults; point
    the clients at it; set the (fake) API key. ``api(behaviour, **kw)`` returns the server."""
    from api_server import APIServer

    servers = []

    def start(behaviour=None, **kw):
        server = APIServer(behaviour, **kw).__enter__()
        servers.append(server)
        monkeypatch.setenv("TRADEDEAL_CENSUS_URL", f"{server.url}/data/timeseries/intltrade/exports/hs")
        monkeypatch.setenv("TRADEDEAL_FRED_URL", f"{server.url}/graph/fredgraph.csv")
        monkeypatch.setenv("TRADEDEAL_HTTP_BACKOFF", "0")
        monkeypatch.setenv("TRADEDEAL_HTTP_TIMEOUT", "1")
        monkeypatch.setenv("CENSUS_API_KEY", KEY)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def wait_for(condition, what: str, proc=None, seconds: float = 240) -> None:
    """Wait for an event, never for a fixed time: ``condition()`` true within a generous deadline
    (a 2-core machine under load included); fail at once if ``proc`` (a Popen) ended first."""
    deadline = time.monotonic() + seconds
    while not condition():
        if proc is not None:
            assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"no {what} within {seconds} s"
        time.sleep(0.05)


def set_release(frame, through: str, category: str, value: str, column: str = "value_2021_ytd") -> None:
    """Set one figure of the year-to-date releases read as text (a constructed edit, NOT REAL) and
    move its release's covered_total by as much: the release still adds up, so the edit tests
    the one rule it is made for."""
    at = (frame["data_through"] == through) & (frame["category"] == category)
    delta = int(value) - int(frame.loc[at, column].item())
    frame.loc[at, column] = value
    if category in ("agriculture", "energy", "manufactures"):
        total = (frame["data_through"] == through) & (frame["category"] == "covered_total")
        frame.loc[total, column] = str(int(frame.loc[total, column].item()) + delta)
