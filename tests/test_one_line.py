"""One line, always: years out of range, infinite amounts, swapped tables, a partial month,
Ctrl-C during start-up, huge values and duplicate keys in a parameter file, and any error no
rule names yet. Exit 2 (130 for Ctrl-C), never a traceback, never a wrong number."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import REPO
from waits import has_loaded, wait_for
from tradedeal.ingest import vintages


@pytest.mark.parametrize("command", ["forecast", "tracker"])
@pytest.mark.parametrize("year", ["10000", "0", "-1", "99999999999999999999", "1999", "２０２０"])
def test_a_year_out_of_range_is_one_line(run, command, year):
    code, out, err = run(command, "--year", year)
    assert (code, out) == (2, "")
    assert err == f"tradedeal {command}: argument --year: invalid year '{year}': a whole year from 2000 to 2100\n"


@pytest.mark.parametrize("amount", ["inf", "1e400", "-inf", "nan", "-1"])
def test_an_amount_that_is_not_finite_and_non_negative_is_one_line(run, amount):
    code, out, err = run("scan", f"--min-usd={amount}")  # '-inf' alone reads as an option
    assert (code, out) == (2, "")
    assert err == (f"tradedeal scan: argument --min-usd: invalid amount '{amount}': a finite number of USD, "
                   "at least 0\n")


def test_a_huge_value_gives_a_short_line(run, tmp_path):
    batch = tmp_path / "batch.yaml"
    batch.write_text("product: " + "x" * 3_000_000 + "\n")  # a 3 MB value: once a 6 MB "one-line" error
    code, out, err = run("report", "04_product", "-f", str(batch), "--out", str(tmp_path / "r"))
    assert code == 2 and err.count("\n") == 1 and len(err) <= 501
    assert err.startswith(f"tradedeal: error: {batch} entry 0 (product=xxxx") and "characters cut)" in err


@pytest.mark.parametrize(("text", "line"), [
    ("product: pork\nyear: 2020\nproduct: corn\n", "line 3, column 1: duplicate key 'product' (first on line 1)"),
    ("- product: pork\n- product: corn\n  notebook: 04_product\n  product: lng\n",
     "line 4, column 3: duplicate key 'product' (first on line 2)"),
])
def test_a_key_given_twice_in_a_parameter_file_is_an_error(run, tmp_path, text, line):
    batch = tmp_path / "batch.yaml"
    batch.write_text(text)
    code, out, err = run("report", "04_product", "-f", str(batch), "--out", str(tmp_path / "r"))
    assert (code, err) == (2, f"tradedeal: error: {batch}: not valid YAML: {line}\n")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("pair", [("exports_category", "exports_subcategory"), ("total_goods", "category_vintages"),
                                  ("exports_hs6", "hs6_descriptions")])
def test_two_tables_swapped_with_their_manifest_entries_are_rebuilt(built_root, monkeypatch, capsys, caplog, pair):
    """The manifest's sha256 and columns move with the files, so only the columns a table must
    have can tell: each file is then a cache miss, rebuilt from the raw data, said in one line.
    (Once the tracker ended in a pandas traceback.)"""
    from tradedeal.ingest.processed import load_table
    from tradedeal.present import cli

    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(built_root))
    assert cli.main(["tracker", "--year", "2020", "--format", "csv"]) == 0
    expected = capsys.readouterr().out
    tables = {name: load_table(name, built_root) for name in pair}
    processed = built_root / "processed"
    a, b = (processed / f"{name}.parquet" for name in pair)
    a.rename(processed / "swap"), b.rename(a), (processed / "swap").rename(b)
    manifest = json.loads((processed / "manifest.json").read_text())
    manifest["tables"][pair[0]], manifest["tables"][pair[1]] = manifest["tables"][pair[1]], manifest["tables"][pair[0]]
    (processed / "manifest.json").write_text(json.dumps(manifest))
    code = cli.main(["tracker", "--year", "2020", "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0 and out == expected and "Traceback" not in err  # the same answer
    for name, frame in tables.items():
        assert load_table(name, built_root).equals(frame)  # each table is its own again, rebuilt from raw
    warned = [r.getMessage() for r in caplog.records if "was damaged" in r.getMessage()]
    assert warned and all("(it holds the columns of " in w and w.endswith("rebuilt it from the raw data") for w in warned)


def test_a_refresh_response_holding_a_partial_month_is_one_line(built_root, api, capsys, monkeypatch):
    """An edited response (not real data): the first 10 records of 2021-01 only."""
    from tradedeal.present import cli

    api({"2021-01": lambda rows: rows[:11]})
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(built_root))
    code = cli.main(["data", "refresh", "--source", "census", "--start", "2021-01", "--end", "2021-01"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("tradedeal: error: "), err
    assert vintages.list_vintages(built_root) == ["snapshot"]


def test_an_error_no_rule_names_is_still_one_line(run, monkeypatch):
    from tradedeal.agreement import targets

    def broken(year):
        raise ValueError("something no check foresaw\nsecond line")

    monkeypatch.setattr(targets, "check_year", broken)
    code, out, err = run("tracker", "--year", "2020")
    assert code == 2 and out == ""
    assert re.fullmatch(r"tradedeal: error: unexpected ValueError at [\w/]+\.py:\d+: something no check foresaw \(a bug: "
                        r"please report it with the command; TRADEDEAL_TRACEBACK=1 shows the traceback\)\n", err), err


@pytest.mark.parametrize("library", ["numpy", "pandas/_libs", "pyarrow"])
def test_ctrl_c_during_start_up_is_one_line(tmp_path, library):
    """Ctrl-C while the command is still importing (numpy, then pandas, then pyarrow are being
    loaded): the event is the library appearing in the process's memory map."""
    proc = subprocess.Popen([sys.executable, "-m", "tradedeal", "scan", "--level", "hs6"], cwd=tmp_path,  # long after
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:  # looks every 2 ms: the import lasts a fraction of a second
        wait_for(lambda: has_loaded(proc.pid, library), f"{library} loaded", alive=proc, seconds=120, poll=0.002)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err == "tradedeal: interrupted (SIGINT)\n"


def test_the_command_runs_from_its_entry_point():
    import tomllib

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"tradedeal": "tradedeal.__main__:main"}


