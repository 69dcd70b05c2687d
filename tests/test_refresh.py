"""Live refresh against a local server with recorded responses: vintages, faults, atomicity, keys."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import KEY, REPO
from waits import wait_for
from tradedeal import Snapshot
from tradedeal.agreement.answers import tracker_result
from tradedeal.errors import SchemaError, SourceError
from tradedeal.ingest import vintages
from tradedeal.ingest.refresh import diff, refresh


def written(root: Path) -> str:
    """Everything the refresh and the build wrote, as text."""
    texts = []
    for path in (root / "raw" / "vintages").rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    for path in (root / "processed").rglob("*.json"):
        texts.append(path.read_text())
    return "\n".join(texts)


def snapshot_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}


def test_refresh_end_to_end_makes_a_vintage_the_tracker_uses(built_root, api, caplog):
    server = api()
    before = tracker_result(Snapshot(built_root), 2020, "2020-12").table
    caplog.set_level(logging.DEBUG)
    created = refresh("all", "2020-11", "2021-03", root=built_root)
    assert [p.parent.name for p in created] == ["census", "fred"]
    census = json.loads((created[0] / "manifest.json").read_text())
    assert sorted(census["files"]) == [f"exports_hs6_cty5700_{m}.json" for m in ("2020-11", "2020-12", "2021-01")]
    assert census["not_released"] == ["2021-02", "2021-03"]  # HTTP 204: not yet released
    entry = census["files"]["exports_hs6_cty5700_2020-12.json"]
    assert entry["rows"] == 4_083 and len(entry["sha256"]) == 64
    assert "key=REDACTED" in entry["request"]
    assert any(f"key={KEY}" in r for r in server.requests)  # the key was sent …
    assert KEY not in written(built_root)  # … and never written
    assert KEY not in caplog.text
    new = vintages.list_vintages(built_root)
    assert new[0] == "snapshot" and len(new) == 2
    after = tracker_result(Snapshot(built_root), 2020, "2020-12")
    assert f"[vintage: {new[1]};" in after.vintage and f"Census API pulls {new[1]}" in after.vintage
    assert after.table.equals(before)  # the recorded responses are the snapshot's figures
    assert diff("snapshot", new[1], root=built_root).empty
    old = tracker_result(Snapshot(built_root, vintage="snapshot"), 2020, "2020-12")
    assert "[vintage: snapshot;" in old.vintage


def test_a_revision_shows_in_diff_and_in_the_tracker(built_root, api):
    def revise(rows):  # a revision introduced by this test: +1,000 USD on the soybean line
        rows = [list(r) for r in rows]
        line = next(r for r in rows[1:] if r[0] == "120190")
        line[1] = str(int(line[1]) + 1_000)
        return rows

    api({"2020-12": revise})
    before = tracker_result(Snapshot(built_root), 2020, "2020-12").table.set_index("category")
    (census,) = refresh("census", "2020-12", "2020-12", root=built_root)
    changes = diff("snapshot", census.name, root=built_root)
    assert len(changes) == 1
    row = changes.iloc[0]
    assert (row["source"], str(row["month"]), row["code"], row["change_usd"]) == ("census_hs6", "2020-12", "120190", 1_000)
    after = tracker_result(Snapshot(built_root), 2020, "2020-12").table.set_index("category")
    assert after.loc["agriculture", "purchases_ytd_usd"] == before.loc["agriculture", "purchases_ytd_usd"] + 1_000
    assert tracker_result(Snapshot(built_root, vintage="snapshot"), 2020, "2020-12").table.set_index("category").equals(before)


@pytest.mark.parametrize("fault", ["429-once", "500-once", "slow-once"])
def test_transient_faults_are_retried(fresh_root, api, fault):
    server = api({"2021-01": fault})
    (path,) = refresh("census", "2021-01", "2021-01", root=fresh_root)
    assert server.seen["2021-01"] == 2
    assert (path / "exports_hs6_cty5700_2021-01.json").exists()


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        ({"2021-01": "400"}, "HTTP 400 for http://127.0.0.1"),
        ({"2021-01": "truncated"}, "response is not complete JSON"),
        ({"2021-01": "slow"}, "no complete answer within the deadline of 2 s"),  # every try times out: 2 x 1 s
        ({"2020-12": "204"}, "census: 2020-12 is not released but 2021-01 is; refusing a gap"),
        ({"2021-01": lambda rows: [rows[0][:-1]] + [r[:-1] for r in rows[1:]]}, "missing field(s) time"),
        ({"EXPCH": "400"}, "HTTP 400 for http://127.0.0.1"),
    ],
)
def test_faults_leave_nothing_behind(built_root, api, behaviour, message, monkeypatch):
    api(behaviour)  # a read times out after 1 s (TRADEDEAL_HTTP_TIMEOUT); a month that answers takes 0.1 s
    monkeypatch.setenv("TRADEDEAL_HTTP_DEADLINE", "2")  # each request's total (default: five read timeouts, 5 s)
    before = snapshot_of(built_root)
    with pytest.raises(SourceError) as err:
        refresh("all", "2020-12", "2021-01", root=built_root)
    assert message in str(err.value)
    assert KEY not in str(err.value)
    if "census/" in str(err.value) or "exports/hs" in str(err.value):
        assert "key=REDACTED" in str(err.value)
    assert snapshot_of(built_root) == before
    assert vintages.list_vintages(built_root) == ["snapshot"]


def test_a_refresh_killed_midway_changes_nothing(built_root, api):
    server = api({m: "slow" for m in ("2020-03", "2020-04", "2020-05", "2020-06")}, slow_seconds=0.3)
    os.environ["TRADEDEAL_HTTP_TIMEOUT"] = "5"
    before = snapshot_of(built_root)
    env = {**os.environ, "TRADEDEAL_DATA_DIR": str(built_root)}
    proc = subprocess.Popen([sys.executable, "-m", "tradedeal", "data", "refresh", "--source", "census",
                             "--start", "2020-01", "--end", "2020-12"], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: len(server.requests) >= 4, "fourth request of the pull", alive=proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(server.requests) >= 4  # it was killed in the middle of the pull
    assert vintages.list_vintages(built_root) == ["snapshot"]
    after = snapshot_of(built_root)
    leftovers = [k for k in after if k not in before]
    assert all("/.tmp-" in k for k in leftovers)  # only the hidden staging folder, which nothing reads
    refresh("census", "2021-01", "2021-01", root=built_root)  # the next refresh removes it
    assert not list((built_root / "raw" / "vintages" / "census").glob(".tmp-*"))
    assert {k: v for k, v in after.items() if k in before} == before
    assert Snapshot(built_root).exports_hs6()["month"].max().strftime("%Y-%m") == "2021-01"


def test_a_vintage_whose_files_do_not_match_their_manifest_is_refused(fresh_root, api):
    api()
    (census,) = refresh("census", "2021-01", "2021-01", root=fresh_root)
    path = census / "exports_hs6_cty5700_2021-01.json"
    path.write_text(path.read_text().replace('"120190"', '"120110"', 1))
    with pytest.raises(SchemaError, match="exports_hs6_cty5700_2021-01.json does not match its manifest sha256"):
        Snapshot(fresh_root).exports_hs6()


DEBUG_REFRESH = """
import logging, sys
logging.basicConfig(level=logging.DEBUG)  # every logger, every level, to stderr
from tradedeal.ingest.refresh import refresh
try:
    refresh("census", "2021-01", "2021-01", root=sys.argv[1])
