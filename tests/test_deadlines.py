"""Nothing hangs without a word: raw files that are not regular files, a server that trickles,
a server that asks for a long wait, a parameter file that never ends. Each case runs the command
line in a subprocess with a generous deadline: a hang fails the test instead of stalling it.
Servers are tests/api_server.py on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import KEY
from tradedeal.ingest import vintages

#: A generous bound: a hang is a failure, not a stalled run (a 2-core machine under load included).
HANG = 240


def command(argv: list[str], data: Path, cwd: Path, **env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "TRADEDEAL_DATA_DIR": str(data), **env}
    try:
        return subprocess.run([sys.executable, "-m", "tradedeal", *argv], capture_output=True, text=True,
                              env=environment, cwd=cwd, timeout=HANG)
    except subprocess.TimeoutExpired:
        pytest.fail(f"tradedeal {' '.join(argv)} still running after {HANG} s")


@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "FIFO", "folder"])
@pytest.mark.parametrize("name", ["fred/IMPCH.csv", "census/exports_hs6_cty5700_2019.json.gz", "agreement/annex_6_1.csv"])
def test_a_raw_file_that_is_not_a_regular_file_is_one_line(fresh_root, tmp_path, kind, name):
    path = fresh_root / "raw" / name
    path.unlink()
    if kind == "FIFO":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to("/dev/zero")
    done = command(["tracker", "--year", "2020"], fresh_root, tmp_path)
    what = {"symlink to /dev/zero": "a character device", "FIFO": "a FIFO", "folder": "a folder"}[kind]
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert done.stderr == f"tradedeal: error: {name}: file: breaks the rule: a regular file (it is {what})\n"


def test_a_raw_file_beyond_the_size_limit_is_one_line(fresh_root, monkeypatch):
    from tradedeal.errors import SchemaError
    from tradedeal.ingest import paths, sources

    monkeypatch.setattr(paths, "MAX_RAW_BYTES", 1000)
    with pytest.raises(SchemaError, match=r"^EXPCH.csv: file: breaks the rule: at most 1,000 bytes \(it has 2,875\)$"):
        sources.read_fred(fresh_root / "raw" / "fred" / "EXPCH.csv")


@pytest.mark.parametrize("kind", ["/dev/zero", "FIFO", "too large"])
def test_report_f_reads_a_regular_file_of_bounded_size(tmp_path, kind):
    path = Path(kind) if kind == "/dev/zero" else tmp_path / "batch.yaml"
    if kind == "FIFO":
        os.mkfifo(path)
    elif kind == "too large":
        path.write_text("product: " + "x" * (4 * 2**20) + "\n")
    done = command(["report", "-f", str(path), "--out", str(tmp_path / "r")], Path(os.environ["TRADEDEAL_DATA_DIR"]),
                   tmp_path)
    expected = {"/dev/zero": "breaks the rule: a regular file (it is a character device)",
                "FIFO": "breaks the rule: a regular file (it is a FIFO)",
                "too large": "breaks the rule: at most 4,194,304 bytes (it has 4,194,314)"}[kind]
    assert done.returncode == 2 and done.stderr == f"tradedeal: error: {path}: file: {expected}\n", done.stderr
    assert not (tmp_path / "r").exists()


def serve(fresh_root: Path, api, behaviour, **kw) -> dict:
    server = api(behaviour, **kw)
    return {"TRADEDEAL_CENSUS_URL": f"{server.url}/data/timeseries/intltrade/exports/hs",
            "TRADEDEAL_FRED_URL": f"{server.url}/graph/fredgraph.csv", "TRADEDEAL_HTTP_BACKOFF": "0",
            "CENSUS_API_KEY": KEY}


def test_a_server_sending_one_byte_a_second_meets_the_deadline(fresh_root, tmp_path, api):
    """Each byte comes within the 3 s read timeout, so only a total deadline ends the request:
    five read timeouts (15 s) by default, 4 s here."""
    env = serve(fresh_root, api, {"2021-01": "trickle"}, slow_seconds=0.5)
    done = command(["data", "refresh", "--source", "census", "--start", "2021-01", "--end", "2021-01"], fresh_root,
                   tmp_path, TRADEDEAL_HTTP_TIMEOUT="3", TRADEDEAL_HTTP_DEADLINE="4", **env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("tradedeal: error: no complete answer within the deadline of 4 s: http://127.0.0.1:")
    assert done.stderr.count("\n") == 1 and KEY not in done.stderr and "key=REDACTED" in done.stderr
    assert vintages.list_vintages(fresh_root) == ["snapshot"]


def test_the_default_deadline_is_five_read_timeouts(monkeypatch):
    from tradedeal.ingest import transport

    monkeypatch.delenv("TRADEDEAL_HTTP_DEADLINE", raising=False)
    assert transport.default_deadline(3.0) == 15.0 and transport.default_deadline((10.0, 60.0)) == 300.0
    monkeypatch.setenv("TRADEDEAL_HTTP_DEADLINE", "inf")
    with pytest.raises(transport.ParameterError, match="TRADEDEAL_HTTP_DEADLINE must be a positive number"):
        transport.default_deadline(3.0)


@pytest.mark.parametrize("after", ["3600", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_a_long_retry_after_is_one_line_not_a_silent_sleep(fresh_root, tmp_path, api, after):
    env = serve(fresh_root, api, {"2021-01": ("status", 429, {"Retry-After": after}, b"Too Many Requests")})
    done = command(["data", "refresh", "--source", "census", "--start", "2021-01", "--end", "2021-01"], fresh_root,
                   tmp_path, TRADEDEAL_HTTP_TIMEOUT="5", **env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("tradedeal: error: the server asks to wait "), done.stderr
    assert "s before trying again (Retry-After), more than the 120 s tradedeal waits; try again later: http" in done.stderr
    assert done.stderr.count("\n") == 1 and KEY not in done.stderr


def test_a_short_retry_after_is_waited_for(fresh_root, api):
    from tradedeal.ingest.refresh import refresh

    server = api({"2021-01": ("status-once", 429, {"Retry-After": "1"}, b"Too Many Requests")})
    (census,) = refresh("census", "2021-01", "2021-01", root=fresh_root)
    assert server.seen["2021-01"] == 2 and (census / "exports_hs6_cty5700_2021-01.json").exists()


def test_a_response_beyond_the_size_limit_is_refused(fresh_root, api, monkeypatch):
    from tradedeal.errors import SourceError
    from tradedeal.ingest import transport
    from tradedeal.ingest.refresh import refresh

    api()
    monkeypatch.setattr(transport, "MAX_BYTES", 100_000)  # a month is about 250 kB of JSON
    with pytest.raises(SourceError, match=r"^response larger than 100,000 bytes: http://127.0.0.1:\d+/.*key=REDACTED"):
        refresh("census", "2020-12", "2020-12", root=fresh_root)
    assert vintages.list_vintages(fresh_root) == ["snapshot"]



@pytest.mark.parametrize("name", ["exports_category.parquet", "manifest.json"])
def test_a_processed_file_that_is_a_fifo_is_rebuilt_not_a_hang(fresh_root, tmp_path, name):
    build_command = command(["data", "build"], fresh_root, tmp_path)
    assert build_command.returncode == 0, build_command.stderr
    expected = command(["tracker", "--year", "2020", "--format", "csv"], fresh_root, tmp_path).stdout
    path = fresh_root / "processed" / name
    path.unlink()
    os.mkfifo(path)
    done = command(["tracker", "--year", "2020", "--format", "csv"], fresh_root, tmp_path)
    assert done.returncode == 0 and done.stdout == expected, done.stderr
    assert path.is_file()  # rebuilt in place