def test_a_month_that_has_not_ended_is_not_pulled(fresh_root, api, capsys, monkeypatch):
    import datetime as dt

    from tradedeal.present import cli

    server = api()
    monkeypatch.setenv("TRADEDEAL_DATA_DIR", str(fresh_root))
    month = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m")
    code = cli.main(["data", "refresh", "--source", "census", "--start", "2021-01", "--end", month])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"tradedeal: error: end {month} has not ended yet (today is "), err
    assert err.endswith("); a month is pulled once it is over\n") and server.requests == []


def test_ctrl_c_that_a_library_turns_into_an_import_error_is_still_one_line(monkeypatch, capsys):
    """numpy re-raises what stops its C extension's import as an ImportError: a Ctrl-C during the
    imports must still be one line and exit 130, not an ImportError (seen under load)."""
    import builtins

    from tradedeal import __main__ as entry

    real_import = builtins.__import__

    def importing(name, *args, **kwargs):
        if name == "tradedeal.present.cli":
            try:
                signal.raise_signal(signal.SIGINT)  # its Python handler runs before this returns
            except KeyboardInterrupt as exc:
                raise ImportError("numpy's C extension failed to import") from exc
            raise AssertionError("the SIGINT handler did not run")
        return real_import(name, *args, **kwargs)

    handlers = {signum: signal.getsignal(signum) for signum in entry.LATE}
    monkeypatch.setattr(builtins, "__import__", importing)
    try:
        assert entry.main() == 130
    finally:
        for signum, handler in handlers.items():  # main leaves them ignored for the interpreter's shutdown
            signal.signal(signum, handler)
    assert capsys.readouterr().err == "tradedeal: interrupted (SIGINT)\n"