except Exception as exc:
    logging.getLogger("test").exception("refresh failed: %s", exc)
"""


def test_the_key_is_in_no_debug_log_line(fresh_root, api):
    """The server answers 500 every time: urllib3 logs each retry at DEBUG from
    ``urllib3.util.retry``, a logger no filter on a parent sees."""
    server = api({"2021-01": "500"})
    done = subprocess.run([sys.executable, "-c", DEBUG_REFRESH, str(fresh_root)], capture_output=True, text=True,
                          env={**os.environ, "TRADEDEAL_HTTP_TIMEOUT": "5"}, timeout=120)
    assert any(f"key={KEY}" in r for r in server.requests)  # the key was sent …
    log = done.stdout + done.stderr
    assert "DEBUG:urllib3.util.retry:Incremented Retry for (url='" in log  # … the retries were logged …
    assert "key=REDACTED" in log and "HTTP 500 after retries" in log
    assert KEY not in log  # … without it
    assert KEY not in written(fresh_root)


def test_the_key_is_redacted_for_a_handler_on_any_logger(fresh_root, api):
    """An application that hangs its own handler on urllib3's child logger, without propagation."""
    import io

    api({"2021-01": "500"})
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    retry_log = logging.getLogger("urllib3.util.retry")
    retry_log.addHandler(handler)
    retry_log.setLevel(logging.DEBUG)
    retry_log.propagate = False
    try:
        with pytest.raises(SourceError):
            refresh("census", "2021-01", "2021-01", root=fresh_root)
    finally:
        retry_log.removeHandler(handler)
        retry_log.propagate = True
        retry_log.setLevel(logging.NOTSET)
    assert "Incremented Retry" in stream.getvalue() and "key=REDACTED" in stream.getvalue()
    assert KEY not in stream.getvalue()


@pytest.mark.parametrize(
    ("edit", "message"),
    [  # edited FRED responses (not real data): what a broken server could send
        (lambda lines: lines[:1], "FRED response for EXPCH rejected: EXPCH.csv: file: breaks the rule: at least one month"),
        (lambda lines: [*lines[:4], "2016-04-01,inf", *lines[5:]], "line 5: EXPCH 'inf' breaks the rule: finite"),
        (lambda lines: [*lines[:4], "2016-04-01,1e400", *lines[5:]], "line 5: EXPCH '1e400' breaks the rule: finite"),
        (lambda lines: [*lines, "2099-01-01,8000.0"], "observation_date '2099-01-01' breaks the rule: not after this month"),
        (lambda lines: [*lines[:30], *lines[31:]], "month 2018-06 is missing between 2016-01 and 2026-01"),
    ],
)
def test_a_bad_fred_response_is_refused_and_nothing_is_committed(built_root, api, capsys, monkeypatch, edit, message):
    from tradedeal.present import cli

    api({"EXPCH": edit})
    before = snapshot_of(built_root)
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(built_root))
    code = cli.main(["data", "refresh", "--source", "all", "--start", "2021-01", "--end", "2021-01"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err
    assert snapshot_of(built_root) == before
    assert vintages.list_vintages(built_root) == ["snapshot"]


def test_an_overflowing_census_value_is_refused(fresh_root, api):
    def overflow(rows):  # an edited response (not real data): one value beyond int64
        rows = [list(r) for r in rows]
        rows[3][1] = "1e19"
        return rows

    api({"2021-01": overflow})
    with pytest.raises(SourceError) as err:
        refresh("census", "2021-01", "2021-01", root=fresh_root)
    assert ("census response for 2021-01 rejected: exports_hs6_cty5700_2021-01.json: row 3: ALL_VAL_MO '1e19' "
            "breaks the rule: at most 1e+12 USD") in str(err.value)
    assert "key=REDACTED" in str(err.value) and KEY not in str(err.value)
    assert vintages.list_vintages(fresh_root) == ["snapshot"]


@pytest.mark.parametrize("mask", [0o022, 0o002])
def test_a_vintage_folder_follows_the_umask(fresh_root, api, mask):
    api()
    previous = os.umask(mask)
    try:
        (census,) = refresh("census", "2021-01", "2021-01", root=fresh_root)
    finally:
        os.umask(previous)
    assert oct(census.stat().st_mode & 0o777) == oct(0o777 & ~mask)
    assert oct((census / "manifest.json").stat().st_mode & 0o777) == oct(0o666 & ~mask)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRADEDEAL_HTTP_TIMEOUT", "0", "TRADEDEAL_HTTP_TIMEOUT must be a positive number of seconds up to 86400; got '0'"),
        ("TRADEDEAL_HTTP_TIMEOUT", "-1", "TRADEDEAL_HTTP_TIMEOUT must be a positive number of seconds up to 86400; got '-1'"),
        ("TRADEDEAL_HTTP_TIMEOUT", "nan", "TRADEDEAL_HTTP_TIMEOUT must be a positive number of seconds up to 86400; got 'nan'"),
        ("TRADEDEAL_HTTP_TIMEOUT", "1e300", "TRADEDEAL_HTTP_TIMEOUT must be a positive number of seconds up to 86400"),
        ("TRADEDEAL_HTTP_BACKOFF", "abc", "TRADEDEAL_HTTP_BACKOFF must be a number of seconds from 0 up to 600; got 'abc'"),
        ("TRADEDEAL_HTTP_BACKOFF", "-1", "TRADEDEAL_HTTP_BACKOFF must be a number of seconds from 0 up to 600; got '-1'"),
    ],
)
def test_bad_http_settings_are_one_line(built_root, api, capsys, monkeypatch, name, value, message):
    from tradedeal.present import cli

    server = api()
    before = snapshot_of(built_root)
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(built_root))
    monkeypatch.setenv(name, value)
    code = cli.main(["data", "refresh", "--source", "all", "--start", "2021-01", "--end", "2021-01"])
    err = capsys.readouterr().err
    assert (code, err) == (2, f"tradedeal: error: {message}" + (f"; got {value!r}\n" if "; got" not in message else "\n"))
    assert server.requests == [] and snapshot_of(built_root) == before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL])
def test_a_refresh_stopped_after_the_census_part_commits_nothing(built_root, api, signum):
    """The attack: the Census months are in, FRED is slow, and the refresh is stopped. Once a
    Census-only vintage stayed (and a ``.tmp-*`` folder), and the next tracker used it silently."""
    server = api({"EXPCH": "slow"}, slow_seconds=600)  # FRED never answers in time
    before = snapshot_of(built_root)
    env = {**os.environ, "TRADEDEAL_DATA_DIR": str(built_root), "TRADEDEAL_HTTP_TIMEOUT": "600"}
    proc = subprocess.Popen([sys.executable, "-m", "tradedeal", "data", "refresh", "--source", "all",
                             "--start", "2020-12", "--end", "2021-01"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: any("fredgraph" in r for r in server.requests), "FRED request", alive=proc)
        census = [r for r in server.requests if "exports/hs" in r]
        assert len(census) == 2  # both months were pulled and checked before FRED was asked
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if signum == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + signum
        assert stderr == f"tradedeal: interrupted ({signal.Signals(signum).name})\n", stderr
    assert vintages.list_vintages(built_root) == ["snapshot"]  # no Census-only vintage
    after = snapshot_of(built_root)
    left = sorted(k for k in after if k not in before)
    if signum == signal.SIGKILL:  # nothing can clean at that moment: only hidden staging files, which nothing reads
        assert left and all("/.tmp-" in k for k in left), left
    else:
        assert left == [], left
    assert {k: v for k, v in after.items() if k in before} == before
    assert "[vintage: snapshot;" in tracker_result(Snapshot(built_root), 2020, "2020-12").vintage
    # the next refresh starts by removing what the killed one left
    server.behaviour.clear()
    created = refresh("fred", root=built_root)
    assert [p.parent.name for p in created] == ["fred"]
    assert not [p for p in (built_root / "raw" / "vintages").rglob(".tmp-*")]


def test_a_commit_cut_between_two_renames_is_no_vintage_and_is_removed(built_root, api):
    """kill -9 between the Census and the FRED rename: the journal is still there, so the pull
    is no vintage; the next refresh removes its folder and its journal."""
    api()
    (census,) = refresh("census", "2021-01", "2021-01", root=built_root)
    pull = census.name
    journal = built_root / "raw" / "vintages" / f".commit-{pull}.json"
    vintages.write_json(journal, {"pull": pull, "sources": ["census", "fred"]})  # as a kill -9 leaves it
    assert vintages.list_vintages(built_root) == ["snapshot"]
    assert Snapshot(built_root).exports_hs6()["month"].max().strftime("%Y-%m") == "2021-01"
    refresh("fred", root=built_root)
    assert not census.exists() and not journal.exists()
    assert [v for v in vintages.list_vintages(built_root) if v != "snapshot"] == [
        p.name for p in (built_root / "raw" / "vintages" / "fred").iterdir() if not p.name.startswith(".")]


def test_a_second_refresh_at_once_is_one_line(fresh_root, api, capsys, monkeypatch):
    from tradedeal.present import cli

    api()
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(fresh_root))
    with vintages.refresh_lock(fresh_root):  # another refresh holds the data folder
        code = cli.main(["data", "refresh", "--source", "fred"])
    assert code == 2 and capsys.readouterr().err == (
        f"tradedeal: error: another refresh of {fresh_root} is running; try again when it ends\n")
    assert vintages.list_vintages(fresh_root) == ["snapshot"]
